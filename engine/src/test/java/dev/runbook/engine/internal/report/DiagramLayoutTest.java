package dev.runbook.engine.internal.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.internal.catalog.ProcessGraph;
import dev.runbook.engine.internal.evidence.EvidenceEvents;
import dev.runbook.engine.internal.report.ReportModel.Diagram;
import dev.runbook.engine.internal.report.ReportModel.Edge;
import dev.runbook.engine.internal.report.ReportModel.Label;
import dev.runbook.engine.internal.report.ReportModel.Shape;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.bpmndi.BpmnDiagram;
import org.camunda.bpm.model.bpmn.instance.bpmndi.BpmnShape;
import org.junit.jupiter.api.Test;

/** The report's diagram: drawn from the BPMN's DI when it has it, laid out by itself when not. */
class DiagramLayoutTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Start, the work fails, its boundary event leads to the failed end. */
  private static final String FAILED_RUN =
      """
      [{"type": "run.started"},
       {"type": "step.started", "activityId": "Task_Work"},
       {"type": "step.finished", "activityId": "Task_Work", "outcome": "failed",
        "errorCode": "STEP_FAILED"},
       {"type": "run.ended", "outcome": "failed"}]
      """;

  @Test
  void aRunbookWithDiIsDrawnWhereItsDiSaysMovedToTheMargin() throws Exception {
    Diagram d = draw(model());

    // The DI starts at 100,60: everything moves by -76,-36 to start at the margin of 24.
    assertThat(shape(d, "Task_Work"))
        .extracting(Shape::x, Shape::y, Shape::w, Shape::h)
        .containsExactly(124, 24, 100, 80);
    assertThat(shape(d, "StartEvent_Go"))
        .extracting(Shape::cx, Shape::cy, Shape::r)
        .containsExactly(42, 64, 18);
    assertThat(shape(d, "Event_WorkFailed"))
        .extracting(Shape::cx, Shape::cy, Shape::r)
        .containsExactly(174, 104, 18);
    assertThat(edge(d, "Flow_WorkFailedToFailed").points()).isEqualTo("174,122 174,154 174,186");
    assertThat(edge(d, "Flow_ToDone").points()).isEqualTo("224,64 286,64");
    assertThat(d.width()).isEqualTo(398 - 76 + 24);
    assertThat(d.height()).isEqualTo(258 - 36 + 24);
    // A boundary event's label stands where the DI puts it; a task's name wraps inside its box.
    assertThat(shape(d, "Event_WorkFailed").labels())
        .extracting(Label::x, Label::y, Label::text)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(228, 136, "Work failed"));
    assertThat(shape(d, "Task_Work").labels())
        .extracting(Label::text)
        .containsExactly("Do the work on", "every node");
  }

  @Test
  void thePathTakenIsHighlightedOnTheDiDrawing() throws Exception {
    Diagram d = draw(model());

    assertThat(shape(d, "Task_Work").visited()).isTrue();
    assertThat(shape(d, "Event_WorkFailed").visited()).isTrue();
    assertThat(shape(d, "EndEvent_Failed").visited()).isTrue();
    assertThat(shape(d, "EndEvent_Done").visited()).isFalse();
    assertThat(edge(d, "Flow_WorkFailedToFailed"))
        .extracting(Edge::taken, Edge::exception)
        .containsExactly(true, true);
    assertThat(edge(d, "Flow_ToDone").taken()).isFalse();
  }

  @Test
  void withoutDiOrWithPartDiTheReportLaysTheRunbookOutItself() throws Exception {
    BpmnModelInstance none = model();
    for (BpmnDiagram diagram : List.copyOf(none.getModelElementsByType(BpmnDiagram.class))) {
      diagram.getParentElement().removeChildElement(diagram);
    }
    BpmnModelInstance part = model();
    BpmnShape end = part.getModelElementById("EndEvent_Failed_di");
    end.getParentElement().removeChildElement(end);

    for (BpmnModelInstance m : List.of(none, part)) {
      Diagram d = draw(m);
      // Its own grid: boxes 136 wide, from the margin, every node and flow drawn.
      assertThat(shape(d, "Task_Work").w()).isEqualTo(136);
      assertThat(d.shapes()).hasSize(5);
      assertThat(d.edges()).hasSize(3);
      assertThat(edge(d, "Flow_WorkFailedToFailed").taken()).isTrue();
    }
  }

  private static BpmnModelInstance model() throws Exception {
    try (InputStream in = DiagramLayoutTest.class.getResourceAsStream("/report/di-test.bpmn")) {
      return Bpmn.readModelFromStream(in);
    }
  }

  private static Diagram draw(BpmnModelInstance model) throws Exception {
    ProcessGraph graph = ProcessGraph.of(model);
    List<JsonNode> records = new ArrayList<>();
    JSON.readTree(FAILED_RUN).forEach(records::add);
    return DiagramLayout.draw(graph, RunPath.of(graph, EvidenceEvents.of(records)));
  }

  private static Shape shape(Diagram d, String id) {
    return d.shapes().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
  }

  private static Edge edge(Diagram d, String id) {
    return d.edges().stream().filter(e -> e.id().equals(id)).findFirst().orElseThrow();
  }
}

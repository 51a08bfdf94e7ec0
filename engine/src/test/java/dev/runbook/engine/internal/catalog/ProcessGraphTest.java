package dev.runbook.engine.internal.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.runbook.engine.internal.catalog.ProcessGraph.Kind;
import dev.runbook.engine.internal.catalog.ProcessGraph.Node;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class ProcessGraphTest {

  static ProcessGraph gateTest() throws Exception {
    try (InputStream in =
        ProcessGraphTest.class.getResourceAsStream("/test-runbooks/gate-test.bpmn")) {
      return ProcessGraph.of(Catalog.parse("gate-test.bpmn", in.readAllBytes()).model());
    }
  }

  @Test
  void theNormalPathRunsLeftToRightOnTheFirstRow() throws Exception {
    ProcessGraph g = gateTest();

    assertThat(g.inOrder().stream().filter(n -> n.row() == 0).map(Node::id))
        .containsExactly(
            "StartEvent_Begin", "Task_Note", "Gate_Approve", "Task_Write", "EndEvent_Done");
    assertThat(g.node("Gate_Approve").kind()).isEqualTo(Kind.GATE);
    assertThat(g.node("Task_Write").layer()).isEqualTo(3);
  }

  @Test
  void errorPathsTakeTheRowsBelowRightOfTheTaskTheyLeave() throws Exception {
    ProcessGraph g = gateTest();

    Node undo = g.node("Task_Undo");
    assertThat(undo.row()).isPositive();
    assertThat(undo.layer()).isGreaterThan(g.node("Task_Write").layer());
    assertThat(g.node("EndEvent_RolledBack").layer()).isGreaterThan(undo.layer());
    assertThat(g.node("EndEvent_Rejected").row()).isNotEqualTo(g.node("EndEvent_Expired").row());
  }

  @Test
  void boundaryEventsSitOnTheirTaskAndSayWhatTheyCatch() throws Exception {
    ProcessGraph g = gateTest();

    assertThat(g.boundaries("Gate_Approve"))
        .extracting(Node::id, Node::trigger)
        .containsExactly(
            tuple("Event_Rejected", "GATE_REJECTED"),
            tuple("Event_Expired", "timer ${gateTimeout}"));
    assertThat(g.node("Event_Rejected").layer()).isEqualTo(g.node("Gate_Approve").layer());
    assertThat(g.inOrder()).noneMatch(n -> n.kind() == Kind.BOUNDARY);
  }
}

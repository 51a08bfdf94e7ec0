package dev.runbook.engine.internal.lint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.engine.api.Effect;
import dev.runbook.engine.internal.catalog.Catalog;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BpmnLintTest {

  static final Map<String, Effect> STEPS =
      Map.of("look", Effect.READ_ONLY, "change", Effect.MUTATING, "stopEtcd", Effect.DESTRUCTIVE);

  /** A small valid runbook: look -> gate -> stopEtcd -> end; the parts are swapped per test. */
  static String bpmn(String beforeGate, String gateId, String task) {
    return """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
            xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_T" targetNamespace="t">
          <bpmn:error id="Error_Rejected" errorCode="GATE_REJECTED" />
          <bpmn:process id="lint-me" isExecutable="true" camunda:historyTimeToLive="P1D">
            <bpmn:startEvent id="StartEvent_Go"><bpmn:outgoing>Flow_A</bpmn:outgoing></bpmn:startEvent>
            <bpmn:sequenceFlow id="Flow_A" sourceRef="StartEvent_Go" targetRef="Task_Look" />
            <bpmn:serviceTask id="Task_Look" name="Look" camunda:asyncBefore="true" camunda:delegateExpression="${%s}">
              <bpmn:documentation>Looks.</bpmn:documentation>
            </bpmn:serviceTask>
            <bpmn:sequenceFlow id="Flow_B" sourceRef="Task_Look" targetRef="%s" />
            <bpmn:userTask id="Gate_Stop" name="Approve"><bpmn:documentation>Gate.</bpmn:documentation></bpmn:userTask>
            <bpmn:boundaryEvent id="Event_Rejected" attachedToRef="Gate_Stop">
              <bpmn:outgoing>Flow_R</bpmn:outgoing>
              <bpmn:errorEventDefinition errorRef="Error_Rejected" />
            </bpmn:boundaryEvent>
            <bpmn:sequenceFlow id="Flow_R" sourceRef="Event_Rejected" targetRef="EndEvent_Rejected" />
            <bpmn:endEvent id="EndEvent_Rejected"><bpmn:extensionElements><camunda:properties><camunda:property name="outcome" value="rejected" /></camunda:properties></bpmn:extensionElements></bpmn:endEvent>
            <bpmn:sequenceFlow id="Flow_C" sourceRef="Gate_Stop" targetRef="Task_Stop" />
            %s
            <bpmn:sequenceFlow id="Flow_D" sourceRef="Task_Stop" targetRef="EndEvent_Done" />
            <bpmn:endEvent id="EndEvent_Done"><bpmn:extensionElements><camunda:properties><camunda:property name="outcome" value="done" /></camunda:properties></bpmn:extensionElements></bpmn:endEvent>
          </bpmn:process>
        </bpmn:definitions>
        """
        .formatted(beforeGate, gateId, task);
  }

  static final String STOP =
      "<bpmn:serviceTask id=\"Task_Stop\" name=\"Stop\" camunda:asyncBefore=\"true\""
          + " camunda:delegateExpression=\"${stopEtcd}\"><bpmn:documentation>Stops.</bpmn:documentation></bpmn:serviceTask>";

  static List<String> lint(String xml) {
    return BpmnLint.check(Catalog.parse("test.bpmn", xml.getBytes(StandardCharsets.UTF_8)), STEPS);
  }

  @Test
  void aGoodRunbookPasses() {
    assertThat(lint(bpmn("look", "Gate_Stop", STOP))).isEmpty();
  }

  @Test
  void diagramInterchangeThatLeavesElementsOutFails() {
    // As if Task_Look had been added by hand after the Modeler drew the rest: only the start
    // event is drawn here.
    String xml =
        bpmn("look", "Gate_Stop", STOP)
            .replace(
                "xmlns:camunda=",
                "xmlns:bpmndi=\"http://www.omg.org/spec/BPMN/20100524/DI\""
                    + " xmlns:dc=\"http://www.omg.org/spec/DD/20100524/DC\" xmlns:camunda=")
            .replace(
                "</bpmn:definitions>",
                "<bpmndi:BPMNDiagram id=\"D\"><bpmndi:BPMNPlane id=\"P\" bpmnElement=\"lint-me\">"
                    + "<bpmndi:BPMNShape id=\"S\" bpmnElement=\"StartEvent_Go\">"
                    + "<dc:Bounds x=\"0\" y=\"0\" width=\"36\" height=\"36\" /></bpmndi:BPMNShape>"
                    + "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>");
    assertThat(lint(xml))
        .anyMatch(p -> p.contains("Task_Look: not in the diagram") && p.contains("Camunda Modeler"))
        .anyMatch(p -> p.contains("Flow_A: not in the diagram"))
        .noneMatch(p -> p.contains("StartEvent_Go"));
  }

  @Test
  void aDestructiveStepReachableWithoutAGateFails() {
    // Task_Look flows straight into Task_Stop, around the gate.
    assertThat(lint(bpmn("look", "Task_Stop", STOP)))
        .anyMatch(p -> p.contains("Task_Stop") && p.contains("without passing an approval gate"));
  }

  @Test
  void aDestructiveStepOnAGatesRejectPathFails() {
    // A rejection approves nothing: a DESTRUCTIVE step after it has passed no gate.
    String xml =
        bpmn("look", "Gate_Stop", STOP)
            .replace(
                "<bpmn:sequenceFlow id=\"Flow_R\" sourceRef=\"Event_Rejected\" targetRef=\"EndEvent_Rejected\" />",
                "<bpmn:sequenceFlow id=\"Flow_R\" sourceRef=\"Event_Rejected\" targetRef=\"Task_Wipe\" />"
                    + STOP.replace("Task_Stop", "Task_Wipe")
                    + "<bpmn:sequenceFlow id=\"Flow_W\" sourceRef=\"Task_Wipe\" targetRef=\"EndEvent_Rejected\" />");
    assertThat(lint(xml))
        .anyMatch(p -> p.contains("Task_Wipe") && p.contains("without passing an approval gate"))
        .noneMatch(p -> p.contains("Task_Stop"));
  }

  @Test
  void aProcessWithoutAHistoryTimeToLiveFails() {
    assertThat(
            lint(bpmn("look", "Gate_Stop", STOP).replace(" camunda:historyTimeToLive=\"P1D\"", "")))
        .containsExactly("test.bpmn: process has no camunda:historyTimeToLive");
  }

  /** The runbook of {@link #bpmn} with these camunda properties on its process. */
  static String withProperties(String... nameValue) {
    StringBuilder props = new StringBuilder("<bpmn:extensionElements><camunda:properties>");
    for (int i = 0; i < nameValue.length; i += 2) {
      props
          .append("<camunda:property name=\"")
          .append(nameValue[i])
          .append("\" value=\"")
          .append(nameValue[i + 1])
          .append("\" />");
    }
    props.append("</camunda:properties></bpmn:extensionElements>");
    return bpmn("look", "Gate_Stop", STOP)
        .replace(
            "camunda:historyTimeToLive=\"P1D\">", "camunda:historyTimeToLive=\"P1D\">" + props);
  }

  @Test
  void wellDeclaredParametersPass() {
    assertThat(
            lint(
                withProperties(
                    "param.timeout", "How long.",
                    "param.timeout.type", "duration",
                    "param.timeout.min", "PT1S",
                    "param.timeout.default", "PT1H",
                    "param.sha", "A digest; empty: not checked.",
                    "param.sha.type", "sha256",
                    "param.sha.default", "",
                    "param.file", "A file.",
                    "param.file.type", "path",
                    "param.file.required", "true")))
        .isEmpty();
  }

  @Test
  void badParameterDeclarationsAreEachNamed() {
    List<String> problems =
        lint(
            withProperties(
                "param.colour", "A colour.",
                "param.colour.type", "colour",
                "param.colour.default", "red",
                "param.keep", "How many.",
                "param.keep.type", "integer",
                "param.keep.min", "0",
                "param.keep.default", "-1",
                "param.dir", "A dir.",
                "param.dir.type", "path",
                "param.dir.required", "true",
                "param.dir.default", "/x",
                "param.left", "Neither required nor defaulted."));
    assertThat(problems)
        .anyMatch(p -> p.contains("parameter colour: type 'colour' is not one of string, integer"))
        .anyMatch(p -> p.contains("parameter keep: its default does not fit integer >= 0"))
        .anyMatch(p -> p.contains("parameter dir: is required and has a default"))
        .anyMatch(p -> p.contains("parameter left: is neither required nor has a default"))
        .hasSize(4);
  }

  @Test
  void anUnknownStepFails() {
    assertThat(lint(bpmn("lookAround", "Gate_Stop", STOP)))
        .anyMatch(p -> p.contains("unknown step 'lookAround'"));
  }

  @Test
  void generatedIdsMissingDocumentationAndSyncStepsFail() {
    String task =
        "<bpmn:serviceTask id=\"Activity_0x3ab1k\" camunda:delegateExpression=\"${change}\" />"
            + STOP.replace("Task_Stop\"", "Task_Stop\" ");
    String xml =
        bpmn("look", "Gate_Stop", task)
            .replace(
                "sourceRef=\"Gate_Stop\" targetRef=\"Task_Stop\"",
                "sourceRef=\"Gate_Stop\" targetRef=\"Activity_0x3ab1k\"");
    List<String> problems = lint(xml);
    assertThat(problems).anyMatch(p -> p.contains("'Activity_0x3ab1k' looks generated"));
    assertThat(problems).anyMatch(p -> p.contains("Activity_0x3ab1k: task has no <documentation>"));
    assertThat(problems)
        .anyMatch(p -> p.contains("Activity_0x3ab1k: every step must be camunda:asyncBefore"));
  }

  @Test
  void anErrorCodeOutsideTheEnumFails() {
    String xml =
        bpmn("look", "Gate_Stop", STOP)
            .replace(
                "<bpmn:error id=\"Error_Rejected\" errorCode=\"GATE_REJECTED\" />",
                "<bpmn:error id=\"Error_Rejected\" errorCode=\"GATE_REJECTED\" /><bpmn:error id=\"Error_Oops\" errorCode=\"OOPS\" />");
    assertThat(lint(xml)).anyMatch(p -> p.contains("error code 'OOPS' is not in ErrorCode"));
  }

  @Test
  void aGateWithoutARejectPathAndAnEndWithoutOutcomeFail() {
    String xml =
        bpmn("look", "Gate_Stop", STOP)
            .replace("errorRef=\"Error_Rejected\"", "")
            .replace("<camunda:property name=\"outcome\" value=\"done\" />", "");
    List<String> problems = lint(xml);
    assertThat(problems)
        .anyMatch(p -> p.contains("Gate_Stop: gate has no boundary event for GATE_REJECTED"));
    assertThat(problems)
        .anyMatch(p -> p.contains("EndEvent_Done: end event needs camunda property 'outcome'"));
  }

  /** etcd-restore's convention: an interrupting event subprocess on the message 'abort'. */
  static String withAbortPath(String start, String task, String outcome) {
    return bpmn("look", "Gate_Stop", STOP)
        .replace(
            "<bpmn:process id=",
            "<bpmn:message id=\"Message_Abort\" name=\"abort\" /><bpmn:process id=")
        .replace(
            "</bpmn:process>",
            """
            <bpmn:subProcess id="SubProcess_Abort" triggeredByEvent="true">
              %s<bpmn:messageEventDefinition messageRef="Message_Abort" /></bpmn:startEvent>
              <bpmn:sequenceFlow id="Flow_AbortA" sourceRef="StartEvent_Abort" targetRef="Task_Undo" />
              <bpmn:serviceTask id="Task_Undo" name="Undo" camunda:asyncBefore="true" camunda:delegateExpression="${%s}"><bpmn:documentation>Undoes.</bpmn:documentation></bpmn:serviceTask>
              <bpmn:sequenceFlow id="Flow_AbortB" sourceRef="Task_Undo" targetRef="EndEvent_Undone" />
              <bpmn:endEvent id="EndEvent_Undone"><bpmn:extensionElements><camunda:properties><camunda:property name="outcome" value="%s" /></camunda:properties></bpmn:extensionElements></bpmn:endEvent>
            </bpmn:subProcess>
            </bpmn:process>"""
                .formatted(start, task, outcome));
  }

  static final String ABORT_START = "<bpmn:startEvent id=\"StartEvent_Abort\">";

  @Test
  void anAbortPathAsTheConventionSaysPasses() {
    assertThat(lint(withAbortPath(ABORT_START, "change", "rolled-back"))).isEmpty();
  }

  @Test
  void anAbortPathThatDoesNotInterruptOrRollBackFails() {
    assertThat(
            lint(
                withAbortPath(
                    "<bpmn:startEvent id=\"StartEvent_Abort\" isInterrupting=\"false\">",
                    "change",
                    "done")))
        .anyMatch(p -> p.contains("StartEvent_Abort") && p.contains("must be interrupting"))
        .anyMatch(p -> p.contains("EndEvent_Undone") && p.contains("'rolled-back'"));
  }

  @Test
  void aDestructiveStepOnTheAbortPathFails() {
    // An abort approves nothing either.
    assertThat(lint(withAbortPath(ABORT_START, "stopEtcd", "rolled-back")))
        .anyMatch(p -> p.contains("Task_Undo") && p.contains("without passing an approval gate"));
  }

  @Test
  void theAbortMessageElsewhereOrAnotherMessageFails() {
    String boundary =
        bpmn("look", "Gate_Stop", STOP)
            .replace(
                "<bpmn:process id=",
                "<bpmn:message id=\"Message_Abort\" name=\"abort\" />"
                    + "<bpmn:message id=\"Message_Other\" name=\"other\" /><bpmn:process id=")
            .replace(
                "</bpmn:process>",
                "<bpmn:boundaryEvent id=\"Event_Abort\" attachedToRef=\"Gate_Stop\">"
                    + "<bpmn:messageEventDefinition messageRef=\"Message_Abort\" /></bpmn:boundaryEvent>"
                    + "<bpmn:boundaryEvent id=\"Event_Other\" attachedToRef=\"Gate_Stop\">"
                    + "<bpmn:messageEventDefinition messageRef=\"Message_Other\" /></bpmn:boundaryEvent>"
                    + "</bpmn:process>");
    assertThat(lint(boundary))
        .anyMatch(
            p -> p.contains("Event_Abort") && p.contains("may only start an event subprocess"))
        .anyMatch(p -> p.contains("Event_Other") && p.contains("only the message 'abort'"));
  }
}

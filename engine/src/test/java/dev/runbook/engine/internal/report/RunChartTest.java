package dev.runbook.engine.internal.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.internal.evidence.EvidenceEvents;
import dev.runbook.engine.internal.report.ReportModel.Bar;
import dev.runbook.engine.internal.report.ReportModel.Chart;
import dev.runbook.engine.internal.report.ReportModel.Downtime;
import dev.runbook.engine.internal.report.ReportModel.Lane;
import dev.runbook.engine.internal.report.ReportModel.Mark;
import dev.runbook.engine.internal.report.ReportModel.Tick;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The downtime and the per-node chart from evidence records with known times (the fields the
 * journal writes, see evidence.md): a restore that verifies on the engine host, is approved, stops
 * the control plane on two members, waits for a person, and starts it on three.
 */
class RunChartTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode record(String type, String at, String activity) {
    ObjectNode r = JSON.createObjectNode().put("type", type).put("at", "2030-05-01T" + at + "Z");
    return activity == null ? r : r.put("activityId", activity);
  }

  private static ObjectNode started(String at, String activity, String bean, String... nodes) {
    ObjectNode r = record("step.started", at, activity).put("name", activity.substring(5));
    r.put("step", bean);
    var list = r.putArray("nodes");
    for (String n : nodes) {
      list.add(n);
    }
    return r;
  }

  private static ObjectNode finished(String at, String activity, String bean, String outcome) {
    return record("step.finished", at, activity).put("step", bean).put("outcome", outcome);
  }

  private static List<JsonNode> restore() {
    List<JsonNode> rs = new ArrayList<>();
    rs.add(record("run.started", "09:00:00", null));
    rs.add(started("10:00:00", "Task_Verify", "etcdVerifySnapshot"));
    rs.add(finished("10:00:10", "Task_Verify", "etcdVerifySnapshot", "done"));
    rs.add(record("gate.pending", "10:00:10", "Gate_Stop").put("name", "Approve the stop"));
    rs.add(record("gate.decision", "10:01:10", "Gate_Stop").put("decision", "approved"));
    rs.add(started("10:01:10", "Task_Stop", "etcdStopControlPlane", "cp-1"));
    // A command to a node the step.started did not name still puts the step on its lane.
    rs.add(record("command.sent", "10:01:11", "Task_Stop").put("node", "cp-2"));
    rs.add(finished("10:01:40", "Task_Stop", "etcdStopControlPlane", "done"));
    rs.add(record("reconcile.required", "10:01:50", "Task_Start").put("reason", "in flight"));
    rs.add(record("run.resumed", "10:02:50", null).put("by", "dave"));
    rs.add(started("10:02:50", "Task_Start", "etcdStartControlPlane", "cp-1", "cp-2", "cp-3"));
    rs.add(finished("10:03:40", "Task_Start", "etcdStartControlPlane", "done"));
    return rs;
  }

  @Test
  void downtimeRunsFromTheStopStartingToTheControlPlaneServingAgain() {
    Downtime d = RunChart.downtime(EvidenceEvents.of(restore()));

    assertThat(d.stopped()).isTrue();
    assertThat(d.from()).isEqualTo("2030-05-01T10:01:10Z");
    assertThat(d.to()).isEqualTo("2030-05-01T10:03:40Z");
    assertThat(d.by()).isEqualTo("etcdStartControlPlane");
    assertThat(d.duration()).isEqualTo("2 min 30 s");
  }

  @Test
  void aRunStillDownSaysSoAndCountsToTheLastRecord() {
    List<JsonNode> rs = restore();
    rs.set(rs.size() - 1, finished("10:04:00", "Task_Start", "etcdStartControlPlane", "failed"));

    Downtime d = RunChart.downtime(EvidenceEvents.of(rs));

    assertThat(d.stopped()).isTrue();
    assertThat(d.to()).isNull();
    assertThat(d.by()).isNull();
    assertThat(d.duration()).isEqualTo("2 min 50 s");
  }

  @Test
  void aRunThatStoppedNothingHasNoDowntime() {
    List<JsonNode> rs = restore().subList(0, 5);

    assertThat(RunChart.downtime(EvidenceEvents.of(rs)))
        .isEqualTo(new Downtime(false, null, null, null, null));
  }

  @Test
  void oneLanePerNodeABarPerStepOnItAndGatesAndWaitsAsMarks() {
    Chart c = RunChart.of(EvidenceEvents.of(restore()));

    assertThat(c.lanes())
        .extracting(Lane::node)
        .containsExactly(RunChart.ENGINE_HOST, "cp-1", "cp-2", "cp-3");
    assertThat(c.lanes()).extracting(Lane::y).containsExactly(22, 52, 82, 112);
    assertThat(c.lanes().get(0).bars()).extracting(Bar::outcome).containsExactly("done");
    assertThat(c.lanes().get(1).bars()).hasSize(2);
    assertThat(c.lanes().get(2).bars()).hasSize(2);
    assertThat(c.lanes().get(3).bars()).hasSize(1);
    // 220 s over 940 px after the 120 px of lane names: the stop runs 70 s to 100 s.
    Bar stop = c.lanes().get(1).bars().get(0);
    assertThat(stop.x()).isEqualTo(120 + 70 * 940 / 220);
    assertThat(stop.w()).isEqualTo((120 + 100 * 940 / 220) - (120 + 70 * 940 / 220));
    assertThat(stop.title()).isEqualTo("Stop (Task_Stop): done, 30.0 s");
    assertThat(c.marks()).extracting(Mark::kind).containsExactly("gate", "wait");
    Mark gate = c.marks().get(0);
    assertThat(gate.x()).isEqualTo(120 + 10 * 940 / 220);
    assertThat(gate.title()).isEqualTo("Approve the stop: approved");
    assertThat(c.marks().get(1).title()).isEqualTo("waited for a person: in flight");
    assertThat(c.ticks())
        .extracting(Tick::label)
        .containsExactly("10:00:00", "10:00:55", "10:01:50", "10:02:45", "10:03:40");
    assertThat(c.ticks().get(4).x()).isEqualTo(120 + 940);
    assertThat(c.height()).isEqualTo(22 + 4 * 30 + 30);
    assertThat(c.span()).isEqualTo("2030-05-01T10:00:00Z to 2030-05-01T10:03:40Z (3 min 40 s)");
  }

  @Test
  void whatEvidenceLeavesOpenEndsAtTheLastRecord() {
    List<JsonNode> rs = restore().subList(0, 6); // the stop started, nothing after

    Chart c = RunChart.of(EvidenceEvents.of(rs));

    assertThat(c.lanes().get(1).bars()).extracting(Bar::outcome).containsExactly("running");
    assertThat(RunChart.of(EvidenceEvents.of(restore().subList(0, 1)))).isNull();
  }

  @Test
  void aShortRunsAxisShowsMilliseconds() {
    List<JsonNode> rs = new ArrayList<>();
    rs.add(started("10:00:00.000", "Task_Verify", "etcdVerifySnapshot"));
    rs.add(finished("10:00:00.200", "Task_Verify", "etcdVerifySnapshot", "done"));

    assertThat(RunChart.of(EvidenceEvents.of(rs)).ticks())
        .extracting(Tick::label)
        .containsExactly(
            "10:00:00.000", "10:00:00.050", "10:00:00.100", "10:00:00.150", "10:00:00.200");
  }

  @Test
  void aCommandIsNamedByItsFirstLineThatIsNotBlank() {
    assertThat(ReportBuilder.firstLine("\n  set -e\nmv a b\n")).isEqualTo("set -e");
    assertThat(ReportBuilder.firstLine("mv a b")).isEqualTo("mv a b");
  }
}

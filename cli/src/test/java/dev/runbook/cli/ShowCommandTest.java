package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShowCommandTest {

  @TempDir Path home;

  @Test
  void showsStepsInProcessOrderWithGatesParametersAndErrorPaths() {
    Cli.Result r = new Cli(home).run("show", "etcd-restore");

    assertThat(r.code()).as(r.toString()).isEqualTo(Main.DONE);
    String out = r.out();
    assertThat(out).startsWith("# etcd-restore: etcd restore");
    assertThat(out).contains("- -p snapshot=... [path or s3://BUCKET/KEY] (required)");
    assertThat(out)
        .containsSubsequence(
            "(Task_VerifySnapshot)",
            "(Task_Preflight)",
            "(Gate_ApproveStop)",
            "(Task_StopControlPlane)",
            "(Task_PatchManifests)",
            "(Gate_ApproveRestart)",
            "(Task_StartControlPlane)",
            "(Task_RollBack)");
    assertThat(out).contains("GATE: 1 approver(s); the starter may not approve");
    assertThat(out).contains("Step etcdStopControlPlane, DESTRUCTIVE");
    assertThat(out)
        .contains(
            "- on GATE_REJECTED (Event_ApproveRestartRejected \"Rejected\"): Roll back to the"
                + " original data dirs (Task_RollBack)");
    assertThat(out).contains("- on timer ");
    assertThat(out).contains("Purpose:");
  }

  @Test
  void jsonOutputHasTheSameFacts() throws Exception {
    Cli.Result r = new Cli(home).run("show", "etcd-snapshot", "--output", "json");

    assertThat(r.code()).as(r.toString()).isEqualTo(Main.DONE);
    JsonNode json = StatusCommand.JSON.readTree(r.out());
    assertThat(json.path("runbook").path("id").asText()).isEqualTo("etcd-snapshot");
    assertThat(json.path("activities").get(0).path("id").asText())
        .isEqualTo("Task_PickVotingMember");
    assertThat(json.path("activities").get(0).path("effect").asText()).isEqualTo("READ_ONLY");
  }

  @Test
  void anUnknownRunbookIsBadInputNamingTheKnownOnes() {
    Cli.Result r = new Cli(home).run("show", "etcd-nope");

    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("unknown runbook 'etcd-nope'").contains("etcd-restore");
  }
}

package dev.runbook.engine.internal.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.Decision;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.Reports;
import dev.runbook.engine.api.Reports.Format;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.StepOutcome;
import dev.runbook.engine.internal.evidence.EngineKey;
import dev.runbook.engine.internal.evidence.EvidenceJournal;
import dev.runbook.engine.internal.evidence.Redactor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reports of gate-test runs, written by the real journal. */
class ReportsTest {

  private static final String RUN = "0a1b2c3d";
  private static final String HOSTILE = "<script>alert(1)</script> ```` `x` | **b**";

  @TempDir Path home;

  private EngineOptions options() throws Exception {
    Path runbooks = Path.of(getClass().getResource("/test-runbooks/gate-test.bpmn").toURI());
    return EngineOptions.of(home).withRunbooksDir(runbooks.getParent());
  }

  /** Note, gate rejected by bob, ended rejected; with hostile text wherever a person types. */
  private Path rejectedRun(String runbook) throws Exception {
    Path dir = home.resolve("runs").resolve(RUN);
    try (EvidenceJournal j =
        EvidenceJournal.open(dir, Redactor.NONE, EngineKey.loadOrCreate(home))) {
      j.append(
          new RunEvent.RunStarted(
              RUN,
              runbook,
              "prod",
              "alice",
              Map.of("why", HOSTILE),
              "inv.yaml",
              "a".repeat(64),
              null));
      j.append(
          new RunEvent.StepStarted(
              "Task_Note", "Take a note", "note", Effect.READ_ONLY, "j", 1, List.of()));
      j.append(
          new RunEvent.CommandSent(
              "Task_Note", "cp-1", "10.0.0.1", "SHA256:k", "echo " + HOSTILE, "w"));
      j.append(
          new RunEvent.CommandFinished(
              "Task_Note",
              "cp-1",
              0,
              12,
              "out " + HOSTILE,
              "",
              "c".repeat(64),
              "d".repeat(64),
              null));
      j.artifact("Task_Note", "etcd.diff", "-old\n+new\n".getBytes(StandardCharsets.UTF_8));
      j.append(
          new RunEvent.StepFinished(
              "Task_Note",
              "note",
              StepOutcome.DONE,
              20,
              Map.of("file", "/s.db", "sha256", "e".repeat(64), "revision", 7),
              null,
              null,
              null));
      j.append(
          new RunEvent.GatePending(
              "Gate_Approve",
              "Approve the write",
              "t",
              1,
              null,
              false,
              null,
              List.of("Task_Write")));
      j.append(
          new RunEvent.GateDecision(
              "Gate_Approve",
              "Approve the write",
              Decision.REJECTED,
              "bob",
              null,
              HOSTILE,
              "f".repeat(64),
              0,
              1));
      j.append(new RunEvent.RunEnded("rejected", "rejected at Gate_Approve", null));
    }
    return dir;
  }

  @Test
  void markdownHasEverySectionAndNoValueBreaksItsStructure() throws Exception {
    rejectedRun("gate-test");

    Reports.Report r = Reports.render(options(), RUN, Format.MD);

    assertThat(r.evidence().ok()).isTrue();
    assertThat(r.text())
        .startsWith("# Run 0a1b2c3d: gate-test, rejected")
        .contains(
            "## Outcome",
            "## Parameters",
            "## Timeline",
            "## Commands",
            "## Outputs",
            "## Decisions",
            "## Downtime",
            "## Artifacts",
            "## Changes (manifest diffs)",
            "## Snapshots and files")
        .contains("| Evidence | verifies: 11 records")
        // the gate's checkpoint (after 8 records) and the end's (after 10), both verified
        .contains("## Signed checkpoints")
        .containsPattern("\\| 9 \\| 8 \\| `[0-9a-f]{64}` \\| engine key `SHA256:[^`]+` \\| yes \\|")
        .containsPattern(
            "\\| 11 \\| 10 \\| `[0-9a-f]{64}` \\| engine key `SHA256:[^`]+` \\| yes \\|")
        .contains("| Started by | alice |")
        // the command verbatim, in a fence longer than the four backticks inside it
        .contains("`````sh\necho <script>alert(1)</script> ```` `x` | **b**\n`````")
        .contains("```diff\n-old\n+new\n```")
        .containsPattern(
            "\\| \\*\\*rejected\\*\\* \\| bob \\| unsigned \\| [0-9T:.Z-]+ \\| `f{64}` \\| any \\|"
                + " 0 of 1 \\| \\\\<script\\\\>alert\\\\\\(1\\\\\\)\\\\</script\\\\> \\\\`")
        .contains("No downtime: the run never stopped the control plane.")
        .contains("`" + "f".repeat(64) + "`")
        .contains("| revision | 7 |");
    // Outside fences, no raw tag and no unescaped pipe or backtick from a value.
    String outsideFences = r.text().replaceAll("(?s)(`{3,})[a-z]*\n.*?\n\\1", "");
    assertThat(outsideFences).doesNotContain("<script>").doesNotContain("```` `x`");
  }

  @Test
  void htmlEscapesEveryValueAndMarksThePathTaken() throws Exception {
    rejectedRun("gate-test");

    String html = Reports.render(options(), RUN, Format.HTML).text();

    assertThat(html).doesNotContain("<script>").contains("&lt;script&gt;alert(1)&lt;/script&gt;");
    assertThat(html).doesNotContain("src=\"http").doesNotContain("href=\"http");
    assertThat(html)
        .contains("<svg", "id=\"node-Task_Note\" class=\"node task visited\"")
        .contains("id=\"node-Gate_Approve\" class=\"node gate visited\"")
        .contains("id=\"node-Event_Rejected\" class=\"node boundary visited\"")
        .contains("id=\"node-EndEvent_Rejected\" class=\"node end visited\"")
        .contains("id=\"node-Task_Write\" class=\"node task\"")
        .contains("id=\"node-EndEvent_Expired\" class=\"node end\"")
        .contains("class=\"flow exception taken\"");
    assertThat(html).containsPattern("id=\"flow-Flow_ToNote\" class=\"flow taken\"");
    assertThat(html).containsPattern("id=\"flow-Flow_ToWrite\" class=\"flow\"");
    // A command by its first line, opening to the whole of it and what came back.
    assertThat(html)
        .contains(
            "<details class=\"command\"><summary><strong>cp-1</strong>: <code>echo &lt;script&gt;")
        .contains("<pre class=\"stdout\">out &lt;script&gt;");
    assertThat(html).contains("id=\"downtime-none\"").contains("<svg", "id=\"node-timeline\"");
  }

  @Test
  void evidenceThatFailsVerificationIsReportedBeforeAnythingElse() throws Exception {
    Path dir = rejectedRun("gate-test");
    Path journal = dir.resolve("evidence.jsonl");
    Files.writeString(
        journal, Files.readString(journal).replace("\"by\":\"bob\"", "\"by\":\"eve\""));

    Reports.Report md = Reports.render(options(), RUN, Format.MD);
    Reports.Report html = Reports.render(options(), RUN, Format.HTML);

    assertThat(md.evidence().ok()).isFalse();
    assertThat(md.text()).startsWith("> **THE EVIDENCE OF THIS RUN DOES NOT VERIFY.** line 8");
    assertThat(md.text()).contains("the record was edited").contains("| eve |");
    assertThat(html.text().indexOf("id=\"verification-failed\""))
        .isPositive()
        .isLessThan(html.text().indexOf("<h1>"));
  }

  @Test
  void aRunbookNoLongerKnownStillGivesAReportWithoutDiagram() throws Exception {
    rejectedRun("gone-runbook");

    Reports.Report r = Reports.render(options(), RUN, Format.HTML);

    assertThat(r.diagramProblem()).contains("unknown runbook 'gone-runbook'");
    assertThat(r.text())
        .contains("id=\"no-diagram\"")
        .doesNotContain("id=\"runbook-diagram\"")
        // The per-node timeline needs only evidence, so it is still drawn.
        .contains("id=\"node-timeline\"");
  }

  @Test
  void anUnknownRunIsBadInputThatSaysHowToListRuns() {
    assertThatThrownBy(() -> Reports.render(options(), "deadbeef", Format.MD))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("unknown run 'deadbeef'")
        .hasMessageContaining("runbook status");
    assertThatThrownBy(() -> Format.of("pdf")).hasMessageContaining("md or html");
  }
}

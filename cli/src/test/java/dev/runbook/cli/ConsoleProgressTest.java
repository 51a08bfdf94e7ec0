package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.internal.evidence.EvidenceJournal;
import dev.runbook.engine.internal.evidence.Redactor;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The text console on a scripted run: in a log, on a terminal, verbose, and a failure's tail. */
class ConsoleProgressTest {

  static final String SECRET = "pa55-w0rd-4711";
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T06:30:00Z"), ZoneOffset.UTC);

  @TempDir Path tmp;
  EvidenceJournal journal;
  UnaryOperator<RunEvent> redact;

  @BeforeEach
  void journal() throws IOException {
    // The redaction the engine applies before a listener sees anything: the run journal's.
    journal = EvidenceJournal.open(tmp.resolve("run"), Redactor.of(List.of(SECRET), List.of()));
    redact = journal::redacted;
  }

  @AfterEach
  void close() throws IOException {
    journal.close();
  }

  private String play(boolean verbose, int width) {
    StringWriter text = new StringWriter();
    ConsoleProgress console = new ConsoleProgress(new PrintWriter(text), verbose, width, CLOCK);
    int code = console.outcome(ScriptedRun.play(console, SECRET, redact));
    assertThat(code).isEqualTo(Main.FAILED);
    return text.toString();
  }

  @Test
  void inALogEachStepIsAStartAndAnEndLineWithOneLinePerMemberAndAFewWaitLines() {
    String out = play(false, 0);
    List<String> lines = out.lines().toList();
    assertThat(lines.get(0))
        .isEqualTo("06:30:00 run 7f3c2a01: etcd-restore on cluster lab, started by alice");
    assertThat(lines)
        .contains("06:30:00 > Start etcd [etcdStartEtcd, MUTATING] on cp-1, cp-2, cp-3")
        .contains("06:30:00 < Task_StartEtcd: done after 46.0 s")
        .contains(
            "06:30:00 cp-1: starting etcd on the restored data",
            "06:30:00 cp-2: starting etcd on the restored data",
            "06:30:00 cp-3: starting etcd on the restored data");
    // Nothing of the commands that went well, and none of their output.
    assertThat(out).doesNotContain("cp a b").doesNotContain("copied line");
    // A 45 s wait polled every 250 ms: quiet for 10 s, then what changes, else every 30 s.
    assertThat(lines.stream().filter(l -> l.contains("waiting for quorum")).toList())
        .containsExactly(
            "06:30:00 waiting for quorum: 1/3 healthy, 10 s of 180 s",
            "06:30:00 waiting for quorum: 3/3 healthy, 40 s of 180 s");
    assertThat(out).doesNotContain("\r").doesNotContain("\033");
    assertThat(lines).hasSizeLessThan(40);
  }

  @Test
  void aFailedStepShowsTheFailingCommandAndTheTailOfItsOutputBoundedAndRedacted() {
    String out = play(false, 0);
    assertThat(out).doesNotContain(SECRET);
    List<String> lines = out.lines().toList();
    int failed =
        lines.indexOf("06:30:00 x Task_Validate: failed after 0.9 s (cp-2: exit status 2)");
    assertThat(failed).isPositive();
    List<String> tail = lines.subList(failed + 1, lines.size());
    assertThat(tail.get(0)).isEqualTo("    cp-2$ echo step 1");
    assertThat(tail)
        .contains("      echo step " + FailedCommands.COMMAND_LINES)
        .doesNotContain("      echo step " + (FailedCommands.COMMAND_LINES + 1))
        .contains("      ... 9 more lines of the command in the evidence")
        .contains(
            "    cp-2 exit 2 (NON_ZERO_EXIT); the last 10 of 30 output lines (all in the evidence):")
        .contains(
            "      cp-2 err| error line 21", "      cp-2 err| auth failed for password [REDACTED]")
        .doesNotContain("      cp-2 err| error line 20");
    // The probe that exited 1 before a command that went well is not shown.
    assertThat(out).doesNotContain("/probe");
    assertThat(tail.stream().filter(l -> l.contains("err|")).count())
        .isEqualTo(FailedCommands.TAIL_LINES);
    assertThat(out).contains("\nRun 7f3c2a01: failed: Task_Validate: cp-2: exit status 2\n");
    assertThat(out).doesNotContain("run ended"); // the outcome says it once
  }

  @Test
  void onATerminalWaitProgressIsRedrawnInPlaceAndErasedBeforeTheNextLine() {
    String out = play(false, 60);
    // Every poll redraws the one line: carriage return, text, erase to the end of the line.
    assertThat(out)
        .contains("\r06:30:00 waiting for quorum: 0/3 healthy, 0 s of 180 s\033[K")
        .contains("\r06:30:00 waiting for quorum: 3/3 healthy, 45 s of 180 s\033[K");
    assertThat(out.split("\r06:30:00 waiting for quorum", -1)).hasSize(181 + 1);
    // ... and is erased before the step's end line, so the scroll-back keeps no stale progress.
    assertThat(out).contains("45 s of 180 s\033[K\r\033[K06:30:00 < Task_StartEtcd: done");
    // Lines as a terminal scrolls them (on \n; String.lines() would split on \r too).
    assertThat(
            java.util.Arrays.stream(out.split("\n")).filter(l -> l.contains("waiting for quorum")))
        .hasSize(1);
    assertThat(out).doesNotContain(SECRET).doesNotContain("copied line");
  }

  @Test
  void onANarrowTerminalTheProgressLineIsCutToFitSoItCanBeRedrawn() {
    String out = play(false, 30);
    assertThat(out).contains("\r06:30:00 waiting for quorum:…\033[K");
  }

  @Test
  void verboseStreamsEveryCommandAndEveryOutputLine() {
    String out = play(true, 0);
    for (String n : ScriptedRun.NODES) {
      assertThat(out).contains("    " + n + "$ cp a b\n");
      for (int i = 1; i <= ScriptedRun.OUTPUT_LINES; i++) {
        assertThat(out).contains("      " + n + "| copied line " + i + " of " + n + "\n");
      }
    }
    assertThat(out)
        .contains("      cp-2 err| error line 1\n")
        .contains("    cp-2 exit 2 after 40 ms (NON_ZERO_EXIT)")
        .contains("run ended: failed")
        .doesNotContain(SECRET);
  }

  @Test
  void aGateIsShownAsBeforeWithTheLineTheDrillLooksFor() {
    StringWriter text = new StringWriter();
    ConsoleProgress console = new ConsoleProgress(new PrintWriter(text), false, 0, CLOCK);
    assertThat(console.outcome(ScriptedRun.atGate())).isEqualTo(Main.WAITING);
    assertThat(text.toString())
        .contains(
            "\nRun 7f3c2a01 is waiting at gate Gate_ApproveStop: Approve stopping the control"
                + " plane\n")
        .contains(
            "  approve: runbook approve 7f3c2a01 Gate_ApproveStop --as NAME --comment \"what you"
                + " checked\"\n")
        .contains(
            "  reject:  runbook reject 7f3c2a01 Gate_ApproveStop --as NAME --comment \"why\"\n");
  }
}

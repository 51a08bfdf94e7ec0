package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.internal.evidence.EvidenceJournal;
import dev.runbook.engine.internal.evidence.Redactor;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --output json} on a scripted run: every line one JSON object, parsed with Jackson. */
class JsonConsoleTest {

  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  EvidenceJournal journal;
  UnaryOperator<RunEvent> redact;

  @BeforeEach
  void journal() throws IOException {
    journal =
        EvidenceJournal.open(
            tmp.resolve("run"), Redactor.of(List.of(ConsoleProgressTest.SECRET), List.of()));
    redact = journal::redacted;
  }

  @AfterEach
  void close() throws IOException {
    journal.close();
  }

  private List<JsonNode> play(boolean verbose, StringWriter text) throws IOException {
    JsonConsole console =
        new JsonConsole(new PrintWriter(text), verbose, ConsoleProgressTest.CLOCK);
    int code = console.outcome(ScriptedRun.play(console, ConsoleProgressTest.SECRET, redact));
    assertThat(code).isEqualTo(Main.FAILED);
    return parse(text.toString());
  }

  /** Every line parses on its own as an object with a type and a time. */
  static List<JsonNode> parse(String out) throws IOException {
    List<JsonNode> events = new ArrayList<>();
    for (String line : out.split("\n", -1)) {
      if (line.isEmpty()) {
        continue;
      }
      JsonNode n = JSON.readTree(line);
      assertThat(n.isObject()).as(line).isTrue();
      assertThat(n.path("type").asText()).as(line).isNotEmpty();
      assertThat(n.path("at").asText()).as(line).isNotEmpty();
      events.add(n);
    }
    assertThat(out).endsWith("\n");
    return events;
  }

  private static List<String> types(List<JsonNode> events) {
    return events.stream().map(e -> e.path("type").asText()).toList();
  }

  @Test
  void byDefaultTheEventsOfThePersonConsoleOneObjectPerLineEndingInTheOutcome() throws IOException {
    StringWriter text = new StringWriter();
    List<JsonNode> events = play(false, text);
    assertThat(text.toString()).doesNotContain(ConsoleProgressTest.SECRET);
    assertThat(types(events))
        .containsExactly(
            "run.started",
            "step.started",
            "notice",
            "notice",
            "notice",
            "wait.progress",
            "wait.progress",
            "step.finished",
            "step.started",
            "step.finished",
            "run.ended",
            "run.outcome");
    JsonNode started = events.get(0);
    assertThat(started.path("runId").asText()).isEqualTo(ScriptedRun.RUN);
    assertThat(started.path("parameters").path("token").asText()).isEqualTo("[REDACTED]");
    assertThat(events.get(1).path("nodes").toString()).isEqualTo("[\"cp-1\",\"cp-2\",\"cp-3\"]");
    JsonNode wait = events.get(6);
    assertThat(wait.path("done").asInt()).isEqualTo(3);
    assertThat(wait.path("total").asInt()).isEqualTo(3);
    assertThat(wait.path("elapsedSeconds").asLong()).isEqualTo(40);
    assertThat(wait.path("limitSeconds").asLong()).isEqualTo(180);
    assertThat(wait.path("text").asText())
        .isEqualTo("waiting for quorum: 3/3 healthy, 40 s of 180 s");

    JsonNode failed = events.get(9);
    assertThat(failed.path("outcome").asText()).isEqualTo("failed");
    JsonNode commands = failed.path("failedCommands");
    assertThat(commands.size()).isEqualTo(1);
    JsonNode c = commands.get(0);
    assertThat(c.path("node").asText()).isEqualTo("cp-2");
    assertThat(c.path("exitStatus").asInt()).isEqualTo(2);
    assertThat(c.path("failure").asText()).isEqualTo("NON_ZERO_EXIT");
    assertThat(c.path("command").size()).isEqualTo(FailedCommands.COMMAND_LINES);
    assertThat(c.path("stderr").size()).isEqualTo(FailedCommands.TAIL_LINES);
    assertThat(c.path("stderr").get(FailedCommands.TAIL_LINES - 1).asText())
        .isEqualTo("auth failed for password [REDACTED]");
    assertThat(c.path("outputLinesLeftOut").asInt()).isEqualTo(20);

    JsonNode outcome = events.get(events.size() - 1);
    assertThat(outcome.path("runId").asText()).isEqualTo(ScriptedRun.RUN);
    assertThat(outcome.path("state").asText()).isEqualTo("failed");
    assertThat(outcome.path("exitCode").asInt()).isEqualTo(1);
    assertThat(outcome.path("evidence").asText()).isEqualTo("runbook evidence 7f3c2a01 --verify");
  }

  @Test
  void verboseAddsEveryCommandAndEveryOutputLineStillOneObjectPerLine() throws IOException {
    StringWriter text = new StringWriter();
    List<JsonNode> events = play(true, text);
    assertThat(text.toString()).doesNotContain(ConsoleProgressTest.SECRET);
    List<String> types = types(events);
    assertThat(types.stream().filter("command.sent"::equals).count()).isEqualTo(6);
    assertThat(types.stream().filter("command.finished"::equals).count()).isEqualTo(6);
    assertThat(types.stream().filter("command.line"::equals).count())
        .isEqualTo(3L * ScriptedRun.OUTPUT_LINES + ScriptedRun.FAILED_STDERR_LINES);
    JsonNode line =
        events.stream()
            .filter(e -> e.path("type").asText().equals("command.line"))
            .findFirst()
            .get();
    assertThat(line.path("node").asText()).isEqualTo("cp-1");
    assertThat(line.path("stream").asText()).isEqualTo("stdout");
    assertThat(line.path("line").asText()).isEqualTo("copied line 1 of cp-1");
  }

  @Test
  void atAGateTheOutcomeCarriesTheGateAndTheCommandsThatApproveOrRejectIt() throws IOException {
    StringWriter text = new StringWriter();
    JsonConsole console = new JsonConsole(new PrintWriter(text), false, ConsoleProgressTest.CLOCK);
    assertThat(console.outcome(ScriptedRun.atGate())).isEqualTo(Main.WAITING);
    List<JsonNode> events = parse(text.toString());
    assertThat(events).hasSize(1);
    JsonNode o = events.get(0);
    assertThat(o.path("type").asText()).isEqualTo("run.outcome");
    assertThat(o.path("state").asText()).isEqualTo("waiting");
    assertThat(o.path("exitCode").asInt()).isEqualTo(3);
    JsonNode gate = o.path("gate");
    assertThat(gate.path("activityId").asText()).isEqualTo("Gate_ApproveStop");
    assertThat(gate.path("approversRequired").asInt()).isEqualTo(1);
    assertThat(gate.path("planSha256").asText()).hasSize(64);
    assertThat(gate.path("approve").asText())
        .isEqualTo(
            "runbook approve 7f3c2a01 Gate_ApproveStop --as NAME --comment \"what you checked\"");
    assertThat(gate.path("reject").asText())
        .isEqualTo("runbook reject 7f3c2a01 Gate_ApproveStop --as NAME --comment \"why\"");
  }

  @Test
  void aFaultNobodyExpectedIsOneRedactedJsonLineWithExitOne() throws IOException {
    StringWriter text = new StringWriter();
    JsonConsole console = new JsonConsole(new PrintWriter(text), false, ConsoleProgressTest.CLOCK);
    console.broke(
        new IllegalStateException(
            "etcdctl --password=" + ConsoleProgressTest.SECRET + " failed",
            new java.io.IOException("disk gone")));
    List<JsonNode> events = parse(text.toString());
    assertThat(types(events)).containsExactly("run.error");
    assertThat(events.get(0).path("exitCode").asInt()).isEqualTo(1);
    assertThat(events.get(0).path("message").asText())
        .contains("disk gone")
        .doesNotContain(ConsoleProgressTest.SECRET);
  }

  @Test
  void badInputIsOneJsonLineWithExitTwo() throws IOException {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            new PrintWriter(out),
            new PrintWriter(err),
            "--home",
            tmp.resolve("home").toString(),
            "approve",
            "0badc0de",
            "--as",
            "bob",
            "--output",
            "json");
    assertThat(code).isEqualTo(Main.BAD_INPUT);
    List<JsonNode> events = parse(out.toString());
    assertThat(types(events)).containsExactly("run.refused");
    assertThat(events.get(0).path("exitCode").asInt()).isEqualTo(2);
    assertThat(events.get(0).path("message").asText()).contains("unknown run");
    assertThat(err.toString()).contains("unknown run"); // people still read it on stderr
  }
}

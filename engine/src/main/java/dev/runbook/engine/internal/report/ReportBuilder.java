package dev.runbook.engine.internal.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.Runs;
import dev.runbook.engine.internal.catalog.Catalog;
import dev.runbook.engine.internal.catalog.ProcessGraph;
import dev.runbook.engine.internal.evidence.EvidenceEvents;
import dev.runbook.engine.internal.evidence.EvidenceReader;
import dev.runbook.engine.internal.evidence.RunSummary;
import dev.runbook.engine.internal.report.ReportModel.Artifact;
import dev.runbook.engine.internal.report.ReportModel.Check;
import dev.runbook.engine.internal.report.ReportModel.Command;
import dev.runbook.engine.internal.report.ReportModel.Decision;
import dev.runbook.engine.internal.report.ReportModel.Diff;
import dev.runbook.engine.internal.report.ReportModel.DiffLine;
import dev.runbook.engine.internal.report.ReportModel.Entry;
import dev.runbook.engine.internal.report.ReportModel.Event;
import dev.runbook.engine.internal.report.ReportModel.Facts;
import dev.runbook.engine.internal.report.ReportModel.Output;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a run's evidence into a {@link ReportModel}. It reads only the run dir (records and the
 * text of diff artifacts) and the runbook's BPMN for the diagram: a report can be made anywhere the
 * evidence is, long after the run, without the engine.
 */
public final class ReportBuilder {

  /** Characters of one stdout or stderr shown; the rest stays in evidence.jsonl. */
  public static final int OUTPUT_LIMIT = 64 * 1024;

  private static final long DIFF_LIMIT = 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path runDir;
  private final List<JsonNode> records;
  // The records as events; one that cannot be is left out, as the verification banner says.
  private final List<EvidenceEvents.Recorded> events;
  private final List<Event> timeline = new ArrayList<>();
  private final List<Decision> decisions = new ArrayList<>();
  private final List<Artifact> artifacts = new ArrayList<>();
  private final List<Diff> diffs = new ArrayList<>();
  private final List<Facts> files = new ArrayList<>();
  // The step event each activity's commands and outputs belong to, while it runs.
  private final Map<String, Integer> openStep = new HashMap<>();
  private final Map<String, String> stepNames = new HashMap<>();
  private final Set<String> activitiesWithDiffArtifacts = new HashSet<>();

  private ReportBuilder(Path runDir, List<JsonNode> records) {
    this.runDir = runDir;
    this.records = records;
    this.events = EvidenceEvents.readable(records);
  }

  /**
   * @param runbook the run's runbook as installed now, or null when it is not known
   * @param runbookProblem why {@code runbook} is null
   */
  public static ReportModel build(
      Path runDir, Runs.Verification verification, Catalog.Entry runbook, String runbookProblem)
      throws IOException {
    List<JsonNode> records = EvidenceReader.read(runDir);
    return new ReportBuilder(runDir, records).model(verification, runbook, runbookProblem);
  }

  private ReportModel model(Runs.Verification v, Catalog.Entry runbook, String runbookProblem)
      throws IOException {
    RunEvent.RunStarted started = null;
    RunEvent.RunEnded ended = null;
    for (EvidenceEvents.Recorded r : events) {
      accept(r);
      if (started == null && r.event() instanceof RunEvent.RunStarted e) {
        started = e;
      } else if (r.event() instanceof RunEvent.RunEnded e) {
        ended = e;
      }
    }
    RunSummary s = EvidenceReader.summarize(events);
    List<Entry> parameters = new ArrayList<>();
    if (started != null && started.parameters() != null) {
      started
          .parameters()
          .forEach((k, value) -> parameters.add(new Entry(k, String.valueOf(value))));
    }
    String lastHash = records.isEmpty() ? null : text(records.get(records.size() - 1), "hash");
    ReportModel.Diagram diagram = null;
    String note;
    if (runbook == null) {
      note = runbookProblem;
    } else {
      ProcessGraph graph = ProcessGraph.of(runbook.model());
      diagram = DiagramLayout.draw(graph, RunPath.of(graph, events));
      note =
          "Drawn from "
              + runbook.source()
              + " as installed now; evidence does not keep the BPMN of the run.";
    }
    return new ReportModel(
        s.runId(),
        s.runbook(),
        s.cluster(),
        s.startedBy(),
        s.startedAt(),
        s.state().label(),
        s.endedAt(),
        ended == null ? null : ended.by(),
        s.outcomeMessage(),
        parameters,
        started == null ? null : started.inventory(),
        started == null ? null : started.inventorySha256(),
        started == null ? null : started.planSha256(),
        new Check(
            v.ok(),
            v.records(),
            v.problem(),
            lastHash,
            v.engineKey() == null ? null : Runs.fingerprint(v.engineKey()),
            v.checkpoints().stream()
                .map(
                    c ->
                        new ReportModel.Checkpoint(
                            c.seq(), c.records(), c.head(), c.engineKey(), c.verified(), c.by()))
                .toList()),
        s.pendingGate() == null
            ? null
            : s.pendingGate().name()
                + " ("
                + s.pendingGate().activityId()
                + "): "
                + s.pendingGate().approvals()
                + " of "
                + s.pendingGate().required()
                + " approvals",
        timeline,
        decisions,
        artifacts,
        diffs,
        files,
        diagram,
        note,
        started == null ? null : started.identity(),
        started == null ? null : started.allowedSignersSha256(),
        RunChart.downtime(events),
        RunChart.of(events));
  }

  private void accept(EvidenceEvents.Recorded r) throws IOException {
    String at = r.atText();
    int seq = (int) r.seq();
    RunEvent event = r.event();
    if (event instanceof RunEvent.StepStarted e) {
      stepNames.put(e.activityId(), e.name());
      openStep.put(e.activityId(), timeline.size());
      timeline.add(
          new Event(
              seq,
              at,
              "step",
              e.activityId(),
              e.name(),
              e.step() + ", " + e.effect() + (e.attempt() > 1 ? ", attempt " + e.attempt() : ""),
              null,
              "running",
              new ArrayList<>(),
              new ArrayList<>()));
    } else if (event instanceof RunEvent.CommandSent e) {
      Event step = step(e.activityId());
      if (step != null) {
        step.commands()
            .add(
                new Command(
                    seq,
                    e.node(),
                    e.host(),
                    e.hostKeyFingerprint(),
                    at,
                    e.command(),
                    firstLine(e.command()),
                    null,
                    null,
                    null,
                    null,
                    null));
      }
    } else if (event instanceof RunEvent.CommandFinished e) {
      finished(e);
    } else if (event instanceof RunEvent.StepFinished e) {
      stepFinished(e);
    } else if (event instanceof RunEvent.ArtifactRecorded e) {
      artifact(e);
    } else if (event instanceof RunEvent.GatePending e) {
      String role = e.role();
      timeline.add(
          new Event(
              seq,
              at,
              "gate",
              e.activityId(),
              e.name(),
              "waits for "
                  + required(e.approversRequired())
                  + " approver(s)"
                  + (role == null ? "" : " with role " + role)
                  + (e.starterMayApprove() ? "" : ", not the starter")
                  + (e.expiresAt() == null ? "" : ", fails closed at " + e.expiresAt())
                  + (e.releases() == null || e.releases().isEmpty()
                      ? ""
                      : "; releases " + String.join(", ", e.releases())),
              null,
              "pending",
              List.of(),
              List.of()));
    } else if (event instanceof RunEvent.GateDecision e) {
      String approvals = e.approvals() + " of " + required(e.approversRequired());
      decisions.add(
          new Decision(
              at,
              e.activityId(),
              e.name(),
              java.util.Objects.toString(e.decision(), null),
              e.by(),
              e.role(),
              e.comment(),
              e.planSha256(),
              approvals,
              e.keyFingerprint()));
      timeline.add(
          new Event(
              seq,
              at,
              "decision",
              e.activityId(),
              e.name(),
              "by " + e.by() + (e.comment() == null ? "" : ": " + e.comment()),
              null,
              e.decision() + " (" + approvals + ")",
              List.of(),
              List.of()));
    } else if (event instanceof RunEvent.PlanDrifted e) {
      // A step that did not run because it no longer renders as the bound plan says.
      timeline.add(
          new Event(
              seq,
              at,
              "drift",
              e.activityId(),
              stepNames.get(e.activityId()),
              "not run: differs from plan " + e.planSha256() + "\n" + e.diff(),
              null,
              "plan drifted",
              List.of(),
              List.of()));
    } else if (event instanceof RunEvent.ReconcileRequired e) {
      timeline.add(
          new Event(
              seq,
              at,
              "reconcile",
              e.activityId(),
              stepNames.get(e.activityId()),
              e.reason(),
              null,
              "reconcile",
              List.of(),
              List.of()));
    } else if (event instanceof RunEvent.RunResumed e) {
      timeline.add(
          new Event(
              seq,
              at,
              "resumed",
              null,
              "run resumed",
              "by " + e.by(),
              null,
              null,
              List.of(),
              List.of()));
    } else if (event instanceof RunEvent.RunEnded e) {
      timeline.add(
          new Event(
              seq,
              at,
              "ended",
              null,
              "run ended",
              e.message(),
              null,
              e.outcome(),
              List.of(),
              List.of()));
    }
  }

  /** 0: a record of a version that did not write it; a gate needs one approver at least. */
  private static int required(int approversRequired) {
    return approversRequired > 0 ? approversRequired : 1;
  }

  private Event step(String activity) {
    Integer i = activity == null ? null : openStep.get(activity);
    return i == null ? null : timeline.get(i);
  }

  private void finished(RunEvent.CommandFinished r) {
    Event step = step(r.activityId());
    if (step == null) {
      return;
    }
    List<Command> commands = step.commands();
    String node = r.node();
    // The last command sent to this node without a result yet.
    for (int i = commands.size() - 1; i >= 0; i--) {
      Command c = commands.get(i);
      if (c.exitStatus() == null && c.failure() == null && String.valueOf(node).equals(c.node())) {
        commands.set(
            i,
            new Command(
                c.seq(),
                c.node(),
                c.host(),
                c.hostKey(),
                c.sentAt(),
                c.command(),
                c.firstLine(),
                r.exitStatus(),
                duration(r.durationMillis()),
                r.failure() == null ? null : r.failure().name(),
                output(r.stdout()),
                output(r.stderr())));
        return;
      }
    }
  }

  private void stepFinished(RunEvent.StepFinished r) {
    String activity = r.activityId();
    Integer i = activity == null ? null : openStep.remove(activity);
    if (i == null) {
      return;
    }
    Event e = timeline.get(i);
    StringBuilder status = new StringBuilder(String.valueOf(r.outcome()));
    for (Object f : java.util.Arrays.asList(r.errorCode(), r.failure(), r.message())) {
      if (f != null) {
        status.append(status.length() == 0 ? "" : "; ").append(f);
      }
    }
    // As a tree: outputs are whatever JSON the step gave, shown as the journal wrote them.
    JsonNode out = r.outputs() == null ? JSON.createObjectNode() : JSON.valueToTree(r.outputs());
    List<Entry> outputs = new ArrayList<>();
    out.fields().forEachRemaining(f -> outputs.add(entry(f)));
    timeline.set(
        i,
        new Event(
            e.seq(),
            e.at(),
            e.kind(),
            e.activityId(),
            e.name(),
            e.detail(),
            duration(r.durationMillis()),
            status.toString(),
            e.commands(),
            outputs));
    if (out.hasNonNull("sha256") && (out.has("file") || out.has("fileName"))) {
      List<Entry> facts = new ArrayList<>();
      out.fields()
          .forEachRemaining(
              f -> {
                if (f.getValue().isValueNode()) {
                  facts.add(entry(f));
                }
              });
      files.add(new Facts(e.name(), activity, facts));
    }
    if (!activitiesWithDiffArtifacts.contains(activity)) {
      outputDiffs(e.name(), out);
    }
  }

  /** Diffs a step gave as outputs ({@code diff}, or {@code diffs} per node) and kept no file of. */
  private void outputDiffs(String stepName, JsonNode outputs) {
    if (outputs.path("diff").isTextual()) {
      diffs.add(diff(stepName, "step output diff", outputs.get("diff").asText()));
    }
    outputs
        .path("diffs")
        .fields()
        .forEachRemaining(
            f ->
                diffs.add(
                    diff(
                        stepName + ": " + f.getKey(),
                        "step output diffs." + f.getKey(),
                        f.getValue().asText())));
  }

  private void artifact(RunEvent.ArtifactRecorded r) throws IOException {
    String activity = r.activityId();
    String name = r.name();
    String path = r.path();
    artifacts.add(new Artifact(activity, name, path, r.size(), r.sha256()));
    if (name != null && name.endsWith(".diff") && path != null) {
      activitiesWithDiffArtifacts.add(activity);
      Path file = runDir.resolve(path).normalize();
      String text;
      if (!file.startsWith(runDir.resolve("artifacts")) || !Files.isRegularFile(file)) {
        text = "(the file " + path + " is missing)";
      } else if (Files.size(file) > DIFF_LIMIT) {
        text = "(" + Files.size(file) + " bytes: too large to show; see " + path + ")";
      } else {
        text = utf8(Files.readAllBytes(file), path);
      }
      String step = stepNames.getOrDefault(activity, activity);
      diffs.add(diff(step + ": " + name, path, text));
    }
  }

  private static String utf8(byte[] bytes, String path) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return "(" + path + " is not UTF-8 text)";
    }
  }

  private static Diff diff(String title, String source, String text) {
    List<DiffLine> lines = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      String kind;
      if (line.startsWith("+++") || line.startsWith("---")) {
        kind = "file";
      } else if (line.startsWith("@@")) {
        kind = "hunk";
      } else if (line.startsWith("+")) {
        kind = "add";
      } else if (line.startsWith("-")) {
        kind = "del";
      } else {
        kind = "ctx";
      }
      lines.add(new DiffLine(kind, line));
    }
    if (!lines.isEmpty() && lines.get(lines.size() - 1).text().isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    return new Diff(title, source, text, lines);
  }

  /** The first line that is not blank, so a command starting with a newline still has a name. */
  static String firstLine(String command) {
    if (command == null) {
      return null;
    }
    for (String line : command.split("\n")) {
      if (!line.isBlank()) {
        return line.strip();
      }
    }
    return "";
  }

  private static Output output(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    boolean truncated = text.length() > OUTPUT_LIMIT;
    return new Output(truncated ? text.substring(0, OUTPUT_LIMIT) : text, text.length(), truncated);
  }

  private static Entry entry(Map.Entry<String, JsonNode> e) {
    JsonNode v = e.getValue();
    if (v.isValueNode()) {
      return new Entry(e.getKey(), v.isNull() ? "null" : v.asText());
    }
    try {
      return new Entry(e.getKey(), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(v));
    } catch (JsonProcessingException ex) {
      return new Entry(e.getKey(), v.toString());
    }
  }

  /** A duration for people: {@code 840 ms}, {@code 12.3 s}, {@code 4 min 05 s}. */
  static String duration(long millis) {
    if (millis < 1000) {
      return millis + " ms";
    }
    if (millis < 60_000) {
      return String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
    }
    long s = millis / 1000;
    return String.format(java.util.Locale.ROOT, "%d min %02d s", s / 60, s % 60);
  }

  private static String text(JsonNode record, String field) {
    JsonNode value = record == null ? null : record.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }
}

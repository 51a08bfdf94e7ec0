package dev.runbook.engine.internal.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
    for (JsonNode r : records) {
      accept(r);
    }
    RunSummary s = EvidenceReader.summarize(EvidenceEvents.readable(records));
    JsonNode started = first("run.started");
    JsonNode ended = last("run.ended");
    List<Entry> parameters = new ArrayList<>();
    if (started != null) {
      started.path("parameters").fields().forEachRemaining(e -> parameters.add(entry(e)));
    }
    String lastHash = records.isEmpty() ? null : text(records.get(records.size() - 1), "hash");
    ReportModel.Diagram diagram = null;
    String note;
    if (runbook == null) {
      note = runbookProblem;
    } else {
      ProcessGraph graph = ProcessGraph.of(runbook.model());
      diagram = DiagramLayout.draw(graph, RunPath.of(graph, EvidenceEvents.readable(records)));
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
        text(ended, "by"),
        s.outcomeMessage(),
        parameters,
        text(started, "inventory"),
        text(started, "inventorySha256"),
        text(started, "planSha256"),
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
        text(started, "identity"),
        text(started, "allowedSignersSha256"),
        RunChart.downtime(EvidenceEvents.readable(records)),
        RunChart.of(EvidenceEvents.readable(records)));
  }

  private void accept(JsonNode r) throws IOException {
    String activity = text(r, "activityId");
    String at = text(r, "at");
    int seq = r.path("seq").asInt();
    switch (String.valueOf(text(r, "type"))) {
      case "step.started" -> {
        String effect = text(r, "effect");
        int attempt = r.path("attempt").asInt(1);
        stepNames.put(activity, text(r, "name"));
        openStep.put(activity, timeline.size());
        timeline.add(
            new Event(
                seq,
                at,
                "step",
                activity,
                text(r, "name"),
                text(r, "step") + ", " + effect + (attempt > 1 ? ", attempt " + attempt : ""),
                null,
                "running",
                new ArrayList<>(),
                new ArrayList<>()));
      }
      case "command.sent" -> {
        Event step = step(activity);
        if (step != null) {
          step.commands()
              .add(
                  new Command(
                      seq,
                      text(r, "node"),
                      text(r, "host"),
                      text(r, "hostKeyFingerprint"),
                      at,
                      text(r, "command"),
                      firstLine(text(r, "command")),
                      null,
                      null,
                      null,
                      null,
                      null));
        }
      }
      case "command.finished" -> finished(r, activity);
      case "step.finished" -> stepFinished(r, activity);
      case "artifact.recorded" -> artifact(r, activity);
      case "gate.pending" -> {
        String role = text(r, "role");
        timeline.add(
            new Event(
                seq,
                at,
                "gate",
                activity,
                text(r, "name"),
                "waits for "
                    + r.path("approversRequired").asInt(1)
                    + " approver(s)"
                    + (role == null ? "" : " with role " + role)
                    + (r.path("starterMayApprove").asBoolean() ? "" : ", not the starter")
                    + (text(r, "expiresAt") == null
                        ? ""
                        : ", fails closed at " + text(r, "expiresAt"))
                    + releases(r),
                null,
                "pending",
                List.of(),
                List.of()));
      }
      case "gate.decision" -> {
        String approvals =
            r.path("approvals").asInt() + " of " + r.path("approversRequired").asInt(1);
        decisions.add(
            new Decision(
                at,
                activity,
                text(r, "name"),
                text(r, "decision"),
                text(r, "by"),
                text(r, "role"),
                text(r, "comment"),
                text(r, "planSha256"),
                approvals,
                text(r, "keyFingerprint")));
        timeline.add(
            new Event(
                seq,
                at,
                "decision",
                activity,
                text(r, "name"),
                "by "
                    + text(r, "by")
                    + (text(r, "comment") == null ? "" : ": " + text(r, "comment")),
                null,
                text(r, "decision") + " (" + approvals + ")",
                List.of(),
                List.of()));
      }
      case "plan.drifted" ->
          // A step that did not run because it no longer renders as the bound plan says.
          timeline.add(
              new Event(
                  seq,
                  at,
                  "drift",
                  activity,
                  stepNames.get(activity),
                  "not run: differs from plan " + text(r, "planSha256") + "\n" + text(r, "diff"),
                  null,
                  "plan drifted",
                  List.of(),
                  List.of()));
      case "reconcile.required" ->
          timeline.add(
              new Event(
                  seq,
                  at,
                  "reconcile",
                  activity,
                  stepNames.get(activity),
                  text(r, "reason"),
                  null,
                  "reconcile",
                  List.of(),
                  List.of()));
      case "run.resumed" ->
          timeline.add(
              new Event(
                  seq,
                  at,
                  "resumed",
                  null,
                  "run resumed",
                  "by " + text(r, "by"),
                  null,
                  null,
                  List.of(),
                  List.of()));
      case "run.ended" ->
          timeline.add(
              new Event(
                  seq,
                  at,
                  "ended",
                  null,
                  "run ended",
                  text(r, "message"),
                  null,
                  text(r, "outcome"),
                  List.of(),
                  List.of()));
      default -> {}
    }
  }

  private static String releases(JsonNode r) {
    List<String> ids = new ArrayList<>();
    r.path("releases").forEach(n -> ids.add(n.asText()));
    return ids.isEmpty() ? "" : "; releases " + String.join(", ", ids);
  }

  private Event step(String activity) {
    Integer i = activity == null ? null : openStep.get(activity);
    return i == null ? null : timeline.get(i);
  }

  private void finished(JsonNode r, String activity) {
    Event step = step(activity);
    if (step == null) {
      return;
    }
    List<Command> commands = step.commands();
    String node = text(r, "node");
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
                r.path("exitStatus").asInt(),
                duration(r.path("durationMillis").asLong()),
                text(r, "failure"),
                output(text(r, "stdout")),
                output(text(r, "stderr"))));
        return;
      }
    }
  }

  private void stepFinished(JsonNode r, String activity) {
    Integer i = activity == null ? null : openStep.remove(activity);
    if (i == null) {
      return;
    }
    Event e = timeline.get(i);
    StringBuilder status = new StringBuilder(String.valueOf(text(r, "outcome")));
    for (String f : List.of("errorCode", "failure", "message")) {
      if (text(r, f) != null) {
        status.append(status.length() == 0 ? "" : "; ").append(text(r, f));
      }
    }
    List<Entry> outputs = new ArrayList<>();
    r.path("outputs").fields().forEachRemaining(f -> outputs.add(entry(f)));
    timeline.set(
        i,
        new Event(
            e.seq(),
            e.at(),
            e.kind(),
            e.activityId(),
            e.name(),
            e.detail(),
            duration(r.path("durationMillis").asLong()),
            status.toString(),
            e.commands(),
            outputs));
    JsonNode out = r.path("outputs");
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

  private void artifact(JsonNode r, String activity) throws IOException {
    String name = text(r, "name");
    String path = text(r, "path");
    artifacts.add(new Artifact(activity, name, path, r.path("size").asLong(), text(r, "sha256")));
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

  private JsonNode first(String type) {
    return records.stream().filter(r -> type.equals(text(r, "type"))).findFirst().orElse(null);
  }

  private JsonNode last(String type) {
    JsonNode found = null;
    for (JsonNode r : records) {
      if (type.equals(text(r, "type"))) {
        found = r;
      }
    }
    return found;
  }

  private static String text(JsonNode record, String field) {
    JsonNode value = record == null ? null : record.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }
}

package dev.runbook.engine.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.internal.evidence.EvidenceReader;
import dev.runbook.engine.internal.evidence.EvidenceVerifier;
import dev.runbook.engine.internal.evidence.HomeDir;
import dev.runbook.engine.internal.evidence.Redactor;
import dev.runbook.engine.internal.evidence.RunSummary;
import dev.runbook.engine.internal.run.DriverLock;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Runs as their evidence tells them, read from {@code <home>/runs/} without booting the engine, so
 * {@code status} and {@code evidence} answer at once and work on a copied run dir too.
 */
public final class Runs {

  private static final Pattern RUN_ID = Pattern.compile("[0-9a-f]{8}");

  /**
   * A run at a glance. {@code state}: running, interrupted (no process drives it and it is not
   * waiting: resume it), waiting, reconcile, rolling-back (aborted past a DESTRUCTIVE step: the
   * runbook's abort path runs, holding the cluster, until it ends), done, failed, rolled-back,
   * rejected, expired, aborted.
   */
  public record Summary(
      String runId,
      String runbook,
      String cluster,
      String startedBy,
      String startedAt,
      String state,
      String endedAt,
      String message,
      String lastStep,
      Gate pendingGate) {}

  /** A gate waiting for people, as evidence recorded it. */
  public record Gate(
      String activityId,
      String name,
      List<String> approvals,
      int approversRequired,
      String expiresAt) {}

  /**
   * What {@code evidence --verify} found.
   *
   * @param firstBadLine 0 when ok
   */
  public record Verification(boolean ok, int records, int firstBadLine, String problem) {}

  private Runs() {}

  /**
   * Writes the whole trace of a failure nobody expected to {@code <home>/errors/}, redacted as
   * evidence is (the built-in secret patterns), readable by the home's owner only, and returns its
   * path: the console gets one line ({@link #describeFailure}) and this path, never a trace.
   */
  public static Path recordFailure(Path home, Throwable failure) {
    StringWriter trace = new StringWriter();
    failure.printStackTrace(new PrintWriter(trace));
    Path dir = home.resolve("errors");
    String name =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                .withZone(ZoneOffset.UTC)
                .format(Instant.now())
            + "-"
            + ProcessHandle.current().pid()
            + ".txt";
    try {
      Files.createDirectories(HomeDir.ensure(home).resolve("errors"));
      Path file = dir.resolve(name);
      Files.writeString(file, Redactor.builtIns().redact(trace.toString()), StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One line for a person: the failure and its root cause, redacted, without a trace. */
  public static String describeFailure(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String line = failure.toString() + (root == failure ? "" : "; caused by " + root);
    return Redactor.builtIns().redact(line.replace('\n', ' ').replace('\r', ' '));
  }

  /** Every run in the home, newest first. */
  public static List<Summary> list(Path home) {
    Path runs = home.resolve("runs");
    if (!Files.isDirectory(runs)) {
      return List.of();
    }
    List<Summary> out = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(runs)) {
      for (Path d : dirs.filter(Files::isDirectory).toList()) {
        if (Files.exists(d.resolve("evidence.jsonl"))) {
          out.add(summarize(d));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.sort(Comparator.comparing((Summary s) -> String.valueOf(s.startedAt())).reversed());
    return out;
  }

  public static Summary summary(Path home, String runId) {
    return summarize(runDir(home, runId));
  }

  public static Verification verify(Path home, String runId) {
    try {
      var v = EvidenceVerifier.verify(runDir(home, runId));
      return new Verification(v.ok(), v.records(), v.firstBadLine(), v.problem());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The evidence records as written, one JSON object per line. */
  public static List<String> records(Path home, String runId) {
    try {
      return Files.readAllLines(runDir(home, runId).resolve("evidence.jsonl"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes the run dir (evidence.jsonl, artifacts/) to a zip file, for a ticket or an auditor. */
  public static void export(Path home, String runId, Path zip) {
    Path dir = runDir(home, runId);
    if (Files.exists(zip)) {
      throw new BadInputException("--export " + zip + " exists: give a new file name");
    }
    try (OutputStream os = Files.newOutputStream(zip);
        ZipOutputStream z = new ZipOutputStream(os);
        Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        if (f.getFileName().toString().equals("driver.lock")) {
          continue;
        }
        z.putNextEntry(new ZipEntry(runId + "/" + dir.relativize(f)));
        Files.copy(f, z);
        z.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path runDir(Path home, String runId) {
    Path dir = home.resolve("runs").resolve(runId == null ? "" : runId);
    if (runId == null
        || !RUN_ID.matcher(runId).matches()
        || !Files.exists(dir.resolve("evidence.jsonl"))) {
      throw new BadInputException(
          "unknown run '" + runId + "': `runbook status` lists the runs in " + home);
    }
    return dir;
  }

  private static Summary summarize(Path dir) {
    List<JsonNode> records;
    try {
      records = EvidenceReader.read(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    RunSummary s = EvidenceReader.summarize(records);
    String state = s.state().label();
    if (s.state() == RunSummary.State.RUNNING && !DriverLock.held(dir)) {
      JsonNode last = records.isEmpty() ? null : records.get(records.size() - 1);
      boolean failed =
          last != null
              && last.path("type").asText().equals("step.finished")
              && last.path("outcome").asText().equals("failed");
      state = failed ? "failed" : "interrupted";
    }
    Gate gate = null;
    if (s.pendingGate() != null) {
      List<String> approvals = new ArrayList<>();
      String gateId = s.pendingGate().activityId();
      for (JsonNode r : records) {
        if (r.path("type").asText().equals("gate.pending")
            && gateId.equals(r.path("activityId").asText())) {
          approvals.clear();
        } else if (r.path("type").asText().equals("gate.decision")
            && gateId.equals(r.path("activityId").asText())
            && r.path("decision").asText().equals("approved")) {
          approvals.add(r.path("by").asText());
        }
      }
      gate =
          new Gate(
              gateId,
              s.pendingGate().name(),
              approvals,
              s.pendingGate().required(),
              s.pendingGate().expiresAt());
    }
    return new Summary(
        s.runId(),
        s.runbook(),
        s.cluster(),
        s.startedBy(),
        s.startedAt(),
        state,
        s.endedAt(),
        s.outcomeMessage(),
        s.lastStep() == null ? null : s.lastStep().activityId(),
        gate);
  }
}

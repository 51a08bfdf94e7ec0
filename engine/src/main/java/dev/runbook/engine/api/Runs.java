package dev.runbook.engine.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.internal.evidence.EngineKey;
import dev.runbook.engine.internal.evidence.EvidenceEvents;
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
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Runs as their evidence tells them, read from {@code <home>/runs/} without booting the engine, so
 * {@code status} and {@code evidence} answer at once and work on a copied run dir too.
 */
public final class Runs {

  private static final Pattern RUN_ID = Pattern.compile("[0-9a-f]{8}");
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  /**
   * A run at a glance. {@code state}: running, interrupted (no process drives it and it is not
   * waiting: resume it), waiting, reconcile, rolling-back (aborted past a DESTRUCTIVE step: the
   * runbook's abort path runs, holding the cluster, until it ends), done, failed, rolled-back,
   * rejected, expired, aborted. {@code held}: approvals given ahead for gates the run has not
   * reached yet (empty once the run ended). {@code abortAsked}: a person's standing ask to end the
   * run without rollback, which waits for a second person; null when there is none.
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
      Gate pendingGate,
      List<Held> held,
      Asked abortAsked) {

    public Summary {
      held = held == null ? List.of() : List.copyOf(held);
    }
  }

  /** A person's ask to end a signed run without rollback, waiting for a second person. */
  public record Asked(String by, String at, String comment) {}

  /**
   * An approval given ahead, held until the run reaches its gate (with the plan it was given for).
   *
   * @param at when it was given
   * @param keyFingerprint the key that signed it; null when the inventory is unsigned
   */
  public record Held(String gate, String by, String at, String keyFingerprint, String comment) {}

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
   * @param runId the run whose evidence it is
   * @param firstBadLine 0 when ok, or when the problem is not one line's (a cut end)
   * @param reason what kind of problem (a {@code Verification.Reason} name such as {@code
   *     UNSIGNED_TAIL}); null when ok
   * @param head the SHA-256 of the last record that verified
   * @param engineKey the engine key the checkpoints were checked against, as a public key line;
   *     null if there was none
   * @param checkpoints the signed checkpoints, in order
   * @param statements how many people's signed statements were checked again from the evidence
   *     (signature, what they say, the evidence they were made on, the key under the
   *     allowed-signers file the run kept) and held
   */
  public record Verification(
      String runId,
      boolean ok,
      int records,
      int firstBadLine,
      String problem,
      String reason,
      String head,
      String engineKey,
      List<Checkpoint> checkpoints,
      int statements) {

    /** The last checkpoint, or null when there is none. */
    public Checkpoint lastCheckpoint() {
      return checkpoints.isEmpty() ? null : checkpoints.get(checkpoints.size() - 1);
    }
  }

  /**
   * A checkpoint of the evidence: the engine's signature over the run id, {@code records} and
   * {@code head}.
   *
   * @param seq the checkpoint record's seq
   * @param engineKey fingerprint of the key that signed it
   * @param signature armored SSHSIG (namespace {@code runbook-evidence})
   * @param verified its signature held under the trusted engine key
   * @param by the person who signed it too, or null
   */
  public record Checkpoint(
      long seq,
      long records,
      String head,
      String engineKey,
      String signature,
      boolean verified,
      String by) {}

  /** The file in an export that holds the engine's public key. */
  public static final String EXPORTED_KEY = "engine.key.pub";

  private Runs() {}

  /**
   * Writes the whole trace of a failure nobody expected to {@code <home>/errors/}, redacted as
   * evidence is ({@link #redact}), readable by the home's owner only, and returns its path: the
   * console gets one line ({@link #describeFailure}) and this path, never a trace.
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
      Files.writeString(file, redact(trace.toString()), StandardCharsets.UTF_8);
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
    return redact(line.replace('\n', ' ').replace('\r', ' '));
  }

  /**
   * The text as evidence keeps it: the built-in secret patterns, and the secret values and
   * inventory patterns of every run this process touched. For what a person or file sees outside a
   * run's own events: a refusal's message, a failure's trace.
   */
  public static String redact(String text) {
    return Redactor.process().redact(text);
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
    return verify(home, runId, null);
  }

  /**
   * Verifies a run's evidence: chain, artifacts, head and end, and every checkpoint's signature
   * under this home's engine key. A run no process drives must end in a checkpoint.
   *
   * @param expectHead a head hash kept elsewhere (a change ticket) that must be in the chain, or
   *     null
   */
  public static Verification verify(Path home, String runId, String expectHead) {
    Path dir = runDir(home, runId);
    try {
      EngineKey key = EngineKey.load(home);
      EngineKey.PublicKey trusted = key == null ? null : key.publicKey();
      return verification(
          runId,
          EvidenceVerifier.verify(
              dir,
              EvidenceVerifier.Expect.signed(
                  runId, trusted, DriverLock.held(dir), checkHead(expectHead))),
          trusted);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Verifies an export made by {@link #export} on any machine, with no home: its evidence is
   * checked as {@link #verify} checks a run nobody drives.
   *
   * @param engineKey a file holding the engine's public key line to trust; null to trust the one in
   *     the export (compare its fingerprint with one kept elsewhere)
   */
  public static Verification verifyExport(Path zip, String expectHead, Path engineKey) {
    String head = checkHead(expectHead);
    if (!Files.isRegularFile(zip)) {
      throw new BadInputException(zip + " is not a file: give an export made by --export");
    }
    Path dir = null;
    try {
      dir = Files.createTempDirectory("runbook-verify-");
      String runId = unzip(zip, dir);
      EngineKey.PublicKey trusted = null;
      Path keyFile = engineKey != null ? engineKey : dir.resolve(EXPORTED_KEY);
      if (Files.isRegularFile(keyFile)) {
        try {
          trusted = EngineKey.PublicKey.parse(Files.readString(keyFile, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
          throw new BadInputException(keyFile.getFileName() + ": " + e.getMessage());
        }
      } else if (engineKey != null) {
        throw new BadInputException("--engine-key " + engineKey + ": no such file");
      }
      return verification(
          runId,
          EvidenceVerifier.verify(
              dir.resolve(runId), EvidenceVerifier.Expect.signed(runId, trusted, false, head)),
          trusted);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (dir != null) {
        deleteTree(dir);
      }
    }
  }

  /** This home's engine public key line ({@code ssh-ed25519 AAAA... runbook-engine@ID}). */
  public static String engineKey(Path home) {
    try {
      return EngineKey.loadOrCreate(HomeDir.ensure(home)).publicKey().line();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether {@code text} has the form of a run id (not whether such a run exists). */
  public static boolean isRunId(String text) {
    return text != null && RUN_ID.matcher(text).matches();
  }

  /** The OpenSSH fingerprint ({@code SHA256:...}) of a public key line. */
  public static String fingerprint(String publicKeyLine) {
    return EngineKey.PublicKey.parse(publicKeyLine).fingerprint();
  }

  private static String checkHead(String head) {
    if (head != null && !SHA256_HEX.matcher(head).matches()) {
      throw new BadInputException(
          "--expect-head " + head + ": a head is 64 lowercase hex digits, as --head prints it");
    }
    return head;
  }

  private static Verification verification(
      String runId,
      dev.runbook.engine.internal.evidence.Verification v,
      EngineKey.PublicKey trusted) {
    return new Verification(
        runId,
        v.ok(),
        v.records(),
        v.firstBadLine(),
        v.problem(),
        v.reason() == null ? null : v.reason().name(),
        v.head(),
        trusted == null ? null : trusted.line(),
        v.checkpoints().stream()
            .map(
                c ->
                    new Checkpoint(
                        c.seq(),
                        c.records(),
                        c.head(),
                        c.engineKey(),
                        c.signature(),
                        c.verified(),
                        c.by()))
            .toList(),
        v.statements());
  }

  /** Unpacks an export into {@code dir} and returns the run id it holds. */
  private static String unzip(Path zip, Path dir) throws IOException {
    String runId = null;
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        Path target = dir.resolve(e.getName()).normalize();
        if (!target.startsWith(dir) || target.equals(dir) || e.getName().contains("\\")) {
          throw new BadInputException(
              zip + ": entry " + e.getName() + " points outside the export: not an export");
        }
        String top = dir.relativize(target).getName(0).toString();
        if (RUN_ID.matcher(top).matches()) {
          if (runId != null && !runId.equals(top)) {
            throw new BadInputException(
                zip + " holds two runs (" + runId + ", " + top + "): export one run per file");
          }
          runId = top;
        }
        if (!e.isDirectory()) {
          Files.createDirectories(target.getParent());
          Files.copy(in, target);
        }
      }
    } catch (java.util.zip.ZipException e) {
      throw new BadInputException(zip + " is not a zip file: " + e.getMessage());
    }
    if (runId == null || !Files.isRegularFile(dir.resolve(runId).resolve("evidence.jsonl"))) {
      throw new BadInputException(
          zip + " holds no <run id>/evidence.jsonl: not an export made by --export");
    }
    return runId;
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // A temporary copy left behind holds nothing secret that the export did not.
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

  /**
   * Writes the run dir (evidence.jsonl, artifacts/) to a zip file, for a ticket or an auditor, with
   * the engine's public key ({@value #EXPORTED_KEY}) so that {@link #verifyExport} can check its
   * checkpoints on any machine.
   */
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
      EngineKey key = EngineKey.load(home);
      if (key != null) {
        z.putNextEntry(new ZipEntry(EXPORTED_KEY));
        z.write((key.publicKey().line() + "\n").getBytes(StandardCharsets.UTF_8));
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
    List<EvidenceEvents.Recorded> events = EvidenceEvents.of(records);
    RunSummary s = EvidenceReader.summarize(events);
    String state = s.state().label();
    String message = s.outcomeMessage();
    if (s.state() == RunSummary.State.RUNNING && !DriverLock.held(dir)) {
      // The last record of the run itself: a checkpoint only seals what came before it.
      RunEvent last = null;
      for (int i = events.size() - 1; i >= 0 && last == null; i--) {
        if (!(events.get(i).event() instanceof RunEvent.Checkpoint)) {
          last = events.get(i).event();
        }
      }
      boolean failed = last instanceof RunEvent.StepFinished f && f.outcome() == StepOutcome.FAILED;
      state = failed ? "failed" : "interrupted";
      if (last instanceof RunEvent.NodeLockRefused refused) {
        state = "failed";
        message = lockRefused(s.runId(), refused);
      }
    }
    Gate gate = null;
    if (s.pendingGate() != null) {
      List<String> approvals = new ArrayList<>();
      String gateId = s.pendingGate().activityId();
      for (EvidenceEvents.Recorded r : events) {
        if (r.event() instanceof RunEvent.GatePending p && gateId.equals(p.activityId())) {
          approvals.clear();
        } else if (r.event() instanceof RunEvent.GateDecision d
            && gateId.equals(d.activityId())
            && d.decision() == Decision.APPROVED) {
          approvals.add(d.by());
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
        message,
        s.lastStep() == null ? null : s.lastStep().activityId(),
        gate,
        s.state().ended() ? List.of() : held(events),
        s.state().ended() ? null : abortAsked(events));
  }

  /** A run stopped by another run's node lock: who holds it, and the two ways on. */
  private static String lockRefused(String runId, RunEvent.NodeLockRefused r) {
    String node = r.node();
    String step = r.activityId();
    if (r.holderRun() == null) {
      return "not run: "
          + step
          + " needs the node lock on every node, and "
          + node
          + " refused it ("
          + r.reason()
          + "): runbook resume "
          + runId
          + " --as NAME tries again";
    }
    String holder = r.holderRun();
    return "not run: "
        + step
        + ": node "
        + node
        + " is locked by run "
        + holder
        + " (engine host "
        + r.holderHost()
        + ", started by "
        + r.holderBy()
        + ", since "
        + r.holderSince()
        + "). When it ends: runbook resume "
        + runId
        + " --as NAME; if it is gone: runbook unlock "
        + runId
        + " --node "
        + node
        + " --holder "
        + holder
        + " --as NAME --comment WHY";
  }

  private static Asked abortAsked(List<EvidenceEvents.Recorded> events) {
    EvidenceEvents.Recorded r = EvidenceReader.abortAsked(events);
    if (r == null) {
      return null;
    }
    RunEvent.AbortNoRollbackAsked a = (RunEvent.AbortNoRollbackAsked) r.event();
    // As the JSON tree read them: an absent field is empty text.
    return new Asked(
        Objects.toString(a.by(), ""),
        Objects.toString(r.atText(), ""),
        Objects.toString(a.comment(), ""));
  }

  /** Approvals given ahead that no decision at their gate has used yet. */
  private static List<Held> held(List<EvidenceEvents.Recorded> events) {
    List<Held> held = new ArrayList<>();
    for (EvidenceEvents.Recorded r : events) {
      if (r.event() instanceof RunEvent.GateApprovedAhead a) {
        held.add(
            new Held(
                a.activityId(),
                a.by(),
                r.atText(),
                a.keyFingerprint(),
                a.comment() == null ? "" : a.comment()));
      } else if (r.event() instanceof RunEvent.GateDecision d) {
        held.removeIf(h -> h.gate().equals(d.activityId()) && h.by().equals(d.by()));
      }
    }
    return held;
  }
}

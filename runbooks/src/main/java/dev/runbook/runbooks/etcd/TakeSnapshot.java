package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Streams a snapshot from the chosen member to the engine host (off the nodes by construction):
 * into {@code NAME.part}, fsynced, checked (size, SHA-256 trailer, bbolt meta pages, offline
 * status), and only then renamed to its final name. A snapshot that fails a check never gets the
 * final name. The cluster is only read, so running the step again is safe: it takes a new one.
 */
@Doc(
    "Streams a snapshot from the chosen member to the engine host, fsyncs it, checks size, SHA-256 trailer and bbolt pages, and only then gives it its final name.")
final class TakeSnapshot extends DeclaredStep<TakeSnapshot.Input, TakeSnapshot.Output> {

  static final Duration IDLE = Duration.ofSeconds(60);
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  /**
   * @param source the member to snapshot (from the pick step)
   * @param dir directory on the engine host; created (mode 0700) when missing
   */
  record Input(
      @Doc(value = "The member to snapshot (from the pick step).", required = true) String source,
      @Doc(
              value = "Directory on the engine host; created (mode 0700) when missing.",
              required = true)
          String dir) {
    Input {
      if (source == null || source.isBlank()) {
        throw new IllegalArgumentException("source is required");
      }
      if (dir == null || dir.isBlank()) {
        throw new IllegalArgumentException("dir is required");
      }
    }
  }

  record Output(
      String file,
      String fileName,
      long size,
      String sha256,
      String trailerSha256,
      String memberName,
      String memberId,
      boolean leader,
      long raftIndex,
      long revisionBefore,
      long revision,
      long dbSize,
      String serverVersion,
      long totalKeys,
      long liveKeys,
      String hash,
      long durationMillis,
      double throughputMiBps,
      String statusReadBy) {}

  TakeSnapshot() {
    super("etcdTakeSnapshot", Input.class, Effect.READ_ONLY);
  }

  static String fileName(String cluster, Instant at, String runId) {
    return "etcd-snapshot-" + cluster + "-" + STAMP.format(at) + "-" + runId + ".db";
  }

  @Override
  public Output run(Input input, StepContext context) {
    Inventory.Member member =
        context
            .inventory()
            .member(input.source())
            .orElseThrow(
                () ->
                    new RunbookError(
                        ErrorCode.STEP_FAILED, "no member '" + input.source() + "' in inventory"));
    Path dir = Path.of(input.dir()).toAbsolutePath();
    String name = fileName(context.inventory().cluster(), Instant.now(), context.runId());
    Path target = dir.resolve(name);
    Path part = dir.resolve(name + ".part");
    try {
      Files.createDirectories(
          dir,
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      throw new RunbookError(
          ErrorCode.STEP_FAILED, "cannot create the snapshot directory " + dir + ": " + e);
    }
    try (EtcdAccess etcd = EtcdAccess.of(context)) {
      MemberClient c = etcd.member(member);
      MemberClient.Status before = c.status();
      context.progress("streaming a snapshot from " + member.name() + " to " + part);
      long start = System.nanoTime();
      long bytes = c.snapshot(part, IDLE);
      long nanos = System.nanoTime() - start;
      SnapshotFile.Verified v = SnapshotFile.verify(part);
      SnapshotFile.Status st = SnapshotFile.status(v);
      Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
      fsyncDir(dir);
      return new Output(
          target.toString(),
          name,
          bytes,
          v.sha256(),
          v.trailerSha256(),
          member.name(),
          before.id(),
          before.leader(),
          before.raftIndex(),
          before.revision(),
          st.revision(),
          before.dbSize(),
          before.version(),
          st.totalKeys(),
          st.liveKeys(),
          st.hashHex(),
          nanos / 1_000_000,
          Math.round(bytes / 1048576.0 / (nanos / 1e9) * 10) / 10.0,
          "engine host: the file's bbolt pages read directly (no etcdutl needed)");
    } catch (EtcdUnreachable e) {
      removeQuietly(part);
      throw new RunbookError(ErrorCode.ETCD_NOT_HEALTHY, e.getMessage());
    } catch (SnapshotCheckException e) {
      removeQuietly(part);
      throw new RunbookError(
          ErrorCode.SNAPSHOT_INVALID,
          "the snapshot streamed from " + member.name() + " failed a check: " + e.getMessage());
    } catch (IOException | UncheckedIOException e) {
      removeQuietly(part);
      throw new RunbookError(ErrorCode.STEP_FAILED, "cannot write the snapshot: " + e.getMessage());
    } catch (RuntimeException e) {
      removeQuietly(part);
      throw e;
    }
  }

  static void fsyncDir(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static void removeQuietly(Path part) {
    try {
      // A partial or failed copy, never the only copy of anything: the cluster still has the data.
      Files.deleteIfExists(part);
    } catch (IOException ignored) {
      // Reported by the failure that got us here; a leftover .part is never taken for a snapshot.
    }
  }

  @Override
  public void plan(PlanContext plan) {
    plan.note(
        "streams a snapshot from member "
            + plan.input("source")
            + " through jetcd into "
            + plan.input("dir")
            + " on the engine host (.part, fsync, SHA-256 trailer and bbolt checks, rename)");
  }
}

package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.RunListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Only one process drives a run at a time (say `run` still executing steps while someone types
 * `approve`): the second waits, and says so. An OS file lock, so a killed process releases it.
 */
public final class DriverLock implements AutoCloseable {

  private final FileChannel channel;

  private DriverLock(FileChannel channel) {
    this.channel = channel;
  }

  static DriverLock acquire(Path runDir, RunListener listener) {
    try {
      Files.createDirectories(runDir);
      FileChannel ch =
          FileChannel.open(
              runDir.resolve("driver.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      if (ch.tryLock() == null) {
        listener.notice(
            "run "
                + runDir.getFileName()
                + " is being driven by another runbook process;"
                + " waiting for it to stop");
        long holder = holder(runDir);
        ch.lock();
        awaitExit(holder);
      }
      ch.truncate(0);
      ch.write(
          java.nio.ByteBuffer.wrap(
              Long.toString(ProcessHandle.current().pid())
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
      return new DriverLock(ch);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock " + runDir + ": " + e.getMessage(), e);
    }
  }

  private static long holder(Path runDir) {
    try {
      return Long.parseLong(Files.readString(runDir.resolve("driver.lock")).strip());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /**
   * The process that drove the run before us may have served our H2 database; it lets go of the
   * lock when its engine is closed, just before it exits. Its exit breaks connections made through
   * it, so we give it a moment to be gone before using the database (a CI run caught a query
   * failing with "session closed").
   */
  private static void awaitExit(long pid) {
    if (pid <= 0 || pid == ProcessHandle.current().pid()) {
      return;
    }
    ProcessHandle.of(pid)
        .ifPresent(
            p -> {
              try {
                p.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
              } catch (java.util.concurrent.ExecutionException
                  | java.util.concurrent.TimeoutException e) {
                // Still alive: a long-lived process that keeps serving; nothing breaks then.
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
  }

  /** True when some process drives the run now (for `status`, which never waits). */
  public static boolean held(Path runDir) {
    Path f = runDir.resolve("driver.lock");
    if (!Files.exists(f)) {
      return false;
    }
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      var lock = ch.tryLock();
      if (lock == null) {
        return true;
      }
      lock.release();
      return false;
    } catch (java.nio.channels.OverlappingFileLockException e) {
      return true; // this very process drives it
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() {
    try {
      channel.close(); // releases the lock
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

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
        ch.lock();
      }
      return new DriverLock(ch);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock " + runDir + ": " + e.getMessage(), e);
    }
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

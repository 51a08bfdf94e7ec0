package dev.runbook.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A lock on this machine, held across processes: the labs of parallel tests, the drill and a
 * person's shell all take it. A {@link FileLock} belongs to a whole JVM, so threads of one JVM are
 * kept apart by a monitor per lock file as well.
 */
final class HostLock {
  private HostLock() {}

  interface Body<T> {
    T run() throws IOException;
  }

  private static final ConcurrentHashMap<Path, Object> MONITORS = new ConcurrentHashMap<>();

  static <T> T holding(Path lockFile, Body<T> body) {
    Path file = lockFile.toAbsolutePath().normalize();
    synchronized (MONITORS.computeIfAbsent(file, f -> new Object())) {
      try {
        Files.createDirectories(file.getParent());
        try (FileChannel ch =
                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock ignored = ch.lock()) {
          return body.run();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(file + ": " + e.getMessage(), e);
      }
    }
  }
}

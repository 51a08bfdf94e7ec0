package dev.runbook.engine.internal.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains one output stream of a remote command: hands the lines each read completes to a consumer
 * as they arrive (one call per read, so a burst of output is one batch) and keeps the bytes exactly
 * as sent (up to a limit), so evidence digests the real output.
 */
final class OutputPump implements Callable<OutputPump.Captured> {

  private static final Logger LOG = LoggerFactory.getLogger(OutputPump.class);

  /** A line longer than this is handed on in pieces (binary output has no newlines). */
  static final int MAX_LINE_BYTES = 64 * 1024;

  /**
   * What a stream carried.
   *
   * @param text the kept bytes as UTF-8, with a closing note when more was dropped
   * @param totalBytes every byte the stream carried, kept or not
   */
  record Captured(String text, long totalBytes, boolean truncated) {}

  private final InputStream in;
  private final Consumer<List<String>> lines;
  private final int keepLimit;
  private boolean listenerFailed;
  private volatile long lastRead = System.nanoTime();

  /**
   * @param lines receives the lines (without their line ends) that each read completed, never an
   *     empty list; it is the caller's job to serialise the stdout and stderr pumps of one command
   *     if its consumer needs that
   */
  OutputPump(InputStream in, Consumer<List<String>> lines, int keepLimit) {
    this.in = in;
    this.lines = lines;
    this.keepLimit = keepLimit;
  }

  @Override
  public Captured call() throws IOException {
    ByteArrayOutputStream kept = new ByteArrayOutputStream();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    long total = 0;
    int n;
    while ((n = in.read(buf)) != -1) {
      lastRead = System.nanoTime();
      int keep = (int) Math.max(0, Math.min(n, keepLimit - total));
      kept.write(buf, 0, keep);
      total += n;
      List<String> batch = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (buf[i] == '\n') {
          batch.add(take(line));
        } else {
          line.write(buf[i]);
          if (line.size() >= MAX_LINE_BYTES) {
            batch.add(take(line));
          }
        }
      }
      emit(batch);
    }
    if (line.size() > 0) {
      emit(List.of(take(line)));
    }
    boolean truncated = total > keepLimit;
    String text = kept.toString(StandardCharsets.UTF_8);
    if (truncated) {
      text +=
          "\n[runbook: output truncated: kept the first "
              + keepLimit
              + " of "
              + total
              + " bytes]\n";
    }
    return new Captured(text, total, truncated);
  }

  /** {@link System#nanoTime()} when bytes last arrived (or the pump was made). */
  long lastRead() {
    return lastRead;
  }

  private static String take(ByteArrayOutputStream line) {
    String s = line.toString(StandardCharsets.UTF_8);
    line.reset();
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  private void emit(List<String> batch) {
    if (batch.isEmpty()) {
      return;
    }
    try {
      lines.accept(List.copyOf(batch));
    } catch (RuntimeException e) {
      // A broken console or journal must not stop the stream: the command's output still has to be
      // drained, or the remote side blocks on a full window.
      if (!listenerFailed) {
        listenerFailed = true;
        LOG.warn("SSH-020 an output listener failed; the output is still collected", e);
      }
    }
  }
}

package dev.runbook.engine.api;

import java.util.List;

/** Receives a remote command's output as it arrives, line by line. */
public interface OutputListener {

  OutputListener NONE = new OutputListener() {};

  default void stdout(String node, String line) {}

  default void stderr(String node, String line) {}

  /**
   * The lines one read of a stream brought, in order (a burst of output is one call). By default
   * handed on to {@link #stdout} or {@link #stderr} one at a time.
   */
  default void lines(String node, boolean stderr, List<String> lines) {
    for (String line : lines) {
      if (stderr) {
        stderr(node, line);
      } else {
        stdout(node, line);
      }
    }
  }
}

package dev.runbook.engine.api;

/** Receives a remote command's output as it arrives, line by line. */
public interface OutputListener {

  OutputListener NONE = new OutputListener() {};

  default void stdout(String node, String line) {}

  default void stderr(String node, String line) {}
}

package dev.runbook.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * What {@code lab up} started, written to {@code DIR/lab.json} before the first process starts, so
 * {@code lab down} can always find and stop everything, even after a failed {@code lab up}. Its
 * presence is also what marks DIR as a lab dir that {@code lab down} may remove.
 */
record LabState(String etcdVersion, String etcdBin, int sshPort, List<NodeState> nodes) {

  /** A node's boot process and the mount namespace that every process of the node shares. */
  record NodeState(String name, String address, long pid, String mountNamespace) {}

  static final String FILE = "lab.json";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  static boolean exists(Path dir) {
    return Files.isRegularFile(dir.resolve(FILE));
  }

  static LabState read(Path dir) {
    try {
      return JSON.readValue(dir.resolve(FILE).toFile(), LabState.class);
    } catch (IOException e) {
      throw LabException.badInput(
          dir.resolve(FILE) + " is not a lab state file: " + e.getMessage());
    }
  }

  void write(Path dir) {
    try {
      Path tmp = dir.resolve(FILE + ".tmp");
      JSON.writeValue(tmp.toFile(), this);
      Files.move(
          tmp,
          dir.resolve(FILE),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

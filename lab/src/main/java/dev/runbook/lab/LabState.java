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
 * presence is also what marks DIR as a lab dir that {@code lab down} may remove. {@code block} is
 * the loopback block the lab holds (its nodes are 127.block.0.11, ...; see {@link LabBlocks}).
 * {@code objectStore} is the S3Proxy process of {@code lab up --object-store}, null without it.
 */
record LabState(
    String etcdVersion,
    String etcdBin,
    int sshPort,
    int block,
    List<NodeState> nodes,
    ObjectStoreServer.State objectStore) {

  /** A lab without an object store (or before it is started). */
  LabState(String etcdVersion, String etcdBin, int sshPort, int block, List<NodeState> nodes) {
    this(etcdVersion, etcdBin, sshPort, block, nodes, null);
  }

  LabState withObjectStore(ObjectStoreServer.State store) {
    return new LabState(etcdVersion, etcdBin, sshPort, block, nodes, store);
  }

  /**
   * A node's boot process, the mount namespace that every process of the node shares, and the
   * identity ({@link Processes#fileKey}) of the node's {@code /var/lib}, which tells the node's
   * processes from those of a later namespace that got the same number (null in a lab.json written
   * before it was recorded).
   */
  record NodeState(String name, String address, long pid, String mountNamespace, String varLib) {}

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

package dev.runbook.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Finds and stops a lab node's processes: those in its mount namespace that see its files. */
final class Processes {
  private Processes() {}

  /** The mount namespace of a process, as {@code mnt:[4026532177]}, or null if it is gone. */
  static String mountNamespace(long pid) {
    try {
      return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "mnt")).toString();
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * The identity of {@code dir} (device and inode), as {@code stat} sees it; null when it is gone.
   * A bind mount shows its source's identity, so a node's {@code /var/lib}, seen from inside the
   * node, has the identity of the node's dir on the host.
   */
  static String fileKey(Path dir) {
    try {
      Object key = Files.readAttributes(dir, BasicFileAttributes.class).fileKey();
      return key == null ? null : key.toString();
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Every live process of a node: in its mount namespace and, when {@code varLib} is known, seeing
   * that node's {@code /var/lib}. The namespace alone is not enough: the kernel reuses a dead
   * namespace's number for the next one made, so once a node is gone its number may name a node of
   * another lab, and killing by number alone would kill that lab.
   */
  static List<ProcessHandle> ofNode(String namespace, String varLib) {
    List<ProcessHandle> found = new ArrayList<>();
    if (namespace == null || namespace.equals(mountNamespace(ProcessHandle.current().pid()))) {
      return found; // never the host's own namespace
    }
    try (Stream<Path> proc = Files.list(Path.of("/proc"))) {
      for (Path p : proc.toList()) {
        String name = p.getFileName().toString();
        if (name.chars().allMatch(Character::isDigit)) {
          long pid = Long.parseLong(name);
          if (namespace.equals(mountNamespace(pid))
              && (varLib == null || varLib.equals(fileKey(p.resolve("root/var/lib"))))) {
            ProcessHandle.of(pid).ifPresent(found::add);
          }
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return found;
  }

  static List<ProcessHandle> ofNode(LabState.NodeState node) {
    return ofNode(node.mountNamespace(), node.varLib());
  }

  /** Whether {@code node}'s boot process is alive and still the node's. */
  static boolean isRunning(LabState.NodeState node) {
    return node.mountNamespace().equals(mountNamespace(node.pid()))
        && (node.varLib() == null
            || node.varLib()
                .equals(fileKey(Path.of("/proc", Long.toString(node.pid()), "root/var/lib"))));
  }

  /**
   * Stops a node: SIGTERM to its boot process (the kubelet simulator, which stops its containers),
   * then SIGKILL to anything still of the node after the grace.
   */
  static void stopNode(LabState.NodeState node, long graceMillis) {
    long bootPid = node.pid();
    boolean boot = node.mountNamespace().equals(mountNamespace(bootPid));
    if (boot) {
      ProcessHandle.of(bootPid).ifPresent(ProcessHandle::destroy);
    }
    long deadline = System.currentTimeMillis() + graceMillis;
    while (boot
        && System.currentTimeMillis() < deadline
        && ProcessHandle.of(bootPid).map(ProcessHandle::isAlive).orElse(false)) {
      sleep(100);
    }
    for (int round = 0; round < 50; round++) {
      List<ProcessHandle> left = new ArrayList<>(ofNode(node));
      // A boot process killed before it bound the node's /var/lib does not see it yet.
      if (node.mountNamespace().equals(mountNamespace(bootPid))) {
        ProcessHandle.of(bootPid).ifPresent(left::add);
      }
      if (left.isEmpty()) {
        return;
      }
      left.forEach(ProcessHandle::destroyForcibly);
      sleep(100);
    }
    throw LabException.failed(
        "processes of node " + node.name() + " survived SIGKILL: " + ofNode(node));
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw LabException.failed("interrupted");
    }
  }
}

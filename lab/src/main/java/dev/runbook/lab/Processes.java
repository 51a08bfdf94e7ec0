package dev.runbook.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Finds and stops a lab node's processes by the mount namespace they share. */
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

  /** Every live process in the given mount namespace. */
  static List<ProcessHandle> inNamespace(String namespace) {
    List<ProcessHandle> found = new ArrayList<>();
    if (namespace == null || namespace.equals(mountNamespace(ProcessHandle.current().pid()))) {
      return found; // never the host's own namespace
    }
    try (Stream<Path> proc = Files.list(Path.of("/proc"))) {
      for (Path p : proc.toList()) {
        String name = p.getFileName().toString();
        if (name.chars().allMatch(Character::isDigit)) {
          long pid = Long.parseLong(name);
          if (namespace.equals(mountNamespace(pid))) {
            ProcessHandle.of(pid).ifPresent(found::add);
          }
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return found;
  }

  /**
   * Stops a node: SIGTERM to its boot process (the kubelet simulator, which stops its containers),
   * then SIGKILL to anything still in the node's namespace after the grace.
   */
  static void stopNode(long bootPid, String namespace, long graceMillis) {
    ProcessHandle.of(bootPid)
        .filter(p -> namespace.equals(mountNamespace(p.pid())))
        .ifPresent(ProcessHandle::destroy);
    long deadline = System.currentTimeMillis() + graceMillis;
    while (System.currentTimeMillis() < deadline
        && ProcessHandle.of(bootPid).map(ProcessHandle::isAlive).orElse(false)) {
      sleep(100);
    }
    for (int round = 0; round < 50; round++) {
      List<ProcessHandle> left = inNamespace(namespace);
      if (left.isEmpty()) {
        return;
      }
      left.forEach(ProcessHandle::destroyForcibly);
      sleep(100);
    }
    throw LabException.failed(
        "processes of namespace " + namespace + " survived SIGKILL: " + inNamespace(namespace));
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

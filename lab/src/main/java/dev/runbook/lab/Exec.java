package dev.runbook.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs local helper programs (openssl, ssh-keygen, apt-get, etcdctl) and captures their output. */
final class Exec {

  record Result(int exitCode, String output) {
    boolean ok() {
      return exitCode == 0;
    }
  }

  private Exec() {}

  static Result run(List<String> command) {
    return run(command, null, Map.of(), 120);
  }

  static Result run(List<String> command, Path dir, Map<String, String> env, int timeoutSeconds) {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    // etcdctl refuses flags that an ETCDCTL_* variable also sets (a sourced lab.env does).
    pb.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL_"));
    pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    try {
      Process p = pb.start();
      // Output is small for every program we run; read it fully, then wait.
      var reader = p.getInputStream();
      var bytes = new java.io.ByteArrayOutputStream();
      Thread pump =
          new Thread(
              () -> {
                try {
                  reader.transferTo(bytes);
                } catch (IOException ignored) {
                  // the process died; what we have is what it said
                }
              });
      pump.start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly().waitFor();
        pump.join(1000);
        return new Result(
            124,
            bytes.toString(StandardCharsets.UTF_8)
                + "\n(timed out after "
                + timeoutSeconds
                + " s)");
      }
      pump.join();
      return new Result(p.exitValue(), bytes.toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(127, command.get(0) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(130, "interrupted");
    }
  }

  /** Runs a command that must succeed; otherwise fails the lab command with its output. */
  static String check(String what, List<String> command) {
    Result r = run(command);
    if (!r.ok()) {
      throw LabException.failed(
          what
              + " failed (exit "
              + r.exitCode()
              + "): "
              + String.join(" ", command)
              + "\n"
              + r.output().strip());
    }
    return r.output();
  }
}

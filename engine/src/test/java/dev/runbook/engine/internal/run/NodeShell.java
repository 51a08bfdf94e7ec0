package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.CommandResult;
import dev.runbook.engine.api.OutputListener;
import dev.runbook.engine.internal.plan.LockCommands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A remote shell whose nodes are directories of this machine: each command runs for real under
 * {@code sh -c}, with the node lock's directory ({@link LockCommands#DIR}) of node N at {@code
 * root/N}, as a node's own /var/lib/runbook would be. So the lock's atomic create, its holder file
 * and its removal are the templates' own, run by a real shell, without SSH. Every command that
 * reached a node is recorded, as in {@link ScriptedShell}.
 */
class NodeShell extends ScriptedShell {

  private final Path root;

  NodeShell(Path root) {
    this.root = root;
  }

  /** The node's lock file, as the node sees {@link LockCommands#LOCK}. */
  Path lock(String node) {
    return dir(node).resolve("node.lock");
  }

  Path dir(String node) {
    return root.resolve(node);
  }

  @Override
  public CommandResult run(String node, String command, Duration timeout, OutputListener output) {
    received.add(node + ": " + command);
    try {
      Path out = Files.createTempFile(root, "out", ".txt");
      Path err = Files.createTempFile(root, "err", ".txt");
      Process p =
          new ProcessBuilder("sh", "-c", command.replace(LockCommands.DIR, dir(node).toString()))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("timed out: " + command);
      }
      CommandResult r =
          new CommandResult(
              node,
              command,
              p.exitValue(),
              Files.readString(out, StandardCharsets.UTF_8),
              Files.readString(err, StandardCharsets.UTF_8),
              Duration.ZERO,
              "SHA256:local");
      Files.delete(out);
      Files.delete(err);
      return r;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

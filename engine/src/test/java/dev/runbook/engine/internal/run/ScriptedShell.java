package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.CommandResult;
import dev.runbook.engine.api.OutputListener;
import dev.runbook.engine.api.RemoteShell;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A remote shell for engine tests: it reaches no node, answers every command with exit 0 and its
 * own text as output, and records what reached it (commands and uploads), so a test sees exactly
 * what left the engine. A test that needs other answers overrides {@link #run}.
 */
class ScriptedShell implements RemoteShell {

  /** Everything that reached the shell, in order: {@code node: command} or {@code node: upload}. */
  final List<String> received = new CopyOnWriteArrayList<>();

  /** The commands of {@link #received} that came under a run marker, without the marker. */
  final List<String> marked = new CopyOnWriteArrayList<>();

  @Override
  public CommandResult run(String node, String command, Duration timeout, OutputListener output) {
    if (command.startsWith("runbook_marker=")) {
      // The marker is the node's business (RunMarkerTest runs it): keep the step's command.
      command = command.substring(command.indexOf('\n', command.indexOf('\n') + 1) + 1);
      marked.add(node + ": " + command);
    }
    received.add(node + ": " + command);
    return new CommandResult(node, command, 0, "ok\n", "", Duration.ZERO, "SHA256:scripted");
  }

  @Override
  public byte[] read(String node, String path) {
    received.add(node + ": read " + path);
    return new byte[0];
  }

  @Override
  public void write(String node, String path, byte[] content, int mode) {
    received.add(node + ": write " + path);
  }

  @Override
  public void upload(String node, Path local, String remotePath) {
    received.add(node + ": upload " + local + " to " + remotePath);
  }

  @Override
  public Forward forward(String node, String remoteHost, int remotePort) {
    throw new UnsupportedOperationException("no tunnels in the scripted shell");
  }

  @Override
  public String connect(String node) {
    return "SHA256:scripted";
  }

  @Override
  public String hostKeyFingerprint(String node) {
    return "SHA256:scripted";
  }

  @Override
  public void close() {}
}

package dev.runbook.cli;

import dev.runbook.engine.api.FailureReason;
import dev.runbook.engine.api.InventoryInit;
import dev.runbook.engine.api.RemoteFailure;
import dev.runbook.engine.api.Runs;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "inventory",
    description = "Inventory files.",
    subcommands = {InventoryCommand.Init.class})
final class InventoryCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "init",
      mixinStandardHelpOptions = true,
      description =
          "Read a live cluster through one control-plane node (strict host keys) and write its"
              + " inventory, every discovered value commented with where it came from.")
  static final class Init implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(
        names = "--ssh",
        required = true,
        paramLabel = "USER@HOST",
        description = "The node to read: its etcd static pod manifest and etcd's member list.")
    String ssh;

    @Option(
        names = "--port",
        paramLabel = "N",
        defaultValue = "22",
        description = "SSH port (default 22).")
    int port;

    @Option(
        names = "--identity",
        paramLabel = "FILE",
        description = "Private key (default ~/.ssh/id_ed25519).")
    Path identity;

    @Option(
        names = "--known-hosts",
        paramLabel = "FILE",
        description =
            "known_hosts that must already list the node's key (default ~/.ssh/known_hosts).")
    Path knownHosts;

    @Option(
        names = "--cluster",
        paramLabel = "NAME",
        description = "The cluster's name in the inventory (default: from etcd's cluster ID).")
    String cluster;

    @Option(
        names = "--out",
        paramLabel = "FILE",
        description = "Write here (never over an existing file); default: standard output.")
    Path out;

    @Option(
        names = "--allowed-signers",
        paramLabel = "FILE",
        description =
            "The OpenSSH allowed-signers file of the people who may act (approval.allowedSigners);"
                + " default: start allowed_signers beside --out from your ~/.ssh/id_*.pub.")
    Path allowedSigners;

    @Override
    public Integer call() {
      PrintWriter stdout = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Path home = Path.of(System.getProperty("user.home"));
      InventoryInit.Request request =
          InventoryInit.Request.of(
              ssh,
              port,
              identity != null ? identity : home.resolve(".ssh/id_ed25519"),
              knownHosts != null ? knownHosts : home.resolve(".ssh/known_hosts"),
              cluster);
      InventoryInit.Result result;
      try {
        result = InventoryInit.run(request, out, allowedSigners);
      } catch (RemoteFailure e) {
        // Nothing was written: an SSH failure here is the user's input (host, key, known_hosts).
        err.println("runbook: inventory init: " + Runs.redact(e.getMessage()));
        if (e.reason() == FailureReason.HOST_KEY_UNKNOWN) {
          err.println(
              "runbook: nothing was written; run inventory init again once the key is known");
        } else {
          err.println("runbook: nothing was written");
        }
        return Main.BAD_INPUT;
      }
      for (RemoteFailure f : result.unverified()) {
        err.println(
            "runbook: warning: SSH to member "
                + f.node()
                + " not verified: "
                + Runs.redact(f.getMessage()));
      }
      if (!result.unverified().isEmpty()) {
        err.println(
            "runbook: warning: a run stops at "
                + String.join(", ", result.unverified().stream().map(RemoteFailure::node).toList())
                + " until that is fixed");
      }
      if (result.written() == null) {
        stdout.print(result.text());
        stdout.flush();
      } else {
        stdout.printf(
            "inventory of %d member(s) (%s) written to %s%n",
            result.inventory().members().size(),
            String.join(
                ", ",
                result.inventory().members().stream()
                    .map(dev.runbook.engine.api.Inventory.Member::name)
                    .toList()),
            result.written());
        stdout.printf("  next: runbook run ssh-check -i %s --as NAME%n", result.written());
      }
      return Main.DONE;
    }
  }
}

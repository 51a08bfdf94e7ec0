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
          "Read a live cluster through one node (strict host keys: a kubeadm control plane, or with"
              + " --topology external an etcd member) and write its inventory, every discovered"
              + " value commented with where it came from.")
  static final class Init implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(
        names = "--ssh",
        required = true,
        paramLabel = "USER@HOST",
        description =
            "The node to read: its etcd static pod manifest (external: its etcd unit) and etcd's"
                + " member list.")
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

    @Option(
        names = "--topology",
        paramLabel = "stacked|external",
        defaultValue = "stacked",
        description =
            "stacked (default): --ssh names a kubeadm control-plane node, etcd a static pod there;"
                + " external: --ssh names an etcd member running etcd as a systemd unit (--unit),"
                + " with the control planes apart (--control-plane).")
    String topology;

    @Option(
        names = "--unit",
        paramLabel = "NAME",
        description = "With --topology external: the unit etcd runs as (default etcd.service).")
    String unit;

    @Option(
        names = "--control-plane",
        paramLabel = "[NAME=]HOST",
        description =
            "With --topology external, once per node: a node whose kube-apiserver uses this etcd"
                + " (a restore stops them first).")
    java.util.List<String> controlPlanes = new java.util.ArrayList<>();

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
      // Bad input is refused before anything connects: nothing is read, nothing written.
      switch (topology) {
        case "external" -> request = request.external(unit, controlPlanes);
        case "stacked" -> {
          if (unit != null || !controlPlanes.isEmpty()) {
            throw new dev.runbook.engine.api.BadInputException(
                "--unit and --control-plane are for --topology external (stacked etcd runs as a"
                    + " static pod on each member, and the members are the control planes)");
          }
        }
        default ->
            throw new dev.runbook.engine.api.BadInputException(
                "--topology must be stacked or external, not '" + topology + "'");
      }
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
            "inventory of %d member(s) (%s)%s written to %s%n",
            result.inventory().members().size(),
            String.join(
                ", ",
                result.inventory().members().stream()
                    .map(dev.runbook.engine.api.Inventory.Member::name)
                    .toList()),
            result.inventory().etcd().isExternal()
                ? ", external etcd ("
                    + result.inventory().etcd().external().unit()
                    + "), control planes "
                    + String.join(
                        ", ",
                        result.inventory().etcd().external().controlPlane().stream()
                            .map(dev.runbook.engine.api.Inventory.ControlPlane::name)
                            .toList())
                : "",
            result.written());
        stdout.printf("  next: runbook run ssh-check -i %s --as NAME%n", result.written());
      }
      return Main.DONE;
    }
  }
}

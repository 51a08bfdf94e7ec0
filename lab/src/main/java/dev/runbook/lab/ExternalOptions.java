package dev.runbook.lab;

import picocli.CommandLine.Option;

/** {@code lab up}'s options for the topology: stacked (the default) or external etcd. */
final class ExternalOptions {

  @Option(
      names = "--topology",
      defaultValue = "stacked",
      description =
          "stacked: etcd as a static pod on each control-plane node (kubeadm's default); external:"
              + " etcd as a systemd unit on nodes of its own (etcd-N), API servers on control-plane"
              + " nodes apart (cp-N) (default ${DEFAULT-VALUE}).")
  String topology;

  @Option(
      names = "--control-planes",
      description =
          "external only: control-plane nodes running kube-apiserver, 1 to 3 (default 1).")
  Integer controlPlanes;

  @Option(
      names = "--etcd-config",
      description =
          "external only: how etcd.service passes etcd its settings: flags (in ExecStart) or"
              + " env-file (ETCD_* in /etc/etcd/etcd.conf) (default flags).")
  String etcdConfig;

  /** The external topology asked for, or null for stacked; bad input when they do not fit. */
  ExternalTopology external() {
    switch (topology) {
      case "stacked" -> {
        if (controlPlanes != null || etcdConfig != null) {
          throw LabException.badInput(
              "--control-planes and --etcd-config are for --topology external only");
        }
        return null;
      }
      case "external" -> {
        return new ExternalTopology(
            controlPlanes == null ? 1 : controlPlanes,
            SystemdUnits.Style.of(etcdConfig == null ? "flags" : etcdConfig));
      }
      default ->
          throw LabException.badInput(
              "unknown --topology '" + topology + "': use --topology stacked or external");
    }
  }
}

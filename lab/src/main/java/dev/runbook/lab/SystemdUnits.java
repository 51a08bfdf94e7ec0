package dev.runbook.lab;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The etcd unit of an external etcd node, in the two styles people write: every setting a flag in
 * {@code ExecStart} (as "Kubernetes the hard way" and most binary-release installs do), or {@code
 * EnvironmentFile=/etc/etcd/etcd.conf} holding {@code ETCD_*} variables (as the RPM packages and
 * many Ansible roles do). The lab's {@code systemctl} stand-in runs either.
 */
final class SystemdUnits {
  private SystemdUnits() {}

  static final String ETCD_UNIT = "/etc/systemd/system/etcd.service";
  static final String ETCD_ENV_FILE = "/etc/etcd/etcd.conf";

  /** How the unit passes etcd its settings; {@code --etcd-config} of {@code lab up}. */
  enum Style {
    FLAGS("flags", "settings as flags in ExecStart"),
    ENV_FILE("env-file", "settings as ETCD_* variables in " + ETCD_ENV_FILE);

    private final String option;
    private final String description;

    Style(String option, String description) {
      this.option = option;
      this.description = description;
    }

    String option() {
      return option;
    }

    String description() {
      return description;
    }

    static Style of(String option) {
      for (Style s : values()) {
        if (s.option.equals(option)) {
          return s;
        }
      }
      throw LabException.badInput(
          "unknown --etcd-config '" + option + "': use --etcd-config flags or env-file");
    }
  }

  /** The unit file, and the environment file it reads (null for the flags style). */
  record EtcdUnit(String unit, String environmentFile) {}

  /** etcd's settings for {@code node}, by flag name, in the order the unit lists them. */
  static Map<String, String> settings(Node node, List<Node> members) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("name", node.name());
    s.put("data-dir", "/var/lib/etcd");
    s.put("listen-client-urls", node.clientUrl());
    s.put("advertise-client-urls", node.clientUrl());
    s.put("listen-peer-urls", node.peerUrl());
    s.put("initial-advertise-peer-urls", node.peerUrl());
    s.put("initial-cluster", Manifests.initialCluster(members));
    s.put("initial-cluster-token", "etcd-cluster-lab");
    s.put("initial-cluster-state", "new");
    s.put("listen-metrics-urls", "http://" + node.address() + ":" + Node.METRICS_PORT);
    s.put("cert-file", "/etc/kubernetes/pki/etcd/server.crt");
    s.put("key-file", "/etc/kubernetes/pki/etcd/server.key");
    s.put("trusted-ca-file", "/etc/kubernetes/pki/etcd/ca.crt");
    s.put("client-cert-auth", "true");
    s.put("peer-cert-file", "/etc/kubernetes/pki/etcd/peer.crt");
    s.put("peer-key-file", "/etc/kubernetes/pki/etcd/peer.key");
    s.put("peer-trusted-ca-file", "/etc/kubernetes/pki/etcd/ca.crt");
    s.put("peer-client-cert-auth", "true");
    s.put("snapshot-count", "10000");
    return s;
  }

  static EtcdUnit etcd(Style style, Node node, List<Node> members) {
    Map<String, String> settings = settings(node, members);
    String head =
        """
        [Unit]
        Description=etcd key-value store
        Documentation=https://github.com/etcd-io/etcd
        After=network-online.target
        Wants=network-online.target

        [Service]
        Type=notify
        """;
    String tail =
        """
        Restart=on-failure
        RestartSec=5s
        LimitNOFILE=40000

        [Install]
        WantedBy=multi-user.target
        """;
    if (style == Style.FLAGS) {
      StringBuilder exec = new StringBuilder("ExecStart=/usr/local/bin/etcd");
      // The name as its own word, the rest as --flag=value: both forms are common.
      settings.forEach(
          (k, v) ->
              exec.append(" \\\n  --").append(k).append(k.equals("name") ? " " : "=").append(v));
      return new EtcdUnit(head + exec + "\n" + tail, null);
    }
    StringBuilder env =
        new StringBuilder(
            "# etcd of %s, read by etcd.service (EnvironmentFile=).\n".formatted(node.name()));
    settings.forEach(
        (k, v) ->
            env.append("ETCD_")
                .append(k.toUpperCase(java.util.Locale.ROOT).replace('-', '_'))
                .append('=')
                .append(v)
                .append('\n'));
    return new EtcdUnit(
        head + "EnvironmentFile=" + ETCD_ENV_FILE + "\nExecStart=/usr/local/bin/etcd\n" + tail,
        env.toString());
  }
}

package dev.runbook.runbooks.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading an external etcd member's unit as systemd does, on {@code systemctl cat} output. */
class EtcdUnitTest {

  /** As the lab's etcd-1 prints it, --etcd-config flags. */
  static final String FLAGS =
      """
      # /etc/systemd/system/etcd.service
      [Unit]
      Description=etcd key-value store

      [Service]
      Type=notify
      ExecStart=/usr/local/bin/etcd \\
        --name etcd-1 \\
        --data-dir=/var/lib/etcd \\
        --listen-client-urls=https://10.0.0.11:2379 \\
        --advertise-client-urls=https://10.0.0.11:2379 \\
        --cert-file=/etc/kubernetes/pki/etcd/server.crt \\
        --key-file=/etc/kubernetes/pki/etcd/server.key \\
        --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt \\
        --client-cert-auth=true
      Restart=on-failure

      [Install]
      WantedBy=multi-user.target
      """;

  static final String ENV_UNIT =
      """
      # /etc/systemd/system/etcd.service
      [Service]
      Type=notify
      EnvironmentFile=/etc/etcd/etcd.conf
      ExecStart=/usr/local/bin/etcd
      """;

  static final String ENV_FILE =
      """
      # etcd of etcd-1
      ETCD_NAME=etcd-1
      ETCD_DATA_DIR="/var/lib/etcd"
      ETCD_ADVERTISE_CLIENT_URLS=https://10.0.0.11:2379
      ETCD_CERT_FILE=/etc/kubernetes/pki/etcd/server.crt
      ETCD_KEY_FILE=/etc/kubernetes/pki/etcd/server.key
      ETCD_TRUSTED_CA_FILE=/etc/kubernetes/pki/etcd/ca.crt
      """;

  private static EtcdUnit flags(String more) {
    return EtcdUnit.parse("etcd.service", FLAGS + more, f -> null);
  }

  private static EtcdUnit env(String more, String envFile) {
    Map<String, String> files = new LinkedHashMap<>();
    if (envFile != null) {
      files.put("/etc/etcd/etcd.conf", envFile);
      files.put(
          "/etc/etcd/etcd.conf.restore", envFile.replace("/var/lib/etcd", "/var/lib/etcd-new"));
    }
    return EtcdUnit.parse("etcd.service", ENV_UNIT + more, files::get);
  }

  @Test
  void flagsInExecStartGiveTheSettingsAndWhereTheyAre() {
    EtcdUnit u = flags("");

    assertThat(u.problems()).isEmpty();
    assertThat(u.style()).isEqualTo(EtcdUnit.Style.FLAGS);
    assertThat(u.value("name")).isEqualTo("etcd-1");
    assertThat(u.value("data-dir")).isEqualTo("/var/lib/etcd");
    assertThat(u.value("advertise-client-urls")).isEqualTo("https://10.0.0.11:2379");
    assertThat(u.value("client-cert-auth")).isEqualTo("true");
    assertThat(u.setting("data-dir").source())
        .isEqualTo("--data-dir in ExecStart of /etc/systemd/system/etcd.service");
    assertThat(u.dropIns()).isEmpty();
  }

  @Test
  void anEnvironmentFileGivesTheEtcdVariables() {
    EtcdUnit u = env("", ENV_FILE);

    assertThat(u.problems()).isEmpty();
    assertThat(u.style()).isEqualTo(EtcdUnit.Style.ENV_FILE);
    assertThat(u.environmentFiles()).containsExactly("/etc/etcd/etcd.conf");
    assertThat(u.value("data-dir")).isEqualTo("/var/lib/etcd");
    assertThat(u.setting("data-dir").source()).isEqualTo("ETCD_DATA_DIR in /etc/etcd/etcd.conf");
    assertThat(u.value("trusted-ca-file")).isEqualTo("/etc/kubernetes/pki/etcd/ca.crt");
  }

  @Test
  void ourDropInResetsAndReplacesAsSystemdApplies() {
    EtcdUnit f =
        flags(
            """

            # /etc/systemd/system/etcd.service.d/50-runbook-restore-r1.conf
            [Service]
            ExecStart=
            ExecStart=/usr/local/bin/etcd --name etcd-1 --data-dir=/var/lib/etcd-new \\
              --cert-file=/etc/kubernetes/pki/etcd/server.crt
            """);
    assertThat(f.problems()).isEmpty();
    assertThat(f.value("data-dir")).isEqualTo("/var/lib/etcd-new");
    assertThat(f.value("listen-client-urls")).as("the old ExecStart is gone").isNull();
    assertThat(f.dropIns())
        .containsExactly("/etc/systemd/system/etcd.service.d/50-runbook-restore-r1.conf");

    EtcdUnit e =
        env(
            """
            # /etc/systemd/system/etcd.service.d/50-runbook-restore-r1.conf
            [Service]
            EnvironmentFile=
            EnvironmentFile=/etc/etcd/etcd.conf.restore
            """,
            ENV_FILE);
    assertThat(e.problems()).isEmpty();
    assertThat(e.environmentFiles()).containsExactly("/etc/etcd/etcd.conf.restore");
    assertThat(e.value("data-dir")).isEqualTo("/var/lib/etcd-new");
  }

  @Test
  void environmentExpandsInExecStartAndFilesWinOverEnvironment() {
    EtcdUnit u =
        EtcdUnit.parse(
            "etcd.service",
            """
            # /etc/systemd/system/etcd.service
            [Service]
            Environment="DIR=/var/lib/from-environment" ETCD_NAME=from-environment
            EnvironmentFile=-/etc/etcd/missing.conf
            EnvironmentFile=/etc/default/etcd
            ExecStart=/usr/bin/etcd --data-dir ${DIR} --listen-client-urls $URLS
            """,
            f ->
                f.equals("/etc/default/etcd")
                    ? "ETCD_NAME=from-file\nURLS=https://a:2379\n"
                    : null);

    assertThat(u.problems()).isEmpty();
    assertThat(u.value("data-dir")).isEqualTo("/var/lib/from-environment");
    assertThat(u.value("listen-client-urls")).isEqualTo("https://a:2379");
    assertThat(u.value("name")).isEqualTo("from-file");
    assertThat(u.style()).isEqualTo(EtcdUnit.Style.MIXED);
  }

  @Test
  void someoneElsesDropInThatChangesTheCommandIsRefused() {
    EtcdUnit u =
        flags(
            """
            # /etc/systemd/system/etcd.service.d/10-tuning.conf
            [Service]
            LimitNOFILE=65536
            # /etc/systemd/system/etcd.service.d/20-ops.conf
            [Service]
            Environment=ETCD_QUOTA_BACKEND_BYTES=8589934592
            """);

    assertThat(u.problems())
        .containsExactly(
            "etcd.service is already overridden: the drop-in"
                + " /etc/systemd/system/etcd.service.d/20-ops.conf sets Environment= (someone"
                + " else's change to what etcd runs): fold it into the unit or remove it first");
  }

  @Test
  void aDataDirThatCannotBeFoundIsRefused() {
    EtcdUnit none = env("", ENV_FILE.replace("ETCD_DATA_DIR=\"/var/lib/etcd\"\n", ""));
    assertThat(none.problems())
        .containsExactly(
            "etcd.service: the data dir is not discoverable (neither --data-dir in ExecStart nor"
                + " ETCD_DATA_DIR in its environment): name it in the unit");

    EtcdUnit wrapped =
        EtcdUnit.parse(
            "etcd.service",
            "# /etc/systemd/system/etcd.service\n[Service]\nExecStart=/bin/sh -c 'exec etcd'\n",
            f -> null);
    assertThat(wrapped.problems())
        .first()
        .asString()
        .contains("does not run etcd directly (ExecStart=/bin/sh -c 'exec etcd')");

    EtcdUnit missingFile = env("", null);
    assertThat(missingFile.problems())
        .contains(
            "etcd.service reads the environment file /etc/etcd/etcd.conf"
                + " (/etc/systemd/system/etcd.service), which is missing");
  }

  @Test
  void twoExecStartsWithoutAResetAreRefused() {
    EtcdUnit u =
        flags(
            """
            # /etc/systemd/system/etcd.service.d/50-runbook-restore-r1.conf
            [Service]
            ExecStart=/usr/local/bin/etcd --name etcd-1 --data-dir=/x
            """);

    assertThat(u.problems())
        .containsExactly(
            "etcd.service has more than one ExecStart= (systemd refuses to start it): the last"
                + " is in /etc/systemd/system/etcd.service.d/50-runbook-restore-r1.conf");
  }

  @Test
  void membersWhoseUnitsDisagreeAreNamed() {
    Map<String, EtcdUnit> units = new LinkedHashMap<>();
    units.put("etcd-1", flags(""));
    units.put("etcd-2", env("", ENV_FILE));
    units.put(
        "etcd-3",
        EtcdUnit.parse(
            "etcd.service",
            FLAGS.replace("/etc/kubernetes/pki/etcd/server.crt", "/etc/etcd/pki/server.crt"),
            f -> null));

    assertThat(EtcdUnit.disagreements(units))
        .containsExactly(
            "the members' units disagree: etcd-1 passes etcd its settings as FLAGS, etcd-2 as"
                + " ENV_FILE",
            "the members' units disagree on --cert-file: etcd-1 has"
                + " /etc/kubernetes/pki/etcd/server.crt, etcd-3 has /etc/etcd/pki/server.crt");
    assertThat(EtcdUnit.disagreements(Map.of("etcd-1", flags("")))).isEmpty();
  }

  @Test
  void aUnitWithProblemsOfItsOwnIsComparedTooButNotOneWhoseSettingsWereNotRead() {
    Map<String, EtcdUnit> units = new LinkedHashMap<>();
    // No data dir, and another CA: both are said, the second by comparing it with etcd-2.
    units.put(
        "etcd-1",
        EtcdUnit.parse(
            "etcd.service",
            FLAGS
                .replace("  --data-dir=/var/lib/etcd \\\n", "")
                .replace(
                    "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt", "--trusted-ca-file=/ca"),
            f -> null));
    units.put(
        "etcd-2",
        flags(
            """
            # /etc/systemd/system/etcd.service.d/20-ops.conf
            [Service]
            Environment=ETCD_QUOTA_BACKEND_BYTES=1
            """));
    units.put(
        "etcd-3",
        EtcdUnit.parse(
            "etcd.service",
            "# /etc/systemd/system/etcd.service\n[Service]\nExecStart=/bin/sh -c 'exec etcd'\n",
            f -> null));
    assertThat(units.get("etcd-1").problems())
        .singleElement()
        .asString()
        .contains("data dir is not discoverable");
    assertThat(units.get("etcd-2").problems())
        .singleElement()
        .asString()
        .contains("already overridden");
    assertThat(units.get("etcd-3").runsEtcd()).isFalse();

    assertThat(EtcdUnit.disagreements(units))
        .containsExactly(
            "the members' units disagree on --trusted-ca-file: etcd-1 has /ca, etcd-2 has"
                + " /etc/kubernetes/pki/etcd/ca.crt");
  }
}

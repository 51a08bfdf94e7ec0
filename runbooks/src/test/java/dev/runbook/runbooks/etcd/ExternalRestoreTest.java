package dev.runbook.runbooks.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.internal.template.TemplateRenderer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The drop-in etcd-restore writes for an external member, for each way a unit names its data dir
 * (an ExecStart flag, an environment file, Environment=): the unit with it installed, read as
 * systemd reads it, runs etcd on the restored dir with every other setting as before; the unit file
 * and its environment file are never what changes.
 */
class ExternalRestoreTest {

  static final String RUN = "0a1b2c3d";
  static final String RESTORED = "/var/lib/etcd-restore-" + RUN;
  static final Inventory INV =
      new Inventory(
          null,
          "c",
          null,
          new Inventory.Etcd(
              "external",
              "/etc/kubernetes/manifests",
              "/var/lib/etcd",
              null,
              null,
              new Inventory.External(
                  "etcd.service", List.of(new Inventory.ControlPlane("cp-1", "10.0.0.21", null)))),
          List.of(),
          null,
          Map.of(),
          List.of());

  private static ExternalRestore.Read read(String cat, Map<String, String> files) {
    return new ExternalRestore.Read(cat, files, EtcdUnit.parse("etcd.service", cat, files::get));
  }

  @Test
  void aFlagsUnitGetsItsOwnExecStartWithOnlyTheDataDirChanged() {
    ExternalRestore.Read r = read(EtcdUnitTest.FLAGS, Map.of());
    ExternalRestore.Patch p = ExternalRestore.patch(r, INV, RUN, RESTORED);
    assertThat(p.envFile()).isNull();
    assertThat(p.dropIn())
        .contains("[Service]\nExecStart=\nExecStart=/usr/local/bin/etcd --name etcd-1 --data-dir=")
        .contains("--data-dir=" + RESTORED + " --listen-client-urls=")
        .doesNotContain("--data-dir=/var/lib/etcd ");
    ExternalRestore.verify(r, p, INV, RUN, RESTORED);
    String diff = ExternalRestore.diff(r, p, INV, RUN);
    assertThat(diff)
        .startsWith(
            "--- /dev/null\n+++ /etc/systemd/system/etcd.service.d/50-runbook-restore-"
                + RUN
                + ".conf (new drop-in)\n");
  }

  @Test
  void anEnvironmentFileUnitGetsAnEditedCopyOfTheFileNeverTheFileItself() {
    ExternalRestore.Read r =
        read(EtcdUnitTest.ENV_UNIT, Map.of("/etc/etcd/etcd.conf", EtcdUnitTest.ENV_FILE));
    ExternalRestore.Patch p = ExternalRestore.patch(r, INV, RUN, RESTORED);
    String copy = "/etc/kubernetes/etcd-restore-" + RUN + "/etcd.conf";
    assertThat(p.envFile()).isEqualTo("/etc/etcd/etcd.conf");
    assertThat(p.envCopyPath()).isEqualTo(copy);
    assertThat(p.dropIn()).endsWith("[Service]\nEnvironmentFile=\nEnvironmentFile=" + copy + "\n");
    assertThat(p.envCopy())
        .isEqualTo(
            EtcdUnitTest.ENV_FILE.replace(
                "ETCD_DATA_DIR=\"/var/lib/etcd\"", "ETCD_DATA_DIR=" + RESTORED));
    ExternalRestore.verify(r, p, INV, RUN, RESTORED);
    assertThat(ExternalRestore.diff(r, p, INV, RUN))
        .contains("-ETCD_DATA_DIR=\"/var/lib/etcd\"\n+ETCD_DATA_DIR=" + RESTORED + "\n");
  }

  @Test
  void aDataDirInEnvironmentIsOverriddenByALaterEnvironment() {
    String cat =
        """
        # /etc/systemd/system/etcd.service
        [Service]
        Environment=ETCD_DATA_DIR=/var/lib/etcd ETCD_NAME=etcd-1
        ExecStart=/usr/local/bin/etcd
        """;
    ExternalRestore.Read r = read(cat, Map.of());
    ExternalRestore.Patch p = ExternalRestore.patch(r, INV, RUN, RESTORED);
    assertThat(p.dropIn()).endsWith("Environment=\"ETCD_DATA_DIR=" + RESTORED + "\"\n");
    ExternalRestore.verify(r, p, INV, RUN, RESTORED);
  }

  @Test
  void aDataDirTheDropInCannotChangeAloneIsRefused() {
    String cat =
        """
        # /etc/systemd/system/etcd.service
        [Service]
        ExecStart=/usr/local/bin/etcd --name etcd-1 --data-dir "/var/lib/etcd"
        """;
    ExternalRestore.Read r = read(cat, Map.of());
    assertThat(r.unit().problems()).isEmpty();
    assertThatThrownBy(() -> ExternalRestore.patch(r, INV, RUN, RESTORED))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--data-dir in ExecStart is not one plain word");
  }

  @Test
  void everyStepReadsTheUnitWithoutTheRunsOwnDropInButWithEarlierOnes() {
    String cat =
        EtcdUnitTest.FLAGS
            + "\n# /etc/systemd/system/etcd.service.d/10-limits.conf\n[Service]\nLimitNOFILE=40000\n"
            + "\n# /etc/systemd/system/etcd.service.d/50-runbook-restore-"
            + RUN
            + ".conf\n[Service]\nExecStart=\nExecStart=/usr/local/bin/etcd --data-dir=/x\n";
    String without = ExternalRestore.withoutOwn(cat, RUN);
    assertThat(without).contains("LimitNOFILE=40000").doesNotContain("--data-dir=/x");
    assertThat(EtcdUnit.parse("etcd.service", without, f -> null).value("data-dir"))
        .isEqualTo("/var/lib/etcd");
    EtcdUnit other =
        EtcdUnit.parse("etcd.service", ExternalRestore.withoutOwn(cat, "ffffffff"), f -> null);
    assertThat(ExternalRestore.earlierRestores(other))
        .containsExactly("/etc/systemd/system/etcd.service.d/50-runbook-restore-" + RUN + ".conf");
  }

  @Test
  void theUnitCommandsQuoteTheUnitAndThePaths() {
    TemplateRenderer t = new TemplateRenderer(null);
    assertThat(t.render(ExternalRestore.CAT, ExternalRestore.catModel(INV)))
        .contains("systemctl --no-pager cat 'etcd.service'");
    String start = t.render(ExternalRestore.START, ExternalRestore.startModel(INV, RUN));
    assertThat(start)
        .contains("mkdir -p -- '/etc/systemd/system/etcd.service.d'")
        .contains("systemctl daemon-reload\n")
        .contains("systemctl start 'etcd.service'")
        .contains("tmp='/etc/kubernetes/etcd-restore-" + RUN + "'/.installing\n");
    String back = t.render(ExternalRestore.ROLL_BACK, ExternalRestore.rollBackModel(INV, RUN));
    assertThat(back)
        .contains("mv -- '/etc/systemd/system/etcd.service.d/50-runbook-restore-" + RUN);
    assertThat(
            t.render(
                ExternalRestore.STOP,
                ExternalRestore.stopModel(INV, RUN, java.time.Duration.ofSeconds(90))))
        .contains("systemctl stop 'etcd.service'")
        .contains("limit='90'\n");
  }
}

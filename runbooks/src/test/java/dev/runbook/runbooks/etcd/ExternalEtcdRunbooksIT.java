package dev.runbook.runbooks.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.lab.LabInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * External etcd (a systemd unit on etcd nodes, API servers on control planes apart): etcd-snapshot
 * and etcd-restore-rehearsal work unchanged, leaving the live members as they were; the
 * control-plane runbooks, which reach the members only, refuse it when planned (etcd-restore on
 * external etcd: ExternalEtcdRestoreIT, in the cli module).
 */
class ExternalEtcdRunbooksIT {

  @TempDir Path tmp;

  @ParameterizedTest(name = "etcd {0}, {1} member(s), {2}")
  @CsvSource({"3.5, 3, flags", "3.4, 1, env-file"})
  void snapshotAndRehearsalWorkAndControlPlaneBackupRefuses(String etcd, int members, String config)
      throws Exception {
    try (LabInstance lab = LabInstance.upExternal(members, etcd, config, 1)) {
      Inventory inv = Inventory.load(lab.inventory());
      assertThat(inv.etcd().isExternal()).isTrue();
      assertThat(inv.etcd().external().unit()).isEqualTo("etcd.service");
      assertThat(inv.etcd().external().controlPlane())
          .extracting(Inventory.ControlPlane::name)
          .containsExactly("cp-1");
      // Each member's unit as the lab's systemctl prints it, read as systemd and etcd read it.
      Map<String, EtcdUnit> units = new LinkedHashMap<>();
      for (int n = 1; n <= members; n++) {
        EtcdUnit unit = unit(lab, n);
        assertThat(unit.problems()).isEmpty();
        assertThat(unit.value("name")).isEqualTo("etcd-" + n);
        assertThat(unit.value("data-dir")).isEqualTo("/var/lib/etcd");
        assertThat(unit.value("advertise-client-urls"))
            .isEqualTo("https://" + lab.address(n) + ":2379");
        assertThat(unit.value("cert-file")).isEqualTo("/etc/kubernetes/pki/etcd/server.crt");
        assertThat(unit.setting("data-dir").source())
            .isEqualTo(
                config.equals("flags")
                    ? "--data-dir in ExecStart of /etc/systemd/system/etcd.service"
                    : "ETCD_DATA_DIR in /etc/etcd/etcd.conf");
        units.put("etcd-" + n, unit);
      }
      assertThat(EtcdUnit.disagreements(units)).isEmpty();
      LabInstance.Result noUnit = lab.ssh(1, "systemctl cat etcd-other");
      assertThat(noUnit.exitCode()).isEqualTo(1);
      assertThat(noUnit.output()).isEqualTo("No files found for etcd-other.service.\n");
      JsonNode taken =
          EtcdRunbooksIT.snapshotThenRehearse(
              lab, tmp, etcd, members, "etcd-" + members, () -> liveState(lab, members));
      assertThat(Path.of(taken.path("file").asText())).exists();
      Path home = tmp.resolve("home");

      // control-plane-backup reaches the members' nodes only, which are not the control planes
      // here: it refuses when planned, before anything runs.
      Path key = tmp.resolve("archive.key");
      Files.writeString(key, "0123456789abcdef".repeat(4) + "\n");
      Files.setPosixFilePermissions(
          key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      assertThatThrownBy(
              () ->
                  RunbookEngine.plan(
                      EngineOptions.of(home),
                      "control-plane-backup",
                      lab.inventory(),
                      Map.of("backupDir", tmp.resolve("cp").toString(), "keyFile", key.toString()),
                      false))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("control-plane-backup works on the members' nodes")
          .hasMessageContaining("control planes [cp-1] apart from the members");
      assertThat(tmp.resolve("cp")).doesNotExist();

      // Someone else's drop-in that changes what etcd runs makes the unit one to refuse.
      Path dropIns = lab.nodePath(1, "/etc/systemd/system/etcd.service.d");
      Files.createDirectories(dropIns);
      Files.writeString(
          dropIns.resolve("20-ops.conf"), "[Service]\nEnvironment=ETCD_QUOTA_BACKEND_BYTES=1\n");
      assertThat(unit(lab, 1).problems())
          .singleElement()
          .asString()
          .startsWith(
              "etcd.service is already overridden: the drop-in"
                  + " /etc/systemd/system/etcd.service.d/20-ops.conf sets Environment=");
    }
  }

  /** Node {@code n}'s etcd.service through {@code systemctl cat}, its files through cat. */
  static EtcdUnit unit(LabInstance lab, int n) {
    LabInstance.Result cat = lab.ssh(n, "systemctl cat etcd");
    assertThat(cat.exitCode()).as(cat.output()).isZero();
    return EtcdUnit.parse(
        "etcd.service",
        cat.output(),
        path -> {
          LabInstance.Result r = lab.ssh(n, "cat '" + path + "'");
          return r.exitCode() == 0 ? r.output() : null;
        });
  }

  /**
   * What neither runbook may change on an etcd node: its unit and drop-ins, the etcd process (same
   * main pid, so never restarted), its data dir's member directory, and its health.
   */
  static String liveState(LabInstance lab, int members) throws Exception {
    StringBuilder s = new StringBuilder();
    for (int n = 1; n <= members; n++) {
      s.append(
          lab.ssh(
                  n,
                  "sha256sum /etc/systemd/system/etcd.service /etc/etcd/* 2>/dev/null;"
                      + " ls /etc/systemd/system/etcd.service.d 2>&1;"
                      + " systemctl show -p MainPID,ActiveState etcd;"
                      + " ls -id /var/lib/etcd/member /var/lib/etcd/member/snap")
              .output());
      s.append(lab.etcdctl(n, "endpoint", "health").exitCode());
    }
    assertThat(s.toString()).contains("ActiveState=active").doesNotContain("MainPID=0");
    assertThat(Files.exists(lab.nodePath(1, "/etc/kubernetes/manifests"))).isFalse();
    return s.toString();
  }
}

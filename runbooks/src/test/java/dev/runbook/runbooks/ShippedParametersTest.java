package dev.runbook.runbooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.RunbookInfo;
import dev.runbook.engine.api.RunbookPlan;
import dev.runbook.runbooks.controlplane.ControlPlaneArchive;
import dev.runbook.runbooks.etcd.SnapshotFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every shipped runbook's parameters are typed, and a bad value is bad input before anything is
 * made: {@code plan} (which never connects without --probe) lists every problem at once.
 */
class ShippedParametersTest {

  @TempDir Path tmp;
  private Path inventory;
  private EngineOptions options;

  @BeforeEach
  void inventory() throws Exception {
    for (String f : List.of("id", "known_hosts", "ca.crt", "c.crt", "c.key")) {
      Files.writeString(tmp.resolve(f), "");
    }
    inventory = tmp.resolve("inventory.yaml");
    Files.writeString(
        inventory,
        """
        cluster: test
        ssh: {user: root, port: 22, identityFile: %1$s/id, knownHosts: %1$s/known_hosts}
        etcd:
          topology: stacked
          pki: {cacert: /etc/kubernetes/pki/etcd/ca.crt, cert: /etc/kubernetes/pki/etcd/server.crt, key: /etc/kubernetes/pki/etcd/server.key}
          access: {mode: direct, cacert: %1$s/ca.crt, cert: %1$s/c.crt, key: %1$s/c.key}
        members:
          - {name: cp-1, host: 10.0.0.1, clientUrl: https://10.0.0.1:2379, peerUrl: https://10.0.0.1:2380}
        """
            .formatted(tmp));
    options = EngineOptions.of(tmp.resolve("home"));
  }

  @Test
  void everyParameterOfEveryShippedRunbookHasAType() {
    for (RunbookInfo r : RunbookEngine.list(options)) {
      assertThat(r.parameters())
          .as(r.id())
          .allSatisfy(p -> assertThat(p.type()).as(p.name()).isNotBlank());
    }
  }

  @Test
  void eachRunbookPlansWithOnlyItsRequiredParameters() throws Exception {
    // A real snapshot (etcd 3.4, one key): the plan reads and binds it.
    Path snapshot = tmp.resolve("x.db");
    try (var in = getClass().getResourceAsStream("/snapshots/etcd-3.4-one-key.db")) {
      Files.copy(in, snapshot);
    }
    // control-plane-restore-files reads its archive with its key: one of cp-1, as a backup writes.
    Path key = Files.writeString(tmp.resolve("archive.key"), "k".repeat(64) + "\n");
    Files.setPosixFilePermissions(
        key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Path archive = tmp.resolve("cp-1.tar.enc");
    byte[] crt = "not a certificate".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    ControlPlaneArchive.write(
        archive,
        new ControlPlaneArchive.Manifest(
            ControlPlaneArchive.FORMAT,
            "test",
            "cp-1",
            "10.0.0.1",
            "run1",
            "2026-12-03T00:00:00Z",
            List.of(
                new ControlPlaneArchive.FileEntry(
                    "/etc/kubernetes/pki/ca.crt",
                    "file",
                    "644",
                    0,
                    0,
                    "root",
                    "root",
                    crt.length,
                    0,
                    java.util.HexFormat.of()
                        .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(crt)),
                    null)),
            List.of()),
        Map.of("/etc/kubernetes/pki/ca.crt", crt),
        key);
    for (RunbookInfo r : RunbookEngine.list(options)) {
      Map<String, String> required = new LinkedHashMap<>();
      for (RunbookInfo.Parameter p : r.parameters()) {
        if (p.required()) {
          // A member's name, a key file, an archive; every other required one is a snapshot.
          required.put(
              p.name(),
              switch (p.name()) {
                case "member", "node" -> "cp-1";
                case "keyFile" -> key.toString();
                case "archive" -> archive.toString();
                default -> snapshot.toString();
              });
        }
      }
      RunbookPlan plan = RunbookEngine.plan(options, r.id(), inventory, required, false);
      assertThat(plan.sha256()).as(r.id()).hasSize(64);
      // A left-out parameter with an empty default ("not used") is in the plan as empty.
      for (RunbookInfo.Parameter p : r.parameters()) {
        if ("".equals(p.defaultValue())) {
          assertThat(plan.markdown()).as(r.id() + " " + p.name()).contains(p.name());
        }
      }
    }
  }

  @Test
  void badValuesAreAllListedBeforeAnythingIsMade() {
    Map<String, String> bad =
        Map.of(
            "snapshot", "",
            "gateTimeout", "banana",
            "stopTimeout", "-PT1H",
            "bumpRevision", "-5",
            "expectSha256", "nothex");
    assertThatThrownBy(() -> RunbookEngine.plan(options, "etcd-restore", inventory, bad, false))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("parameter 'snapshot' must not be empty")
        .hasMessageContaining("parameter 'gateTimeout' must be duration PT1S..P7D: 'banana' is not")
        .hasMessageContaining(
            "parameter 'stopTimeout' must be duration PT1S..P1D: '-PT1H' is below")
        .hasMessageContaining("parameter 'bumpRevision' must be integer >= 0: '-5' is below")
        .hasMessageContaining("parameter 'expectSha256' must be sha256: 'nothex' is not");
    assertThatThrownBy(
            () ->
                RunbookEngine.plan(
                    options, "ssh-check", inventory, Map.of("stampDir", "var/lib/x"), false))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("'var/lib/x' is not an absolute path");
    assertThatThrownBy(
            () ->
                RunbookEngine.plan(
                    options,
                    "etcd-snapshot",
                    inventory,
                    Map.of("keep", "-1", "backupNodes", "cp-1;reboot"),
                    false))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("'keep' must be integer >= 0")
        .hasMessageContaining("'cp-1;reboot' does not match");
    assertThat(tmp.resolve("home")).doesNotExist();
  }

  private Path fixture(String name, String as) throws Exception {
    Path to = tmp.resolve(as);
    try (var in = getClass().getResourceAsStream("/snapshots/" + name)) {
      Files.copy(in, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return to;
  }

  private RunbookPlan restorePlan(Path snapshot) {
    return RunbookEngine.plan(
        options, "etcd-restore", inventory, Map.of("snapshot", snapshot.toString()), false);
  }

  /** The plan binds the snapshot's content, not its path: issue 15's swapped file. */
  @Test
  void theRestorePlanBindsTheSnapshotsContentAndRefusesAMissingOrBrokenOne() throws Exception {
    Path snapshot = fixture("etcd-3.4-one-key.db", "snap.db");
    RunbookPlan first = restorePlan(snapshot);
    assertThat(first.markdown())
        .contains("snapshot SHA-256")
        .contains(SnapshotFile.verify(snapshot).sha256());
    assertThat(restorePlan(snapshot).sha256()).isEqualTo(first.sha256());

    fixture("etcd-3.4-two-keys.db", "snap.db"); // same path, same size, other content
    assertThat(Files.size(snapshot)).isEqualTo(20512);
    assertThat(restorePlan(snapshot).sha256()).isNotEqualTo(first.sha256());

    Files.delete(snapshot);
    assertThatThrownBy(() -> restorePlan(snapshot))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("Task_VerifySnapshot")
        .hasMessageContaining(snapshot.toString());
    Files.write(snapshot, new byte[] {1, 2, 3});
    assertThatThrownBy(() -> restorePlan(snapshot))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining(snapshot.toString());
  }
}

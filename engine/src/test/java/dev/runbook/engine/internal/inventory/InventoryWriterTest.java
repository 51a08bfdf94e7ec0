package dev.runbook.engine.internal.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.InventoryException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InventoryWriterTest {

  @TempDir Path dir;
  Path identity;
  Path knownHosts;

  @BeforeEach
  void files() throws IOException {
    identity = Files.writeString(dir.resolve("my key"), "");
    knownHosts = Files.writeString(dir.resolve("known'hosts"), "");
  }

  private Inventory inventory(String cluster, List<Inventory.Member> members, String dataDir) {
    return new Inventory(
        null,
        cluster,
        new Inventory.Ssh("root", 2222, identity, knownHosts, false, Duration.ofSeconds(10)),
        new Inventory.Etcd(
            "stacked",
            "/etc/kubernetes/manifests",
            dataDir,
            new Inventory.Pki("/srv/pki/ca.crt", "/srv/pki/server.crt", "/srv/pki/server.key"),
            new Inventory.Access("tunnel", null, null, null)),
        members,
        new Inventory.Validate(null),
        Map.of(),
        List.of());
  }

  private static Inventory.Member member(String name, String host) {
    return new Inventory.Member(
        name,
        host,
        URI.create("https://" + host + ":2379"),
        URI.create("https://" + host + ":2380"),
        null);
  }

  @Test
  void externalEtcdIsWrittenWithItsUnitAndControlPlanesAndReadsBackAsItWas() throws IOException {
    Inventory stacked = inventory("prod", List.of(member("etcd-1", "10.0.0.11")), "/var/lib/etcd");
    Inventory.Etcd e = stacked.etcd();
    Inventory inv =
        new Inventory(
            null,
            stacked.cluster(),
            stacked.ssh(),
            new Inventory.Etcd(
                "external",
                e.manifestDir(),
                e.dataDir(),
                e.pki(),
                e.access(),
                new Inventory.External(
                    "etcd-main.service",
                    List.of(
                        new Inventory.ControlPlane("cp-1", "10.0.0.21", null),
                        new Inventory.ControlPlane("cp-2", "10.0.0.22", null)))),
            stacked.members(),
            stacked.validate(),
            Map.of(),
            List.of());
    String text =
        InventoryWriter.render(
            inv,
            List.of(),
            Map.of("etcd.unit", "from --unit", "controlPlane[1].host", "from --control-plane"));
    Path file = Files.writeString(dir.resolve("external.yaml"), text);
    Inventory loaded = InventoryInitCore.checked(file, inv);
    assertThat(loaded.etcd().external()).isEqualTo(inv.etcd().external());
    assertThat(text)
        .contains("  topology: external\n")
        .contains("  unit: etcd-main.service  # from --unit\n")
        .contains("controlPlane:\n  - name: cp-1\n    host: \"10.0.0.21\"\n")
        .contains("    host: \"10.0.0.22\"  # from --control-plane\n");
  }

  @Test
  void valuesYamlWouldReadOtherwiseAreQuotedAndReadBackAsTheyWere() throws IOException {
    // A data dir with a comment sign, ": " and quotes; hosts YAML reads as a number or a boolean.
    Inventory inv =
        inventory(
            "prod.eu-1",
            List.of(member("cp-1", "10.0.0.10"), member("yes", "node-2.example.com")),
            "/var/lib/etcd #1: \"it's\" \\ here");
    String text =
        InventoryWriter.render(
            inv,
            List.of("first line", "two\nlines"),
            Map.of(
                "etcd.dataDir", "--data-dir in cp-1's etcd.yaml\nsecond: line",
                "members[1].host", "its peer URL's host"));
    Path file = Files.writeString(dir.resolve("inventory.yaml"), text);
    Inventory loaded = InventoryInitCore.checked(file, inv);
    assertThat(loaded.etcd().dataDir()).isEqualTo(inv.etcd().dataDir());
    assertThat(loaded.members()).isEqualTo(inv.members());
    assertThat(loaded.ssh().knownHosts()).isEqualTo(knownHosts);
    assertThat(text)
        .startsWith("# first line\n# two lines\n")
        .contains("host: \"10.0.0.10\"")
        .contains("- name: \"yes\"")
        .contains("clientUrl: https://10.0.0.10:2379")
        .contains("# --data-dir in cp-1's etcd.yaml second: line\n")
        .contains("host: node-2.example.com  # its peer URL's host\n");
  }

  @Test
  void controlCharactersInAValueAreEscapedNotWrittenRaw() {
    assertThat(InventoryWriter.scalar("a\nb\u0007")).isEqualTo("\"a\\u000ab\\u0007\"");
    assertThat(InventoryWriter.scalar("null")).isEqualTo("\"null\"");
    assertThat(InventoryWriter.scalar("/etc/kubernetes/pki/etcd/ca.crt"))
        .isEqualTo("/etc/kubernetes/pki/etcd/ca.crt");
  }

  @Test
  void aDraftThatDoesNotValidateWritesNothing() {
    Inventory bad = inventory("-not a name", List.of(member("cp-1", "10.0.0.10")), "/var/lib/etcd");
    String text = InventoryWriter.render(bad, List.of(), Map.of());
    Path target = dir.resolve("out.yaml");
    assertThatThrownBy(() -> InventoryInitCore.write(target, text, bad))
        .isInstanceOf(InventoryException.class)
        .hasMessageContaining("cluster");
    assertThat(target).doesNotExist();
    assertThat(dir.resolve("out.yaml.part")).doesNotExist();
  }

  @Test
  void aValidDraftIsWrittenWithoutAPartLeftAndNeverOverAnExistingFile() throws IOException {
    Inventory inv = inventory("lab", List.of(member("cp-1", "10.0.0.10")), "/var/lib/etcd");
    String text = InventoryWriter.render(inv, List.of("header"), Map.of());
    Path target = dir.resolve("out.yaml");
    Inventory loaded = InventoryInitCore.write(target, text, inv);
    assertThat(loaded.cluster()).isEqualTo("lab");
    assertThat(target).hasContent(text);
    assertThat(dir.resolve("out.yaml.part")).doesNotExist();

    // Even when the file appears between the check in run() and the write, it is not replaced.
    assertThatThrownBy(() -> InventoryInitCore.write(target, "cluster: other\n", inv))
        .isInstanceOf(InventoryException.class);
    assertThatThrownBy(() -> InventoryInitCore.write(target, text, inv))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("already exists");
    assertThat(target).hasContent(text);
    assertThat(dir.resolve("out.yaml.part")).doesNotExist();

    // A text that loads but reads back other values than the draft's is a writer bug: not written.
    Path other = dir.resolve("other.yaml");
    assertThatThrownBy(
            () -> InventoryInitCore.write(other, text.replace("cluster: lab", "cluster: x"), inv))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cluster");
    assertThat(other).doesNotExist();
  }

  @Test
  void aLeftoverPartIsNotOverwritten() throws IOException {
    Inventory inv = inventory("lab", List.of(member("cp-1", "10.0.0.10")), "/var/lib/etcd");
    Path part = Files.writeString(dir.resolve("out.yaml.part"), "someone's");
    assertThatThrownBy(
            () ->
                InventoryInitCore.write(
                    dir.resolve("out.yaml"), InventoryWriter.render(inv, List.of(), Map.of()), inv))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("out.yaml.part exists");
    assertThat(part).hasContent("someone's");
    assertThat(dir.resolve("out.yaml")).doesNotExist();
  }
}

package dev.runbook.engine.internal.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.InventoryException;
import dev.runbook.engine.api.InventoryException.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code etcd.topology: external}: the unit and the control-plane nodes apart from the members. */
class ExternalInventoryTest {

  @TempDir Path home;
  @TempDir Path dir;

  private static final String HEAD =
      """
      cluster: prod
      etcd:
        topology: %s
        access: {mode: tunnel}
      %s
      members:
        - {name: etcd-1, host: 10.0.0.11, clientUrl: https://10.0.0.11:2379, peerUrl: https://10.0.0.11:2380}
        - {name: etcd-2, host: 10.0.0.12, clientUrl: https://10.0.0.12:2379, peerUrl: https://10.0.0.12:2380}
      """;

  private static final String CONTROL_PLANE =
      """
      controlPlane:
        - {name: cp-1, host: 10.0.0.21}
        - {name: cp-2, host: 10.0.0.22, hostKeyFingerprint: SHA256:%s}
      """
          .formatted("A".repeat(43));

  private String external(String etcdExtra, String tail) {
    return HEAD.formatted("external", etcdExtra) + tail;
  }

  @Test
  void anExternalInventoryHasItsUnitAndControlPlanesApart() throws IOException {
    Inventory inv = load(external("  unit: etcd-main", CONTROL_PLANE));

    assertThat(inv.etcd().isExternal()).isTrue();
    assertThat(inv.etcd().external().unit()).isEqualTo("etcd-main.service");
    assertThat(inv.etcd().external().controlPlane())
        .containsExactly(
            new Inventory.ControlPlane("cp-1", "10.0.0.21", null),
            new Inventory.ControlPlane("cp-2", "10.0.0.22", "SHA256:" + "A".repeat(43)));
    assertThat(inv.members())
        .extracting(Inventory.Member::name)
        .containsExactly("etcd-1", "etcd-2");
  }

  @Test
  void theNodesAreTheMembersThenTheControlPlanesEachOnce() throws IOException {
    Inventory inv =
        load(
            external(
                "",
                """
                controlPlane:
                  - {name: cp-1, host: 10.0.0.21}
                  - {name: etcd-2, host: 10.0.0.12}
                """));

    // etcd-2 runs an API server too: it is one node, the member's.
    assertThat(inv.nodes())
        .extracting(Inventory.Member::name, Inventory.Member::host, Inventory.Member::clientUrl)
        .containsExactly(
            tuple("etcd-1", "10.0.0.11", inv.members().get(0).clientUrl()),
            tuple("etcd-2", "10.0.0.12", inv.members().get(1).clientUrl()),
            tuple("cp-1", "10.0.0.21", null));
    assertThat(inv.node("cp-1")).map(Inventory.Member::host).hasValue("10.0.0.21");
    assertThat(inv.node("cp-9")).isEmpty();
    assertThat(load(HEAD.formatted("stacked", "")).nodes()).isEqualTo(inv.members());
  }

  @Test
  void theUnitDefaultsToEtcdService() throws IOException {
    Inventory inv = load(external("", CONTROL_PLANE));

    assertThat(inv.etcd().external().unit()).isEqualTo("etcd.service");
  }

  @Test
  void aStackedInventoryHasNoExternalPartAndRefusesOne() throws IOException {
    assertThat(load(HEAD.formatted("stacked", "")).etcd().external()).isNull();

    List<Problem> problems = problems(HEAD.formatted("stacked", "  unit: etcd") + CONTROL_PLANE);

    assertThat(problems)
        .extracting(Problem::line, p -> p.message().substring(0, p.message().indexOf(" is for")))
        .containsExactly(tuple(5, "etcd.unit"), tuple(9, "controlPlane"));
    assertThat(problems.get(0).message()).contains("set etcd.topology: external");
  }

  @Test
  void externalNeedsControlPlanes() throws IOException {
    assertThat(problems(external("", "")))
        .extracting(Problem::message)
        .singleElement()
        .asString()
        .startsWith("controlPlane is required with etcd.topology external")
        .contains("a restore stops them first");
    assertThat(problems(external("", "controlPlane: []\n")))
        .extracting(Problem::message)
        .containsExactly(
            "controlPlane must list at least one control-plane node, like - {name: cp-1, host: 10.0.0.20}");
  }

  @Test
  void controlPlaneEntriesAreCheckedAsMembersAre() throws IOException {
    String bad =
        """
        controlPlane:
          - {name: cp-1, host: 10.0.0.21}
          - {name: cp-1, host: '-oProxyCommand=x'}
          - {name: cp-3, host: 10.0.0.21, port: 22}
          - just-a-name
        """;

    assertThat(problems(external("", bad)))
        .extracting(Problem::message)
        .containsExactly(
            "controlPlane[1].name 'cp-1' is already used on line 10: control-plane names must be unique",
            "controlPlane[1].host of control-plane node cp-1 must be a host name or an IP address"
                + " (letters, digits, '.', '-', ':', '[]'; not starting with '-'), not"
                + " '-oProxyCommand=x'",
            "controlPlane[2].host '10.0.0.21' is already used on line 10: control-plane hosts must be"
                + " unique",
            "unknown key 'port' in controlPlane[2] (did you mean host?); allowed keys: name, host,"
                + " hostKeyFingerprint",
            "controlPlane[3] must be a mapping like {name: cp-1, host: 10.0.0.20}");
  }

  @Test
  void aUnitNameThatIsNotAServiceIsRefused() throws IOException {
    assertThat(problems(external("  unit: '../etc/passwd'", CONTROL_PLANE)))
        .extracting(Problem::line, Problem::message)
        .containsExactly(
            tuple(
                5,
                "etcd.unit must be a systemd service name like etcd.service, not '../etc/passwd'"));
  }

  private Path write(String text) throws IOException {
    Path file = dir.resolve("inventory.yaml");
    Files.createDirectories(home.resolve(".ssh"));
    Files.writeString(home.resolve(".ssh/id_ed25519"), "x");
    Files.writeString(home.resolve(".ssh/known_hosts"), "x");
    Files.writeString(file, text);
    return file;
  }

  private Inventory load(String text) throws IOException {
    return InventoryLoader.load(write(text), home);
  }

  private List<Problem> problems(String text) throws IOException {
    Path file = write(text);
    return catchThrowableOfType(() -> InventoryLoader.load(file, home), InventoryException.class)
        .problems();
  }
}

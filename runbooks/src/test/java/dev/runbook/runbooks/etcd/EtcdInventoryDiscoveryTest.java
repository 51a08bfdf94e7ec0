package dev.runbook.runbooks.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.InventoryDiscovery;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The draft from recorded inputs: etcd.yaml as the lab and kubeadm 1.30 write it, and member lists
 * as {@code etcdctl member list -w json} printed them (the fields jetcd's member list has).
 */
class EtcdInventoryDiscoveryTest {

  private static final Inventory.Ssh SSH =
      new Inventory.Ssh(
          "root", 2222, Path.of("/k/id"), Path.of("/k/known_hosts"), false, Duration.ofSeconds(10));

  private static String resource(String name) throws IOException {
    try (InputStream in =
        EtcdInventoryDiscoveryTest.class.getResourceAsStream("/inventory-init/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** A recorded member list as jetcd gives it. */
  private static List<MemberClient.Listed> members(String name) throws IOException {
    List<MemberClient.Listed> out = new ArrayList<>();
    for (JsonNode m : new ObjectMapper().readTree(resource(name)).path("members")) {
      out.add(
          new MemberClient.Listed(
              new BigInteger(m.path("ID").asText()).toString(16),
              m.path("name").asText(""),
              strings(m.path("peerURLs")),
              m.path("isLearner").asBoolean(false),
              strings(m.path("clientURLs"))));
    }
    return out;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static InventoryDiscovery.Draft draft(
      String host, String manifest, String members, String cluster) throws IOException {
    return EtcdInventoryDiscovery.draft(
        new InventoryDiscovery.Seed(host, host, SSH, cluster),
        EtcdManifest.parse(resource(manifest)),
        "abc123",
        "3.5.16",
        members(members));
  }

  @Test
  void theLabsThreeMembersWithTheirUrlsAndTheSeedAtTheAddressGiven() throws IOException {
    InventoryDiscovery.Draft d =
        draft("127.0.0.11", "lab-etcd-3.5-cp-1.yaml", "members-3.5-3.json", null);
    Inventory inv = d.inventory();
    assertThat(inv.cluster()).isEqualTo("etcd-abc123");
    assertThat(inv.members())
        .extracting(Inventory.Member::name, Inventory.Member::host, m -> m.clientUrl().toString())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("cp-1", "127.0.0.11", "https://127.0.0.11:2379"),
            org.assertj.core.groups.Tuple.tuple("cp-2", "127.0.0.12", "https://127.0.0.12:2379"),
            org.assertj.core.groups.Tuple.tuple("cp-3", "127.0.0.13", "https://127.0.0.13:2379"));
    assertThat(inv.members().get(2).peerUrl()).isEqualTo(URI.create("https://127.0.0.13:2380"));
    assertThat(inv.etcd().dataDir()).isEqualTo("/var/lib/etcd");
    assertThat(inv.etcd().pki())
        .isEqualTo(
            new Inventory.Pki(
                "/etc/kubernetes/pki/etcd/ca.crt",
                "/etc/kubernetes/pki/etcd/server.crt",
                "/etc/kubernetes/pki/etcd/server.key"));
    assertThat(inv.etcd().access().mode()).isEqualTo("tunnel");
    assertThat(inv.ssh()).isEqualTo(SSH);
    assertThat(d.sources().get("members[0]")).contains("the node init read");
    assertThat(d.sources().get("members[1].host")).contains("peer URL");
    assertThat(d.sources().get("etcd.pki.cacert")).contains("--trusted-ca-file");
    assertThat(d.header()).anySatisfy(h -> assertThat(h).contains("abc123").contains("3.5.16"));
  }

  @Test
  void kubeadmsManifestMapsContainerPathsToTheNodeAndNotesLearnersAndExtraUrls()
      throws IOException {
    String manifest =
        resource("kubeadm-1.30-etcd.yaml")
            .replace("path: /etc/kubernetes/pki/etcd\n", "path: /srv/etcd-pki\n");
    InventoryDiscovery.Draft d =
        EtcdInventoryDiscovery.draft(
            new InventoryDiscovery.Seed("cp-a.example.com", "cp-a.example.com", SSH, "prod-eu-1"),
            EtcdManifest.parse(manifest),
            "ef01",
            "3.5.15",
            members("members-kubeadm-3.json"));
    Inventory inv = d.inventory();
    assertThat(inv.cluster()).isEqualTo("prod-eu-1");
    assertThat(inv.members())
        .extracting(Inventory.Member::name)
        .containsExactly("master-a", "master-b", "master-c");
    assertThat(inv.members())
        .extracting(Inventory.Member::host)
        .containsExactly("cp-a.example.com", "10.0.0.11", "10.0.0.12");
    // The data dir is the container's --data-dir (the restore keeps it); its hostPath is noted.
    assertThat(inv.etcd().dataDir()).isEqualTo("/var/lib/etcd");
    assertThat(d.sources().get("etcd.dataDir")).contains("hostPath /data/etcd");
    assertThat(inv.etcd().pki().cacert()).isEqualTo("/srv/etcd-pki/ca.crt");
    assertThat(inv.etcd().pki().key()).isEqualTo("/srv/etcd-pki/server.key");
    assertThat(d.sources().get("etcd.pki.cert"))
        .contains("/etc/kubernetes/pki/etcd/server.crt in the container");
    assertThat(d.sources().get("members[1]")).contains("learner");
    assertThat(d.sources().get("members[2].clientUrl")).contains("first of 2");
  }

  @Test
  void aMemberAddedButNotStartedIsBadInputNamingIt() {
    assertThatThrownBy(
            () -> draft("10.0.0.10", "kubeadm-1.30-etcd.yaml", "members-unstarted.json", null))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining(new BigInteger("5006289876533226231").toString(16))
        .hasMessageContaining("https://10.0.0.13:2380")
        .hasMessageContaining("not started");
  }

  @Test
  void aManifestOfAnotherMemberOrWithoutNameIsBadInput() throws IOException {
    assertThatThrownBy(
            () -> draft("10.0.0.10", "kubeadm-1.30-etcd.yaml", "members-3.5-3.json", null))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("does not name its own member master-a");
    String noName = resource("kubeadm-1.30-etcd.yaml").replace("    - --name=master-a\n", "");
    assertThatThrownBy(
            () -> EtcdInventoryDiscovery.Local.of(EtcdManifest.parse(noName), "10.0.0.10:22"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("no --name");
    String certOffMount =
        resource("kubeadm-1.30-etcd.yaml")
            .replace(
                "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
                "--trusted-ca-file=/opt/ca.crt");
    assertThatThrownBy(
            () -> EtcdInventoryDiscovery.Local.of(EtcdManifest.parse(certOffMount), "10.0.0.10:22"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("--trusted-ca-file=/opt/ca.crt is not under any hostPath volume");
  }

  /** An external member's unit, flags style, as the lab writes it for cp-1. */
  private static final String FLAGS_UNIT =
      """
      # /etc/systemd/system/etcd.service
      [Service]
      Type=notify
      ExecStart=/usr/local/bin/etcd \\
        --name cp-1 \\
        --data-dir=/srv/etcd \\
        --advertise-client-urls=https://127.0.0.11:2379 \\
        --cert-file=/etc/etcd/pki/server.crt \\
        --key-file=/etc/etcd/pki/server.key \\
        --trusted-ca-file=/etc/etcd/pki/ca.crt
      """;

  private static final Inventory.External CONTROL_PLANES =
      new Inventory.External(
          "etcd.service", List.of(new Inventory.ControlPlane("api-1", "127.0.0.21", null)));

  private static InventoryDiscovery.Draft external(EtcdUnit unit) throws IOException {
    return EtcdInventoryDiscovery.draftExternal(
        new InventoryDiscovery.Seed("127.0.0.11", "127.0.0.11", SSH, null, CONTROL_PLANES),
        unit,
        "abc123",
        "3.5.16",
        members("members-3.5-3.json"));
  }

  @Test
  void externalEtcdIsDraftedFromTheSeedsUnitAndTheMemberListWithTheControlPlanesGiven()
      throws IOException {
    InventoryDiscovery.Draft d = external(EtcdUnit.parse("etcd.service", FLAGS_UNIT, f -> null));
    Inventory inv = d.inventory();
    assertThat(inv.etcd().topology()).isEqualTo("external");
    assertThat(inv.etcd().external()).isEqualTo(CONTROL_PLANES);
    assertThat(inv.etcd().dataDir()).isEqualTo("/srv/etcd");
    assertThat(inv.etcd().pki())
        .isEqualTo(
            new Inventory.Pki(
                "/etc/etcd/pki/ca.crt", "/etc/etcd/pki/server.crt", "/etc/etcd/pki/server.key"));
    assertThat(inv.etcd().access().mode()).isEqualTo("tunnel");
    assertThat(inv.members())
        .extracting(Inventory.Member::name, Inventory.Member::host)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("cp-1", "127.0.0.11"),
            org.assertj.core.groups.Tuple.tuple("cp-2", "127.0.0.12"),
            org.assertj.core.groups.Tuple.tuple("cp-3", "127.0.0.13"));
    // Each value says where in the unit it was read.
    assertThat(d.sources().get("etcd.dataDir"))
        .isEqualTo("--data-dir in ExecStart of /etc/systemd/system/etcd.service");
    assertThat(d.sources().get("etcd.pki.cacert"))
        .isEqualTo("--trusted-ca-file in ExecStart of /etc/systemd/system/etcd.service");
    assertThat(d.sources().get("etcd.unit")).contains("from --unit");
    assertThat(d.sources().get("controlPlane[0].host")).isEqualTo("from --control-plane");
    assertThat(d.header())
        .anySatisfy(
            h -> assertThat(h).contains("its systemd unit etcd.service").contains("abc123"));
  }

  @Test
  void anEnvironmentFileUnitNotesTheFileAndAUnitWithoutCertificatesIsRefused() throws IOException {
    String envUnit =
        "# /etc/systemd/system/etcd.service\n[Service]\nEnvironmentFile=/etc/etcd/etcd.conf\n"
            + "ExecStart=/usr/local/bin/etcd\n";
    String env =
        "ETCD_NAME=cp-1\nETCD_DATA_DIR=/var/lib/etcd\n"
            + "ETCD_ADVERTISE_CLIENT_URLS=https://127.0.0.11:2379,https://10.0.0.11:2379\n"
            + "ETCD_CERT_FILE=/p/server.crt\nETCD_KEY_FILE=/p/server.key\n"
            + "ETCD_TRUSTED_CA_FILE=/p/ca.crt\n";
    InventoryDiscovery.Draft d = external(EtcdUnit.parse("etcd.service", envUnit, f -> env));
    assertThat(d.sources().get("etcd.dataDir")).isEqualTo("ETCD_DATA_DIR in /etc/etcd/etcd.conf");
    assertThat(d.inventory().etcd().pki().cert()).isEqualTo("/p/server.crt");
    assertThat(d.header())
        .anySatisfy(h -> assertThat(h).contains("environment files /etc/etcd/etcd.conf"));

    EtcdUnit noCa =
        EtcdUnit.parse(
            "etcd.service", FLAGS_UNIT.replace("--trusted-ca-file=", "--x-ca="), f -> null);
    assertThatThrownBy(() -> external(noCa))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("no absolute --trusted-ca-file (nor ETCD_TRUSTED_CA_FILE)");

    EtcdUnit otherName =
        EtcdUnit.parse(
            "etcd.service", FLAGS_UNIT.replace("--name cp-1", "--name etcd-9"), f -> null);
    assertThatThrownBy(() -> external(otherName))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("does not name its own member etcd-9")
        .hasMessageContaining("--name in ExecStart of /etc/systemd/system/etcd.service");
  }
}

package dev.runbook.engine.internal.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.InventoryException;
import dev.runbook.engine.api.InventoryException.Problem;
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

class InventoryLoaderTest {

  @TempDir Path dir;

  /** Stands in for the user's home: holds ~/.ssh/id_ed25519 and ~/.ssh/known_hosts. */
  @TempDir Path home;

  private static final String LAB =
      """
      cluster: lab
      ssh: {user: root, port: 2222, identityFile: /LAB/id_ed25519, knownHosts: /LAB/known_hosts, sudo: false}
      etcd:
        topology: stacked
        manifestDir: /etc/kubernetes/manifests
        dataDir: /var/lib/etcd
        pki: {cacert: /etc/kubernetes/pki/etcd/ca.crt, cert: /etc/kubernetes/pki/etcd/server.crt, key: /etc/kubernetes/pki/etcd/server.key}
        access: {mode: direct, cacert: /LAB/pki/ca.crt, cert: /LAB/pki/commander.crt, key: /LAB/pki/commander.key}
      members:
        - {name: cp-1, host: 127.0.0.11, clientUrl: https://127.0.0.11:2379, peerUrl: https://127.0.0.11:2380}
      validate:
        marker: {key: /registry/configmaps/etcd-lab/restore-marker, contains: before-snapshot}
      """;

  /** The smallest valid inventory: everything else defaults. */
  private static final String MINIMAL =
      """
      cluster: prod-eu-1
      etcd:
        access: {mode: tunnel}
      members:
        - {name: cp-1, host: 10.0.0.10, clientUrl: https://10.0.0.10:2379, peerUrl: https://10.0.0.10:2380}
      """;

  @BeforeEach
  void files() throws IOException {
    for (String name :
        List.of(
            "id_ed25519", "known_hosts", "pki/ca.crt", "pki/commander.crt", "pki/commander.key")) {
      touch(dir.resolve(name));
    }
    touch(home.resolve(".ssh/id_ed25519"));
    touch(home.resolve(".ssh/known_hosts"));
  }

  @Test
  void theLabInventoryLoadsWithExactValues() throws IOException {
    Inventory inv = load(lab());

    assertThat(inv.source()).isEqualTo(dir.resolve("inventory.yaml"));
    assertThat(inv.cluster()).isEqualTo("lab");
    assertThat(inv.ssh())
        .isEqualTo(
            new Inventory.Ssh(
                "root",
                2222,
                dir.resolve("id_ed25519"),
                dir.resolve("known_hosts"),
                false,
                Duration.ofSeconds(10)));
    assertThat(inv.etcd())
        .isEqualTo(
            new Inventory.Etcd(
                "stacked",
                "/etc/kubernetes/manifests",
                "/var/lib/etcd",
                new Inventory.Pki(
                    "/etc/kubernetes/pki/etcd/ca.crt",
                    "/etc/kubernetes/pki/etcd/server.crt",
                    "/etc/kubernetes/pki/etcd/server.key"),
                new Inventory.Access(
                    "direct",
                    dir.resolve("pki/ca.crt"),
                    dir.resolve("pki/commander.crt"),
                    dir.resolve("pki/commander.key"))));
    assertThat(inv.members())
        .containsExactly(
            new Inventory.Member(
                "cp-1",
                "127.0.0.11",
                URI.create("https://127.0.0.11:2379"),
                URI.create("https://127.0.0.11:2380"),
                null));
    assertThat(inv.validate())
        .isEqualTo(
            new Inventory.Validate(
                new Inventory.Marker(
                    "/registry/configmaps/etcd-lab/restore-marker", "before-snapshot")));
    assertThat(inv.roles()).isEmpty();
    assertThat(inv.secretPatterns()).isEmpty();
  }

  @Test
  void theApiEntryPointReadsTheSameFile() throws IOException {
    assertThat(Inventory.load(write(lab())).cluster()).isEqualTo("lab");
  }

  @Test
  void defaultsApplyToWhatIsLeftOut() throws IOException {
    Inventory inv = load(MINIMAL);

    assertThat(inv.ssh())
        .isEqualTo(
            new Inventory.Ssh(
                "root",
                22,
                home.resolve(".ssh/id_ed25519"),
                home.resolve(".ssh/known_hosts"),
                false,
                Duration.ofSeconds(10)));
    assertThat(inv.etcd())
        .isEqualTo(
            new Inventory.Etcd(
                "stacked",
                "/etc/kubernetes/manifests",
                "/var/lib/etcd",
                new Inventory.Pki(
                    "/etc/kubernetes/pki/etcd/ca.crt",
                    "/etc/kubernetes/pki/etcd/server.crt",
                    "/etc/kubernetes/pki/etcd/server.key"),
                new Inventory.Access("tunnel", null, null, null)));
    assertThat(inv.validate()).isEqualTo(new Inventory.Validate(null));
    assertThat(inv.roles()).isEmpty();
    assertThat(inv.secretPatterns()).isEmpty();
  }

  @Test
  void optionalKeysAreRead() throws IOException {
    String fingerprint = "SHA256:" + "A".repeat(42) + "/";
    Inventory inv =
        load(
            """
            cluster: c
            ssh: {connectTimeout: 3, sudo: true, user: ops, identityFile: id_ed25519, knownHosts: ./known_hosts}
            etcd: {topology: external, access: {mode: tunnel}}
            members:
              - {name: a, host: h1, clientUrl: 'http://h1:2379/', peerUrl: http://h1:2380, hostKeyFingerprint: %s}
            controlPlane:
              - {name: cp-a, host: h2}
            roles: {etcd-admin: [bob, carol], viewer: []}
            secrets: {patterns: ["password=\\\\S+", '--key=\\S+']}
            """
                .formatted(fingerprint));

    assertThat(inv.ssh().connectTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(inv.ssh().sudo()).isTrue();
    assertThat(inv.ssh().user()).isEqualTo("ops");
    assertThat(inv.ssh().identityFile()).isEqualTo(dir.resolve("id_ed25519"));
    assertThat(inv.ssh().knownHosts()).isEqualTo(dir.resolve("known_hosts"));
    assertThat(inv.etcd().topology()).isEqualTo("external");
    assertThat(inv.member("a").orElseThrow().pinnedFingerprint()).contains(fingerprint);
    assertThat(inv.roles())
        .isEqualTo(Map.of("etcd-admin", List.of("bob", "carol"), "viewer", List.of()));
    assertThat(inv.secretPatterns()).containsExactly("password=\\S+", "--key=\\S+");
  }

  @Test
  void relativePathsResolveAgainstTheInventoryDirectory() throws IOException {
    Path sub = Files.createDirectories(dir.resolve("inv"));
    touch(sub.resolve("keys/id"));
    Path file = sub.resolve("cluster.yaml");
    Files.writeString(
        file,
        MINIMAL.replace(
            "etcd:", "ssh: {identityFile: keys/id, knownHosts: ../known_hosts}\netcd:"));

    Inventory inv = InventoryLoader.load(dir.resolve("inv/../inv/./cluster.yaml"), home);

    assertThat(inv.source()).isEqualTo(file);

    assertThat(inv.ssh().identityFile()).isEqualTo(sub.resolve("keys/id"));
    assertThat(inv.ssh().knownHosts()).isEqualTo(dir.resolve("known_hosts"));
  }

  @Test
  void theResultIsImmutable() throws IOException {
    Inventory inv = load(MINIMAL.replace("members:", "roles: {admin: [a]}\nmembers:"));

    assertThatThrownBy(() -> inv.members().clear())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> inv.roles().put("x", List.of()))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> inv.roles().get("admin").add("b"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  // ---- one problem per rule, at its line ----

  @Test
  void anUnknownKeyIsNamedWithTheKeysAllowedThere() throws IOException {
    Problem p =
        only(
            lab()
                .replace(
                    "knownHosts: " + dir + "/known_hosts",
                    "knownHosts: " + dir + "/known_hosts, knowHosts: x"));

    assertThat(p.line()).isEqualTo(2);
    assertThat(p.message())
        .contains("unknown key 'knowHosts' in ssh (did you mean knownHosts?)")
        .contains("allowed keys: user, port, identityFile, knownHosts, sudo, connectTimeout");
  }

  @Test
  void approvalNamesAnAllowedSignersFileWhoseBadLinesAreReportedWhereTheyAre() throws IOException {
    Files.writeString(dir.resolve("allowed_signers"), "# team\nalice ssh-ed25519\n");
    List<Problem> problems =
        catchThrowableOfType(
                () -> load(MINIMAL + "approval: {allowedSigners: allowed_signers}\n"),
                InventoryException.class)
            .problems();

    assertThat(problems)
        .extracting(p -> p.file().getFileName().toString(), Problem::line)
        .containsExactly(tuple("allowed_signers", 2));
    assertThat(problems.get(0).message()).contains("the line needs the key's base64");
  }

  @Test
  void approvalIdentityIsSignedOrUnsignedAndUnsignedNamesNoFile() throws IOException {
    assertThat(problems(MINIMAL + "approval: {identity: maybe}\n"))
        .extracting(Problem::message)
        .containsExactly("approval.identity must be signed or unsigned, not 'maybe'");
    assertThat(problems(MINIMAL + "approval: {identity: signed}\n"))
        .extracting(Problem::message)
        .allMatch(m -> m.startsWith("approval.allowedSigners is required for signed identities"));
    Files.writeString(dir.resolve("allowed_signers"), "");
    assertThat(
            problems(MINIMAL + "approval: {identity: unsigned, allowedSigners: allowed_signers}\n"))
        .extracting(Problem::message)
        .allMatch(m -> m.contains("would not be used"));
  }

  @Test
  void unknownKeysAreFoundAtEveryLevel() throws IOException {
    List<Problem> problems =
        problems(
            MINIMAL
                .replace("cluster: prod-eu-1", "cluster: prod-eu-1\nclsuter: x")
                .replace("{mode: tunnel}", "{mode: tunnel, foo: 1}")
                .replace("name: cp-1,", "name: cp-1, nmae: x,"));

    assertThat(problems)
        .extracting(Problem::line, Problem::message)
        .containsExactly(
            tuple(
                2,
                "unknown key 'clsuter' at the top level (did you mean cluster?); allowed keys:"
                    + " cluster, ssh, etcd, members, controlPlane, validate, roles, secrets,"
                    + " approval, objectStore"),
            tuple(4, "unknown key 'foo' in etcd.access; allowed keys: mode, cacert, cert, key"),
            tuple(
                6,
                "unknown key 'nmae' in members[0] (did you mean name?); allowed keys: name, host,"
                    + " clientUrl, peerUrl, hostKeyFingerprint"));
  }

  @Test
  void aPortOutsideTheRangeOrNotANumberIsReported() throws IOException {
    Problem p = only(MINIMAL.replace("etcd:", "ssh:\n  port: 70000\netcd:"));

    assertThat(p.line()).isEqualTo(3);
    assertThat(p.column()).isEqualTo(9);
    assertThat(p.message())
        .isEqualTo("ssh.port must be a whole number from 1 to 65535, not '70000'");
    assertThat(only(MINIMAL.replace("etcd:", "ssh: {port: ssh}\netcd:")).message())
        .contains("not 'ssh'");
  }

  @Test
  void sudoMustBeABoolean() throws IOException {
    Problem p = only(MINIMAL.replace("etcd:", "ssh: {sudo: yes}\netcd:"));

    assertThat(p.line()).isEqualTo(2);
    assertThat(p.message()).isEqualTo("ssh.sudo must be true or false, not 'yes'");
  }

  @Test
  void aMissingClusterIsReportedAtTheTop() throws IOException {
    Problem p = only(MINIMAL.replace("cluster: prod-eu-1\n", "# no cluster\n"));

    assertThat(p.line()).isEqualTo(2);
    assertThat(p.column()).isEqualTo(1);
    assertThat(p.message()).startsWith("cluster is required: the cluster's name");
  }

  @Test
  void theClusterNameIsRestrictedToFileNameCharacters() throws IOException {
    Problem p = only(MINIMAL.replace("cluster: prod-eu-1", "cluster: ../prod eu"));

    assertThat(p.line()).isEqualTo(1);
    assertThat(p.message()).contains("not '../prod eu'");
    assertThat(only(MINIMAL.replace("cluster: prod-eu-1", "cluster: ''")).message())
        .startsWith("cluster must not be empty");
  }

  @Test
  void duplicateMemberNamesAndHostsAreReportedAtTheSecondOne() throws IOException {
    List<Problem> problems =
        problems(
            MINIMAL
                + """
                  - {name: cp-2, host: 10.0.0.11, clientUrl: https://10.0.0.11:2379, peerUrl: https://10.0.0.11:2380}
                  - {name: cp-1, host: 10.0.0.11, clientUrl: https://10.0.0.12:2379, peerUrl: https://10.0.0.12:2380}
                """);

    assertThat(problems)
        .extracting(Problem::line, Problem::message)
        .containsExactly(
            tuple(
                7, "members[2].name 'cp-1' is already used on line 5: member names must be unique"),
            tuple(
                7, "members[2].host '10.0.0.11' is already used on line 6: hosts must be unique"));
  }

  @Test
  void memberUrlsMustBeHttpOrHttpsWithAPort() throws IOException {
    List<Problem> problems =
        problems(
            MINIMAL
                + """
                  - name: cp-2
                    host: 10.0.0.11
                    clientUrl: https://10.0.0.11
                    peerUrl: ftp://10.0.0.11:2380
                  - {name: cp-3, host: h3, clientUrl: 'https://h3:2379/path', peerUrl: 'h3:2380'}
                """);

    assertThat(problems)
        .extracting(Problem::line, Problem::column)
        .containsExactly(tuple(8, 16), tuple(9, 14), tuple(10, 39), tuple(10, 72));
    assertThat(problems.get(0).message())
        .isEqualTo(
            "members[1].clientUrl must be an absolute http:// or https:// URL with a host and a"
                + " port, like https://10.0.0.10:2379, not 'https://10.0.0.11'");
  }

  @Test
  void aHostIsANameOrAnAddressAndNothingAShellOrSshCouldReadAsMore() throws IOException {
    int line = (int) MINIMAL.lines().count() + 1;
    for (String bad :
        List.of(
            "'h1|reboot'",
            "'h1;id'",
            "'-oProxyCommand=x'",
            "'h1 h2'",
            "'$(id)'",
            "'`id`'",
            "\"h1'x\"",
            "'h1\"x'",
            "\"h1\\nid\"",
            "'h1&id'",
            "'h1>x'",
            "'a[b'",
            "'[h1]'",
            "'[fd00::1'")) {
      List<Problem> problems =
          problems(
              MINIMAL
                  + "  - {name: cp-2, host: "
                  + bad
                  + ", clientUrl: https://10.0.0.11:2379, peerUrl: https://10.0.0.11:2380}\n");
      assertThat(problems)
          .as(bad)
          .filteredOn(p -> p.message().contains(".host"))
          .singleElement()
          .satisfies(
              p -> {
                assertThat(p.line()).isEqualTo(line);
                assertThat(p.message())
                    .startsWith("members[1].host of member cp-2 must be a host name or an IP")
                    .doesNotContain("\n");
              });
    }
    for (String good :
        List.of(
            "cp-2.example.org", "10.0.0.11", "fd00::11", "'[fd00::11]'", "'::1'", "fe80::1%eth0")) {
      Inventory inv =
          load(
              MINIMAL
                  + "  - {name: cp-2, host: "
                  + good
                  + ", clientUrl: https://10.0.0.11:2379, peerUrl: https://10.0.0.11:2380}\n");
      assertThat(inv.members().get(1).host()).as(good).isEqualTo(good.replace("'", ""));
    }
  }

  @Test
  void membersMustBeANonEmptyListOfCompleteMappings() throws IOException {
    String withoutMembers = MINIMAL.substring(0, MINIMAL.indexOf("members:"));
    assertThat(only(withoutMembers).message()).startsWith("members is required");
    assertThat(only(withoutMembers + "members: []\n").message())
        .isEqualTo("members must list at least one etcd member");
    assertThat(only(withoutMembers + "members: {name: a}\n").message())
        .startsWith("members must be a list");
    assertThat(problems(withoutMembers + "members:\n  - {name: a}\n  - just-a-host\n"))
        .extracting(Problem::line, Problem::message)
        .containsExactly(
            tuple(
                5,
                "members[0].host is required: the address the engine reaches the member at over SSH"),
            tuple(
                5,
                "members[0].clientUrl is required: the member's URL, like https://10.0.0.10:2379"),
            tuple(
                5, "members[0].peerUrl is required: the member's URL, like https://10.0.0.10:2380"),
            tuple(
                6,
                "members[1] must be a mapping like {name: cp-1, host: 10.0.0.10, clientUrl: ...,"
                    + " peerUrl: ...}"));
  }

  @Test
  void topologyAndAccessModeAreChoices() throws IOException {
    List<Problem> problems =
        problems(MINIMAL.replace("etcd:", "etcd:\n  topology: systemd").replace("tunnel", "ssh"));

    assertThat(problems)
        .extracting(Problem::line, Problem::message)
        .containsExactly(
            tuple(3, "etcd.topology must be stacked or external, not 'systemd'"),
            tuple(4, "etcd.access.mode must be direct or tunnel, not 'ssh'"));
  }

  @Test
  void directAccessNeedsTheThreeLocalCertificateFiles() throws IOException {
    List<Problem> problems =
        problems(MINIMAL.replace("{mode: tunnel}", "{mode: direct, cacert: nope.crt}"));

    assertThat(problems)
        .extracting(Problem::line, Problem::message)
        .containsExactly(
            tuple(
                3,
                "etcd.access.cert is required: set etcd.access.cert to a client certificate the"
                    + " etcd CA signed (or use access mode tunnel to read the certificates from"
                    + " the node)"),
            tuple(
                3,
                "etcd.access.key is required: set etcd.access.key to the client certificate's"
                    + " private key (or use access mode tunnel to read the certificates from the"
                    + " node)"),
            tuple(
                3,
                "CA certificate file "
                    + dir.resolve("nope.crt")
                    + " does not exist: set etcd.access.cacert to the etcd CA certificate (or use"
                    + " access mode tunnel to read the certificates from the node)"));
  }

  @Test
  void withoutAccessTheEngineGoesThroughSsh() throws IOException {
    assertThat(
            load(MINIMAL.replace("  access: {mode: tunnel}\n", "  dataDir: /d\n"))
                .etcd()
                .access()
                .mode())
        .isEqualTo("tunnel");
  }

  @Test
  void tunnelAccessTakesNoLocalCertificates() throws IOException {
    Problem p = only(MINIMAL.replace("{mode: tunnel}", "{mode: tunnel, cacert: pki/ca.crt}"));

    assertThat(p.line()).isEqualTo(3);
    assertThat(p.message()).startsWith("etcd.access.cacert is not used with access mode tunnel");
  }

  @Test
  void pathsOnTheNodesMustBeAbsolute() throws IOException {
    List<Problem> problems =
        problems(
            MINIMAL.replace(
                "etcd:",
                "etcd:\n  dataDir: var/lib/etcd\n  pki: {cacert: ca.crt}\n  manifestDir: /m"));

    assertThat(problems)
        .extracting(Problem::line, Problem::message)
        .containsExactly(
            tuple(
                3,
                "etcd.dataDir is a path on the nodes and must be absolute (start with /), not"
                    + " 'var/lib/etcd'"),
            tuple(
                4,
                "etcd.pki.cacert is a path on the nodes and must be absolute (start with /), not"
                    + " 'ca.crt'"));
  }

  @Test
  void localSshFilesMustExist() throws IOException {
    Files.delete(home.resolve(".ssh/known_hosts"));
    List<Problem> problems = problems(MINIMAL.replace("etcd:", "ssh: {identityFile: /x}\netcd:"));

    assertThat(problems)
        .extracting(Problem::line, Problem::message)
        .containsExactly(
            tuple(
                2,
                "known_hosts file "
                    + home.resolve(".ssh/known_hosts")
                    + " does not exist: set ssh.knownHosts to an OpenSSH known_hosts file that"
                    + " lists the nodes' host keys"),
            tuple(2, "identity file /x does not exist: set ssh.identityFile to your private key"));
    touch(home.resolve(".ssh/known_hosts"));
    assertThat(only(MINIMAL.replace("etcd:", "ssh: {identityFile: pki}\netcd:")).message())
        .isEqualTo(
            "identity file "
                + dir.resolve("pki")
                + " is not a file: set ssh.identityFile to your private key");
  }

  @Test
  void aPinnedFingerprintMustLookLikeSshKeygenOutput() throws IOException {
    Problem p = only(MINIMAL.replace("peerUrl:", "hostKeyFingerprint: 'MD5:aa:bb', peerUrl:"));

    assertThat(p.line()).isEqualTo(5);
    assertThat(p.message()).contains("members[0].hostKeyFingerprint must look like SHA256:");
  }

  @Test
  void secretPatternsMustCompile() throws IOException {
    Problem p = only(MINIMAL + "secrets:\n  patterns:\n    - 'ok'\n    - 'pass(word'\n");

    assertThat(p.line()).isEqualTo(9);
    assertThat(p.message()).startsWith("secrets.patterns entry 'pass(word' is not a Java regular");
  }

  @Test
  void rolesMapToListsOfNames() throws IOException {
    Problem p = only(MINIMAL + "roles:\n  etcd-admin: bob\n");

    assertThat(p.line()).isEqualTo(7);
    assertThat(p.message())
        .isEqualTo("roles.etcd-admin must be a list of names, like [bob, carol]");
  }

  @Test
  void aValidationMarkerNeedsAKeyAndAText() throws IOException {
    List<Problem> problems = problems(MINIMAL + "validate:\n  marker: {key: ''}\n");

    assertThat(problems)
        .extracting(Problem::line, Problem::message)
        .containsExactly(
            tuple(
                7,
                "validate.marker.contains is required: the text the marker key's value must"
                    + " contain after a restore"),
            tuple(
                7,
                "validate.marker.key must not be empty: the etcd key whose value proves the"
                    + " restore worked"));
  }

  @Test
  void aDuplicateKeyIsReported() throws IOException {
    Problem p = only(MINIMAL.replace("cluster: prod-eu-1", "cluster: prod-eu-1\ncluster: other"));

    assertThat(p.line()).isEqualTo(2);
    assertThat(p.message()).isEqualTo("duplicate key cluster (first on line 1): remove one");
  }

  @Test
  void anSshUserMustBeAName() throws IOException {
    assertThat(only(MINIMAL.replace("etcd:", "ssh: {user: ''}\netcd:")).message())
        .isEqualTo("ssh.user must be a user name, not ''");
  }

  @Test
  void aConnectTimeoutMustBePositive() throws IOException {
    assertThat(only(MINIMAL.replace("etcd:", "ssh: {connectTimeout: 0}\netcd:")).message())
        .isEqualTo("ssh.connectTimeout must be a whole number from 1 to 3600, not '0'");
  }

  // ---- all at once, and files that are not inventories ----

  @Test
  void everyProblemIsReportedAtOnce() throws IOException {
    String text =
        lab()
            .replace("cluster: lab\n", "")
            .replace("port: 2222", "port: -1")
            .replace("https://127.0.0.11:2380", "https://127.0.0.11");

    assertThatThrownBy(() -> load(text))
        .isInstanceOfSatisfying(
            InventoryException.class,
            e -> {
              assertThat(e.problems()).extracting(Problem::line).containsExactlyInAnyOrder(1, 1, 9);
              assertThat(e.problems())
                  .extracting(Problem::message)
                  .anySatisfy(m -> assertThat(m).startsWith("cluster is required"))
                  .anySatisfy(m -> assertThat(m).startsWith("ssh.port must be"))
                  .anySatisfy(m -> assertThat(m).startsWith("members[0].peerUrl must be"));
              assertThat(e.getMessage())
                  .startsWith(
                      "invalid inventory (3 problems):\n  "
                          + dir.resolve("inventory.yaml")
                          + ":1:1: ");
            });
  }

  @Test
  void aYamlSyntaxErrorIsReportedAtItsLine() throws IOException {
    Problem p = only("cluster: lab\nssh: {user: root\netcd: {}\n");

    assertThat(p.line()).isEqualTo(3);
    assertThat(p.message()).startsWith("not valid YAML: ");
  }

  @Test
  void theTopLevelMustBeAMapping() throws IOException {
    Problem p = only("- cluster: lab\n");

    assertThat(p.line()).isEqualTo(1);
    assertThat(p.message()).startsWith("expected a mapping of keys");
    assertThat(only("").message()).startsWith("inventory file is empty");
  }

  @Test
  void aMissingFileIsOneProblemWithoutALine() {
    Path missing = dir.resolve("nope.yaml");

    assertThatThrownBy(() -> InventoryLoader.load(missing, home))
        .isInstanceOfSatisfying(
            InventoryException.class,
            e ->
                assertThat(e.problems())
                    .containsExactly(new Problem(missing, 0, 0, "inventory file does not exist")))
        .hasMessage("invalid inventory: " + missing + ": inventory file does not exist");
  }

  // ---- helpers ----

  private String lab() {
    return LAB.replace("/LAB", dir.toString());
  }

  private Path write(String text) throws IOException {
    return Files.writeString(dir.resolve("inventory.yaml"), text);
  }

  private Inventory load(String text) throws IOException {
    return InventoryLoader.load(write(text), home);
  }

  private List<Problem> problems(String text) throws IOException {
    Path file = write(text);
    try {
      InventoryLoader.load(file, home);
    } catch (InventoryException e) {
      assertThat(e.problems()).allSatisfy(p -> assertThat(p.file()).isEqualTo(file));
      return e.problems();
    }
    throw new AssertionError("expected problems in:\n" + text);
  }

  private Problem only(String text) throws IOException {
    List<Problem> problems = problems(text);
    assertThat(problems).hasSize(1);
    return problems.get(0);
  }

  private static void touch(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, "x");
  }
}

package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code inventory init}'s bad input, without a node: exit 2 and nothing written. */
class InventoryCommandTest {

  @TempDir Path tmp;
  Cli cli;
  Path key;
  Path knownHosts;

  @BeforeEach
  void setUp() throws Exception {
    cli = new Cli(tmp.resolve("home"));
    key = tmp.resolve("id_ed25519");
    Process p =
        new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString())
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor()).isZero();
    knownHosts = Files.writeString(tmp.resolve("known_hosts"), "");
  }

  private Cli.Result init(String ssh, int port, Path out, String... more) {
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "inventory",
                "init",
                "--ssh",
                ssh,
                "--port",
                Integer.toString(port),
                "--identity",
                key.toString(),
                "--known-hosts",
                knownHosts.toString(),
                "--out",
                out.toString()));
    args.addAll(java.util.List.of(more));
    return cli.run(args.toArray(String[]::new));
  }

  @Test
  void externalEtcdOptionsThatDoNotFitAreRefusedBeforeAnyConnection() {
    Path out = tmp.resolve("inv.yaml");
    // Port 1: were anything connected to, the error would be an SSH one.
    Cli.Result noCp = init("root@127.0.0.1", 1, out, "--topology", "external");
    assertThat(noCp.code()).as(noCp.toString()).isEqualTo(2);
    assertThat(noCp.err()).contains("--control-plane cp-1=10.0.0.21");
    Cli.Result badCp =
        init("root@127.0.0.1", 1, out, "--topology", "external", "--control-plane", "cp-1=-oX");
    assertThat(badCp.code()).as(badCp.toString()).isEqualTo(2);
    assertThat(badCp.err()).contains("--control-plane must be NAME=HOST or HOST, like");
    Cli.Result stacked = init("root@127.0.0.1", 1, out, "--control-plane", "cp-1=h");
    assertThat(stacked.code()).as(stacked.toString()).isEqualTo(2);
    assertThat(stacked.err()).contains("are for --topology external");
    Cli.Result other = init("root@127.0.0.1", 1, out, "--topology", "kubespray");
    assertThat(other.code()).as(other.toString()).isEqualTo(2);
    assertThat(other.err()).contains("--topology must be stacked or external, not 'kubespray'");
    assertThat(noCp.err() + badCp.err() + stacked.err() + other.err()).doesNotContain("SSH-");
    assertThat(out).doesNotExist();
  }

  @Test
  void aMalformedSshTargetIsRefusedBeforeAnyConnection() {
    Path out = tmp.resolve("inv.yaml");
    Cli.Result r = init("127.0.0.1", 22, out);
    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("--ssh must be USER@HOST").contains("'127.0.0.1'");
    assertThat(out).doesNotExist();
    assertThat(cli.run("inventory", "init").code()).isEqualTo(2);
  }

  @Test
  void anUnreachableHostExitsTwoAndWritesNothing() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    Path out = tmp.resolve("inv.yaml");
    Cli.Result r = init("root@127.0.0.1", closed, out);
    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.err())
        .contains("SSH-005 cannot reach 127.0.0.1:" + closed)
        .contains("nothing was written");
    assertThat(out).doesNotExist();
    assertThat(tmp.resolve("inv.yaml.part")).doesNotExist();
  }

  @Test
  void anExistingOutFileIsNeverTouched() throws IOException {
    Path out = Files.writeString(tmp.resolve("inv.yaml"), "mine\n");
    Cli.Result r = init("root@127.0.0.1", 22, out);
    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains(out + " already exists");
    assertThat(out).hasContent("mine");
    Cli.Result noDir = init("root@127.0.0.1", 22, tmp.resolve("no/such/dir/inv.yaml"));
    assertThat(noDir.code()).isEqualTo(2);
    assertThat(noDir.err()).contains("does not exist");
  }
}

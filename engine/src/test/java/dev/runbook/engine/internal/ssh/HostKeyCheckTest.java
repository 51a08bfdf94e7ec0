package dev.runbook.engine.internal.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.engine.internal.ssh.HostKeyCheck.Verdict;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Base64;
import java.util.List;
import net.schmizz.sshj.common.Buffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host-key policy against known_hosts files written as OpenSSH writes them. */
class HostKeyCheckTest {

  @TempDir static Path dir;
  static Path hostKey;
  static Path otherKey;

  @BeforeAll
  static void keys() throws Exception {
    hostKey = keygen("host");
    otherKey = keygen("other");
  }

  @Test
  void fingerprintIsTheOneSshKeygenPrints() throws Exception {
    String keygen = run("ssh-keygen", "-l", "-E", "sha256", "-f", hostKey + ".pub").split(" ")[1];
    assertThat(HostKeyCheck.fingerprint(publicKey(hostKey))).isEqualTo(keygen);
    assertThat(HostKeyCheck.lineFingerprint(knownHostsLine("[10.0.0.1]:2222", hostKey)))
        .isEqualTo(keygen);
  }

  @Test
  void acceptsTheKnownKeyOnANonStandardPort() throws Exception {
    HostKeyCheck check = HostKeyCheck.knownHosts(file(knownHostsLine("[10.0.0.1]:2222", hostKey)));
    assertThat(check.verify("10.0.0.1", 2222, publicKey(hostKey))).isTrue();
    assertThat(check.verdict()).isEqualTo(Verdict.TRUSTED);
    assertThat(check.presented()).isEqualTo(HostKeyCheck.fingerprint(publicKey(hostKey)));
    assertThat(check.presentedType()).isEqualTo("ssh-ed25519");
  }

  @Test
  void acceptsHashedEntries() throws Exception {
    Path kh = file(knownHostsLine("[10.0.0.1]:2222", hostKey), knownHostsLine("10.0.0.2", hostKey));
    run("ssh-keygen", "-H", "-f", kh.toString());
    assertThat(Files.readString(kh)).startsWith("|1|").doesNotContain("10.0.0.");
    assertThat(HostKeyCheck.knownHosts(kh).verify("10.0.0.1", 2222, publicKey(hostKey))).isTrue();
    assertThat(HostKeyCheck.knownHosts(kh).verify("10.0.0.2", 22, publicKey(hostKey))).isTrue();
  }

  @Test
  void aHostWithoutEntryIsUnknownAndAnEntryForAnotherPortDoesNotCount() throws Exception {
    HostKeyCheck check = HostKeyCheck.knownHosts(file(knownHostsLine("10.0.0.1", hostKey)));
    assertThat(check.verify("10.0.0.1", 2222, publicKey(hostKey))).isFalse();
    assertThat(check.verdict()).isEqualTo(Verdict.UNKNOWN);

    HostKeyCheck missing = HostKeyCheck.knownHosts(dir.resolve("no-such-known-hosts"));
    assertThat(missing.verify("10.0.0.1", 22, publicKey(hostKey))).isFalse();
    assertThat(missing.verdict()).isEqualTo(Verdict.UNKNOWN);
  }

  @Test
  void anotherKeyForTheHostIsAMismatchNamingBothFingerprints() throws Exception {
    HostKeyCheck check = HostKeyCheck.knownHosts(file(knownHostsLine("[10.0.0.1]:2222", otherKey)));
    assertThat(check.verify("10.0.0.1", 2222, publicKey(hostKey))).isFalse();
    assertThat(check.verdict()).isEqualTo(Verdict.MISMATCH);
    assertThat(check.expected()).containsExactly(HostKeyCheck.fingerprint(publicKey(otherKey)));
    assertThat(check.presented()).isEqualTo(HostKeyCheck.fingerprint(publicKey(hostKey)));
  }

  @Test
  void aRevokedKeyIsNeverAccepted() throws Exception {
    HostKeyCheck check =
        HostKeyCheck.knownHosts(file("@revoked " + knownHostsLine("[10.0.0.1]:2222", hostKey)));
    assertThat(check.verify("10.0.0.1", 2222, publicKey(hostKey))).isFalse();
    assertThat(check.verdict()).isEqualTo(Verdict.REVOKED);
  }

  @Test
  void aRevokedKeyStaysRefusedWhateverPlainLineComesFirstOrWhicheverHostItNames() throws Exception {
    // OpenSSH refuses a revoked key even when a plain line for it comes first.
    Path plainFirst =
        file(
            knownHostsLine("[10.0.0.1]:2222", hostKey),
            "@revoked " + knownHostsLine("[10.0.0.1]:2222", hostKey));
    HostKeyCheck check = HostKeyCheck.knownHosts(plainFirst);
    assertThat(check.verify("10.0.0.1", 2222, publicKey(hostKey))).isFalse();
    assertThat(check.verdict()).isEqualTo(Verdict.REVOKED);
    HostKeyCheck elsewhere =
        HostKeyCheck.knownHosts(
            file(
                knownHostsLine("[10.0.0.1]:2222", hostKey),
                "@revoked " + knownHostsLine("old-name", hostKey)));
    assertThat(elsewhere.verify("10.0.0.1", 2222, publicKey(hostKey))).isFalse();
    assertThat(elsewhere.verdict()).isEqualTo(Verdict.REVOKED);
    // Another host's revoked key does not touch this host's own.
    HostKeyCheck other =
        HostKeyCheck.knownHosts(
            file(
                knownHostsLine("[10.0.0.1]:2222", hostKey),
                "@revoked " + knownHostsLine("[10.0.0.1]:2222", otherKey)));
    assertThat(other.verify("10.0.0.1", 2222, publicKey(hostKey))).isTrue();
  }

  @Test
  void aPinAcceptsExactlyItsKey() throws Exception {
    String fp = HostKeyCheck.fingerprint(publicKey(hostKey));
    HostKeyCheck pinned = HostKeyCheck.pinned(fp);
    assertThat(pinned.verify("10.0.0.1", 2222, publicKey(hostKey))).isTrue();
    assertThat(HostKeyCheck.pinned(fp + "=").verify("x", 22, publicKey(hostKey))).isTrue();

    HostKeyCheck wrong = HostKeyCheck.pinned(fp);
    assertThat(wrong.verify("10.0.0.1", 2222, publicKey(otherKey))).isFalse();
    assertThat(wrong.verdict()).isEqualTo(Verdict.MISMATCH);
    assertThat(wrong.expected()).containsExactly(fp);
  }

  private static Path keygen(String name) throws Exception {
    Path key = dir.resolve(name);
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key.toString());
    return key;
  }

  @Test
  void theAddCommandAppendsTheKeyOnlyWhenItHasTheFingerprintShown() throws Exception {
    // A stand-in ssh-keyscan that records its arguments and answers with the host's key; the
    // real ssh-keygen computes the fingerprint the command compares.
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path args = dir.resolve("keyscan-args");
    String line = knownHostsLine("[a'b]:2222", hostKey);
    Path answer = Files.writeString(dir.resolve("keyscan-answer"), line + "\n");
    Path keyscan = bin.resolve("ssh-keyscan");
    Files.writeString(
        keyscan,
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > '"
            + args
            + "'\necho '# banner' >&2\ncat '"
            + answer
            + "'\n");
    keyscan.toFile().setExecutable(true);
    Path known = Files.createDirectories(dir.resolve("it's here")).resolve("known hosts");
    String fingerprint = HostKeyCheck.fingerprint(publicKey(hostKey));

    String wrong = HostKeyCheck.fingerprint(publicKey(otherKey));
    String refused =
        sh(bin, HostKeyCheck.addKnownHostCommand("a'b", 2222, "ssh-ed25519", wrong, known));
    assertThat(refused).contains("NOT added");
    assertThat(known).doesNotExist();

    String added =
        sh(bin, HostKeyCheck.addKnownHostCommand("a'b", 2222, "ssh-ed25519", fingerprint, known));
    assertThat(added).contains("added").doesNotContain("NOT");
    assertThat(Files.readAllLines(known)).containsExactly(line);
    assertThat(Files.readAllLines(args))
        .containsExactly("-p", "2222", "-t", "ed25519", "--", "a'b");
    assertThat(HostKeyCheck.knownHosts(known).verify("a'b", 2222, publicKey(hostKey))).isTrue();
  }

  @Test
  void keyTypesMapToSshKeyscanNamesAndHostKeyFiles() {
    assertThat(HostKeyCheck.keyscanType("ssh-ed25519")).isEqualTo("ed25519");
    assertThat(HostKeyCheck.keyscanType("ecdsa-sha2-nistp256")).isEqualTo("ecdsa");
    assertThat(HostKeyCheck.keyscanType("ssh-rsa")).isEqualTo("rsa");
    assertThat(HostKeyCheck.hostKeyFile("ecdsa-sha2-nistp384"))
        .isEqualTo("/etc/ssh/ssh_host_ecdsa_key.pub");
  }

  private static String sh(Path bin, String command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true);
    pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  private static String knownHostsLine(String host, Path key) throws Exception {
    String[] pub = Files.readString(Path.of(key + ".pub")).strip().split("\\s+");
    return host + " " + pub[0] + " " + pub[1];
  }

  private static PublicKey publicKey(Path key) throws Exception {
    String[] pub = Files.readString(Path.of(key + ".pub")).strip().split("\\s+");
    return new Buffer.PlainBuffer(Base64.getDecoder().decode(pub[1])).readPublicKey();
  }

  private static Path file(String... lines) throws Exception {
    Path f = Files.createTempFile(dir, "known_hosts", "");
    Files.write(f, List.of(lines));
    return f;
  }

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("%s: %s", List.of(cmd), out).isZero();
    return out;
  }
}

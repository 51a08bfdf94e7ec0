package dev.runbook.engine.internal.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.engine.api.IdentityException;
import dev.runbook.engine.api.Refusal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SSHSIG against the real OpenSSH: ssh-keygen's signatures verified here, this code's signatures
 * verified by ssh-keygen, for Ed25519, ECDSA P-256 and RSA, from key files and from a real
 * ssh-agent; and every refusal with its typed reason.
 */
class SshSigTest {

  @TempDir static Path dir;
  static Path signers;
  static final byte[] MESSAGE = "approve run 1234abcd\n".getBytes(StandardCharsets.UTF_8);
  static Path message;

  @BeforeAll
  static void keys() throws IOException {
    StringBuilder lines = new StringBuilder("# people who may sign runbook statements\n");
    for (String type : List.of("ed25519", "ecdsa", "rsa")) {
      Path key = SshTools.keygen(dir, type, type, "");
      lines
          .append(type)
          .append("@example.com namespaces=\"runbook\" ")
          .append(SshTools.publicKey(key))
          .append('\n');
    }
    signers = dir.resolve("allowed_signers");
    Files.writeString(signers, lines);
    message = dir.resolve("statement.txt");
    Files.write(message, MESSAGE);
  }

  static AllowedSigners allowed() throws IOException {
    return AllowedSigners.load(signers);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ed25519", "ecdsa", "rsa"})
  void verifiesWhatSshKeygenSigned(String type) throws IOException {
    Path file = Files.write(dir.resolve("m-" + type), MESSAGE);
    SshSig sig = SshSig.parse(SshTools.sign(dir.resolve(type), "runbook", file));

    AllowedSigners.Entry line =
        sig.verify(MESSAGE, "runbook", allowed(), type + "@example.com", Instant.now());

    assertThat(line.principals()).containsExactly(type + "@example.com");
    assertThat(sig.key().fingerprint())
        .isEqualTo(
            SshTools.ok(Map.of(), null, "ssh-keygen", "-l", "-f", dir.resolve(type) + ".pub")
                .split(" ")[1]);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ed25519", "ecdsa", "rsa"})
  void sshKeygenVerifiesWhatAKeyFileSigned(String type) throws IOException {
    KeyFileSigner signer = KeyFileSigner.load(dir.resolve(type), null);
    Path sig =
        Files.writeString(
            dir.resolve(type + ".sig"), SshSig.sign(signer, "runbook", MESSAGE).armored());

    SshTools.Result r = SshTools.verify(signers, type + "@example.com", sig, message);

    assertThat(r.exit()).as(r.out()).isZero();
    assertThat(r.out()).contains("Good \"runbook\" signature for " + type + "@example.com");
  }

  @Test
  void signsWithAPassphraseProtectedKey() throws IOException {
    Path key = SshTools.keygen(dir, "locked", "ed25519", "correct horse");
    Path file =
        Files.writeString(
            dir.resolve("locked_signers"), "locked@example.com " + SshTools.publicKey(key) + "\n");

    SshSig sig =
        SshSig.sign(KeyFileSigner.load(key, "correct horse".toCharArray()), "runbook", MESSAGE);

    assertThat(
            sig.verify(
                    MESSAGE,
                    "runbook",
                    AllowedSigners.load(file),
                    "locked@example.com",
                    Instant.now())
                .line())
        .isEqualTo(1);
    assertThatThrownBy(() -> KeyFileSigner.load(key, "wrong".toCharArray()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a usable OpenSSH private key");
  }

  @Test
  void signsThroughARealSshAgentForEveryKeyType() throws IOException {
    Path socket = dir.resolve("agent.sock");
    String started = SshTools.ok(Map.of(), null, "ssh-agent", "-s", "-a", socket.toString());
    long pid = Long.parseLong(started.replaceAll("(?s).*SSH_AGENT_PID=(\\d+);.*", "$1"));
    try {
      Map<String, String> env = Map.of("SSH_AUTH_SOCK", socket.toString());
      for (String type : List.of("ed25519", "ecdsa", "rsa")) {
        SshTools.ok(env, null, "ssh-add", "-q", dir.resolve(type).toString());
      }

      List<AgentSigner> agent = AgentSigner.list(socket);

      assertThat(agent)
          .extracting(s -> s.key().type())
          .containsExactly("ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa");
      for (AgentSigner signer : agent) {
        String type =
            signer.key().type().equals("ssh-ed25519")
                ? "ed25519"
                : signer.key().type().equals("ssh-rsa") ? "rsa" : "ecdsa";
        SshSig sig = SshSig.sign(signer, "runbook", MESSAGE);
        if (type.equals("rsa")) {
          // The agent was asked for SHA-512 (SSH_AGENT_RSA_SHA2_512), not SHA-1.
          assertThat(new SshWire.Reader(sig.signature()).text()).isEqualTo("rsa-sha2-512");
        }
        Path file = Files.writeString(dir.resolve("agent-" + type + ".sig"), sig.armored());
        SshTools.Result r = SshTools.verify(signers, type + "@example.com", file, message);
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(
                sig.verify(MESSAGE, "runbook", allowed(), type + "@example.com", Instant.now())
                    .line())
            .isPositive();
      }
    } finally {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
    }
  }

  // ---- refusals --------------------------------------------------------------------------

  private static Refusal reason(ThrowingCallable call) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(call);
    assertThat(t).isInstanceOf(IdentityException.class);
    return ((IdentityException) t).reason();
  }

  private static String signed(String type) throws IOException {
    return SshSig.sign(KeyFileSigner.load(dir.resolve(type), null), "runbook", MESSAGE).armored();
  }

  @Test
  void aChangedStatementIsABadSignature() throws IOException {
    SshSig sig = SshSig.parse(signed("ed25519"));
    byte[] changed = "approve run 1234abce\n".getBytes(StandardCharsets.UTF_8);

    assertThat(
            reason(
                () ->
                    sig.verify(
                        changed, "runbook", allowed(), "ed25519@example.com", Instant.now())))
        .isEqualTo(Refusal.BAD_SIGNATURE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ed25519", "ecdsa", "rsa"})
  void aChangedSignatureByteIsABadSignature(String type) throws IOException {
    SshSig sig = SshSig.parse(signed(type));
    byte[] tampered = sig.signature();
    tampered[tampered.length - 3] ^= 0x01;
    SshSig edited = new SshSig(sig.key(), sig.namespace(), sig.hashAlgorithm(), tampered);

    assertThat(
            reason(
                () ->
                    SshSig.parse(edited.armored())
                        .verify(
                            MESSAGE, "runbook", allowed(), type + "@example.com", Instant.now())))
        .isEqualTo(Refusal.BAD_SIGNATURE);
  }

  @Test
  void aTruncatedSignatureIsMalformed() throws IOException {
    String armored = signed("ed25519");
    String[] lines = armored.split("\n");
    // Cut the base64 short but keep the armor, as a bad copy and paste would.
    String cut = lines[0] + "\n" + lines[1].substring(0, 40) + "\n" + lines[lines.length - 1];

    assertThat(reason(() -> SshSig.parse(cut))).isEqualTo(Refusal.MALFORMED);
    assertThat(reason(() -> SshSig.parse(armored.substring(0, armored.length() / 2))))
        .isEqualTo(Refusal.MALFORMED);
    assertThat(reason(() -> SshSig.parse("approved, trust me"))).isEqualTo(Refusal.MALFORMED);
  }

  @Test
  void anotherNamespaceIsRefused() throws IOException {
    Path file = Files.write(dir.resolve("m-ns"), MESSAGE);
    SshSig sig = SshSig.parse(SshTools.sign(dir.resolve("ed25519"), "git", file));

    assertThat(
            reason(
                () ->
                    sig.verify(
                        MESSAGE, "runbook", allowed(), "ed25519@example.com", Instant.now())))
        .isEqualTo(Refusal.WRONG_NAMESPACE);
  }

  @Test
  void anUnknownKeyIsRefusedNamingTheLineTheFileNeeds() throws IOException {
    Path stranger = SshTools.keygen(dir, "stranger", "ed25519", "");
    SshSig sig = SshSig.sign(KeyFileSigner.load(stranger, null), "runbook", MESSAGE);

    IdentityException e =
        (IdentityException)
            org.assertj.core.api.Assertions.catchThrowable(
                () -> sig.verify(MESSAGE, "runbook", allowed(), "mallory", Instant.now()));

    assertThat(e.reason()).isEqualTo(Refusal.UNKNOWN_KEY);
    assertThat(e.getMessage())
        .contains("mallory namespaces=\"runbook\" " + SshTools.publicKey(stranger));
  }

  @Test
  void aKeyIsOnlyItsOwnPrincipals() throws IOException {
    SshSig sig = SshSig.parse(signed("ed25519"));

    assertThat(
            reason(
                () -> sig.verify(MESSAGE, "runbook", allowed(), "rsa@example.com", Instant.now())))
        .isEqualTo(Refusal.PRINCIPAL_MISMATCH);
  }

  @Test
  void validBeforeAndValidAfterAndNamespacesAreHonoured() throws IOException {
    String key = SshTools.publicKey(dir.resolve("ed25519"));
    Path file =
        Files.writeString(
            dir.resolve("dated_signers"),
            "old valid-before=\"20200101Z\" "
                + key
                + "\n"
                + "future valid-after=\"20990101Z\" "
                + key
                + "\n"
                + "gitonly namespaces=\"git\" "
                + key
                + "\n");
    AllowedSigners dated = AllowedSigners.load(file);
    SshSig sig = SshSig.parse(signed("ed25519"));
    Instant now = Instant.now();

    assertThat(reason(() -> sig.verify(MESSAGE, "runbook", dated, "old", now)))
        .isEqualTo(Refusal.EXPIRED);
    assertThat(reason(() -> sig.verify(MESSAGE, "runbook", dated, "future", now)))
        .isEqualTo(Refusal.NOT_YET_VALID);
    assertThat(reason(() -> sig.verify(MESSAGE, "runbook", dated, "gitonly", now)))
        .isEqualTo(Refusal.NAMESPACE_NOT_ALLOWED);
    // ssh-keygen agrees that the expired line no longer admits the key.
    Path s = Files.writeString(dir.resolve("dated.sig"), sig.armored());
    assertThat(SshTools.verify(file, "old", s, message).exit()).isNotZero();
  }

  @Test
  void sha256SignaturesVerifyToo() throws IOException {
    KeyFileSigner signer = KeyFileSigner.load(dir.resolve("ecdsa"), null);
    byte[] sig = signer.sign(SshSig.signedData("runbook", "sha256", MESSAGE));
    SshSig s = new SshSig(signer.key(), "runbook", "sha256", sig);

    assertThat(
            SshSig.parse(s.armored())
                .verify(MESSAGE, "runbook", allowed(), "ecdsa@example.com", Instant.now())
                .line())
        .isPositive();
    Path file = Files.writeString(dir.resolve("sha256.sig"), s.armored());
    assertThat(SshTools.verify(signers, "ecdsa@example.com", file, message).exit()).isZero();
  }

  @Test
  void rsaWithSha1IsRefused() throws IOException {
    KeyFileSigner signer = KeyFileSigner.load(dir.resolve("rsa"), null);
    byte[] good = signer.sign(SshSig.signedData("runbook", "sha512", MESSAGE));
    SshWire.Reader r = new SshWire.Reader(good);
    r.text();
    byte[] sha1 = new SshWire.Writer().string("ssh-rsa").string(r.string()).bytes();
    SshSig s = new SshSig(signer.key(), "runbook", "sha512", sha1);

    assertThat(reason(() -> s.verify(MESSAGE, "runbook"))).isEqualTo(Refusal.UNSUPPORTED_ALGORITHM);
  }
}

package dev.runbook.engine.internal.evidence;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.IdentityException;
import dev.runbook.engine.api.Refusal;
import dev.runbook.engine.internal.identity.SshSig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine key and its checkpoint signatures are OpenSSH's own formats: the real ssh-keygen reads
 * the key and verifies a checkpoint by hand, as docs/evidence.md tells an auditor to.
 */
class EngineKeyTest {

  @TempDir Path home;

  private static String run(Path dir, Path stdin, String... command)
      throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    if (stdin != null) {
      pb.redirectInput(stdin.toFile());
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    int code = p.waitFor();
    return code + ": " + out.strip();
  }

  @Test
  void sshKeygenReadsTheKeyAndItsPublicHalf() throws Exception {
    EngineKey key = EngineKey.loadOrCreate(home);

    String derived =
        run(home, null, "ssh-keygen", "-y", "-f", home.resolve("engine.key").toString());
    String fingerprint =
        run(home, null, "ssh-keygen", "-l", "-f", home.resolve("engine.key.pub").toString());

    String line = key.publicKey().line();
    assertThat(line).matches("ssh-ed25519 AAAA[A-Za-z0-9+/=]+ runbook-engine@[0-9a-f]{8}");
    // ssh-keygen -y prints the key and the comment stored in the private key file
    assertThat(derived).isEqualTo("0: " + line);
    assertThat(fingerprint).contains(key.publicKey().fingerprint());
    assertThat(Files.readString(home.resolve("engine.key.pub"))).isEqualTo(line + "\n");
    assertThat(EngineKey.PublicKey.parse(line)).isEqualTo(key.publicKey());
  }

  @Test
  void sshKeygenVerifiesACheckpointByHand() throws Exception {
    EngineKey key = EngineKey.loadOrCreate(home);
    Path runDir = home.resolve("runs/0a0b0c0d");
    try (EvidenceJournal j = EvidenceJournal.open(runDir, Redactor.NONE, key)) {
      j.append(Events.runStarted());
      j.append(Events.ended("done", "ok"));
    }
    List<JsonNode> records = EvidenceReader.read(runDir);
    JsonNode checkpoint = records.get(records.size() - 1);
    assertThat(checkpoint.path("type").asText()).isEqualTo("checkpoint");

    // What docs/evidence.md says to do: the statement, the signature, an allowed-signers line.
    Path statement = home.resolve("statement");
    Files.write(
        statement,
        EvidenceFormat.checkpointStatement(
            checkpoint.path("runId").asText(),
            checkpoint.path("records").asLong(),
            checkpoint.path("head").asText()));
    Path sig = home.resolve("checkpoint.sig");
    Files.writeString(sig, checkpoint.path("signature").asText());
    String principal = key.publicKey().comment();
    Path allowed = home.resolve("allowed_signers");
    Files.writeString(
        allowed, principal + " namespaces=\"runbook-evidence\" " + key.publicKey().line() + "\n");

    String verified = verifyBySshKeygen(statement, allowed, principal, sig);
    Files.writeString(statement, "runbook evidence checkpoint\nrun: 0a0b0c0d\nrecords: 1\n");
    String forged = verifyBySshKeygen(statement, allowed, principal, sig);

    assertThat(checkpoint.path("records").asLong()).isEqualTo(2);
    assertThat(checkpoint.path("runId").asText()).isEqualTo("0a0b0c0d");
    assertThat(verified).startsWith("0: Good \"runbook-evidence\" signature for " + principal);
    assertThat(forged).doesNotStartWith("0:");
  }

  private String verifyBySshKeygen(Path statement, Path allowed, String principal, Path sig)
      throws IOException, InterruptedException {
    return run(
        home,
        statement,
        "ssh-keygen",
        "-Y",
        "verify",
        "-f",
        allowed.toString(),
        "-I",
        principal,
        "-n",
        "runbook-evidence",
        "-s",
        sig.toString());
  }

  @Test
  void aSignatureMadeBySshKeygenVerifiesInJava() throws Exception {
    EngineKey.loadOrCreate(home);
    Path message = home.resolve("message");
    Files.writeString(message, "runbook evidence checkpoint\nrun: x\nrecords: 1\nhead: y\n");
    String signed =
        run(
            home,
            null,
            "ssh-keygen",
            "-Y",
            "sign",
            "-n",
            "runbook-evidence",
            "-f",
            home.resolve("engine.key").toString(),
            message.toString());
    assertThat(signed).startsWith("0:");

    SshSig sig = SshSig.parse(Files.readString(home.resolve("message.sig")));
    sig.verify(Files.readAllBytes(message), EngineKey.NAMESPACE);

    assertThat(sig.key().fingerprint()).isEqualTo(EngineKey.load(home).publicKey().fingerprint());
    assertThatThrownBy(() -> sig.verify(Files.readAllBytes(message), "runbook"))
        .isInstanceOf(IdentityException.class)
        .extracting(e -> ((IdentityException) e).reason())
        .isEqualTo(Refusal.WRONG_NAMESPACE);
    assertThatThrownBy(
            () -> sig.verify("runbook evidence checkpoint\n".getBytes(UTF_8), EngineKey.NAMESPACE))
        .isInstanceOf(IdentityException.class)
        .hasMessageContaining("does not match");
  }

  @Test
  void aDamagedKeyFileIsNamedNotReplaced() throws Exception {
    Files.writeString(home.resolve("engine.key"), "not a key\n");

    assertThatThrownBy(() -> EngineKey.loadOrCreate(home))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("engine.key is not an OpenSSH private key");
    assertThat(Files.readString(home.resolve("engine.key"))).isEqualTo("not a key\n");
  }
}

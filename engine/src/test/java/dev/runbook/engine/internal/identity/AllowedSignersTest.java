package dev.runbook.engine.internal.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The allowed-signers format as OpenSSH reads it, and every bad line reported file:line. */
class AllowedSignersTest {

  static final Path FILE = Path.of("allowed_signers");

  static String key() throws NoSuchAlgorithmException {
    return SshKey.of(KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic())
        .openssh();
  }

  @Test
  void readsPrincipalsOptionsAndComments() throws Exception {
    String k = key();
    AllowedSigners s =
        AllowedSigners.parse(
            FILE,
            ("# comment\n\n"
                    + "alice@example.com,bob "
                    + k
                    + " alice's laptop\n"
                    + "\"*@ops.example.com,!mallory@ops.example.com\" namespaces=\"runbook,git\","
                    + "valid-after=\"20200101\",valid-before=\"209912312359Z\" "
                    + k
                    + "\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));

    assertThat(s.entries()).hasSize(2);
    AllowedSigners.Entry first = s.entries().get(0);
    assertThat(first.line()).isEqualTo(3);
    assertThat(first.allows("bob")).isTrue();
    assertThat(first.allows("bo")).isFalse();
    AllowedSigners.Entry ops = s.entries().get(1);
    assertThat(ops.namespaces()).containsExactly("runbook", "git");
    assertThat(ops.validBefore()).isEqualTo(Instant.parse("2099-12-31T23:59:00Z"));
    assertThat(ops.allows("carol@ops.example.com")).isTrue();
    assertThat(ops.allows("mallory@ops.example.com")).isFalse();
    assertThat(ops.allows("carol@example.com")).isFalse();
  }

  @Test
  void everyBadLineIsReportedWithItsLineAndWhatItNeeds() throws Exception {
    String k = key();
    AllowedSigners.Invalid e =
        catchThrowableOfType(
            () ->
                AllowedSigners.parse(
                    FILE,
                    ("alice "
                            + k
                            + "\n"
                            + "bob cert-authority "
                            + k
                            + "\n"
                            + "carol\n"
                            + "dave ssh-dss AAAA\n"
                            + "erin valid-before=\"tomorrow\" "
                            + k
                            + "\n"
                            + "frank ssh-ed25519 !!!\n"
                            + "gina ssh-rsa "
                            + k.split(" ")[1]
                            + "\n"
                            + "hal verify-required "
                            + k
                            + "\n")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)),
            AllowedSigners.Invalid.class);

    assertThat(e.problems())
        .satisfiesExactly(
            p -> assertThat(p).startsWith("allowed_signers:2: cert-authority is not supported"),
            p -> assertThat(p).startsWith("allowed_signers:3: the line needs a public key"),
            p -> assertThat(p).startsWith("allowed_signers:4: key type ssh-dss is not supported"),
            p ->
                assertThat(p)
                    .startsWith("allowed_signers:5: valid-before=\"tomorrow\" is not a time"),
            p ->
                assertThat(p)
                    .startsWith("allowed_signers:6: the key after ssh-ed25519 is not valid base64"),
            p ->
                assertThat(p)
                    .startsWith(
                        "allowed_signers:7: the line says ssh-rsa but the key is ssh-ed25519"),
            p -> assertThat(p).startsWith("allowed_signers:8: unknown option 'verify-required'"));
  }

  @Test
  void patternsMatchAsOpenSshDoes() {
    assertThat(Patterns.match("alice@example.com", "*@example.com")).isTrue();
    assertThat(Patterns.match("alice", "al?ce")).isTrue();
    assertThat(Patterns.match("alice", "al?e")).isFalse();
    assertThat(Patterns.match("", "*")).isTrue();
    assertThat(Patterns.matchList("x", java.util.List.of("*", "!x"))).isFalse();
    assertThat(Patterns.matchList("y", java.util.List.of("!x"))).isFalse();
  }
}

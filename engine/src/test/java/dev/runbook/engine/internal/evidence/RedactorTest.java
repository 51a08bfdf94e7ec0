package dev.runbook.engine.internal.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RedactorTest {

  private static final String RSA_KEY =
      "-----BEGIN RSA PRIVATE KEY-----\n"
          + "MIIEowIBAAKCAQEAuW1kpxDw7FQ3bTQ8n\n"
          + "-----END RSA PRIVATE KEY-----";
  private static final String OPENSSH_KEY =
      "-----BEGIN OPENSSH PRIVATE KEY-----\n"
          + "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
          + "-----END OPENSSH PRIVATE KEY-----\n";

  @Test
  void redactsLiteralsButNotShortOnes() {
    Redactor r = Redactor.of(List.of("hunter22", "abc", ""), List.of());

    assertThat(r.redact("pw hunter22 and abc")).isEqualTo("pw [REDACTED] and abc");
    assertThat(r.redact(null)).isNull();
  }

  @Test
  void leavesNoPieceOfOverlappingSecrets() {
    Redactor r = Redactor.of(List.of("abcdSECRETxyz", "SECRET"), List.of("xyz12"));

    assertThat(r.redact("[abcdSECRETxyz12]")).isEqualTo("[[REDACTED]]");
    assertThat(r.redact("aaaaa")).isEqualTo("aaaaa");
    assertThat(Redactor.of(List.of("aaaa"), List.of()).redact("xaaaaay")).isEqualTo("x[REDACTED]y");
  }

  @Test
  void redactsPatternsWholeOrTheirSecretGroup() {
    Redactor r =
        Redactor.of(List.of(), List.of("tok_[A-Za-z0-9]{16}", "apikey/(?<secret>[a-z]+)/"));

    assertThat(r.redact("auth tok_ABCDEFGH12345678 done")).isEqualTo("auth [REDACTED] done");
    assertThat(r.redact("GET /apikey/abcdef/x")).isEqualTo("GET /apikey/[REDACTED]/x");
  }

  @Test
  void theBuiltInsKnowTheSecretsOfEnvironmentsKubeconfigsUrlsAndHeaders() {
    Redactor r = Redactor.builtIns();
    assertThat(r.redact("PGPASSWORD=hunter2x psql")).isEqualTo("PGPASSWORD=[REDACTED] psql");
    assertThat(r.redact("export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG"))
        .isEqualTo("export AWS_SECRET_ACCESS_KEY=[REDACTED]");
    assertThat(r.redact("aws_access_key_id: AKIAIOSFODNN7"))
        .as("an access key's id is not its secret")
        .isEqualTo("aws_access_key_id: AKIAIOSFODNN7");
    assertThat(r.redact("    client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRF\n"))
        .isEqualTo("    client-key-data: [REDACTED]\n");
    assertThat(r.redact("Authorization: Basic dXNlcjpodW50ZXIy"))
        .isEqualTo("Authorization: Basic [REDACTED]");
    assertThat(r.redact("curl https://admin:hunter2x@10.0.0.1:6443/healthz"))
        .isEqualTo("curl https://admin:[REDACTED]@10.0.0.1:6443/healthz");
    assertThat(r.redact("mysql --pass=hunter2x -h db")).isEqualTo("mysql --pass=[REDACTED] -h db");
    // Words that only look alike stay.
    assertThat(r.redact("run basic checks; bypass=on; https://10.0.0.1:2379/health"))
        .isEqualTo("run basic checks; bypass=on; https://10.0.0.1:2379/health");
    assertThat(r.redact("/registry/secrets/kube-system/x"))
        .isEqualTo("/registry/secrets/kube-system/x");
  }

  @Test
  void theNewShapesAreRedactedQuotedToo() {
    Redactor r = Redactor.builtIns();
    assertThat(r.redact("PGPASSWORD='two words' psql")).isEqualTo("PGPASSWORD=[REDACTED] psql");
    assertThat(r.redact("export AWS_SECRET_ACCESS_KEY=\"wJalr/K7 MDENG\""))
        .isEqualTo("export AWS_SECRET_ACCESS_KEY=[REDACTED]");
    assertThat(r.redact("client-key-data: \"LS0tLS1CRUdJTiBFQyBQUklWQVRF\""))
        .isEqualTo("client-key-data: [REDACTED]");
    assertThat(r.redact("curl -H 'Authorization: Basic dXNlcjpodW50ZXIy' https://h/"))
        .isEqualTo("curl -H 'Authorization: Basic [REDACTED]' https://h/");
    assertThat(r.redact("{\"Authorization\": \"Basic dXNlcjpodW50ZXIy\"}"))
        .isEqualTo("{\"Authorization\": \"Basic [REDACTED]\"}");
    assertThat(r.redact("Authorization: Basic YTo=")).isEqualTo("Authorization: Basic [REDACTED]");
    assertThat(r.redact("'https://admin:hunter2x@10.0.0.1/x'"))
        .isEqualTo("'https://admin:[REDACTED]@10.0.0.1/x'");
    assertThat(r.redact("git clone \"https://admin:it's\"me@git.example/r\""))
        .as("a quote inside the password")
        .isEqualTo("git clone \"https://admin:[REDACTED]@git.example/r\"");
    assertThat(r.redact("--password='a b c' x")).isEqualTo("--password=[REDACTED] x");
    assertThat(r.redact("mysql --pass \"a b\" -h db")).isEqualTo("mysql --pass [REDACTED] -h db");
  }

  @Test
  void digestsAreNotSecretsEvenUnderASecretName() {
    // A plan shows a secret parameter as its HMAC, and a snapshot by its SHA-256: both must stay
    // readable, or nobody could tell which value a plan was approved with.
    Redactor r = Redactor.builtIns();
    String hex = "0123456789abcdef".repeat(4);
    for (String kept :
        List.of(
            "\"token\":\"hmac-sha256:" + hex + "\"",
            "token: hmac-sha256:" + hex,
            "--token=sha256:" + hex,
            "password: 'hmac-sha256:" + hex + "'",
            "snapshot sha256 " + hex,
            "--discovery-token-ca-cert-hash sha256:" + hex)) {
      assertThat(r.redact(kept)).isEqualTo(kept);
    }
    // Only a whole digest: a value that merely starts like one is still a secret.
    assertThat(r.redact("token: hmac-sha256:" + hex + "x")).isEqualTo("token: [REDACTED]");
    assertThat(r.redact("token: sha256:abc")).isEqualTo("token: [REDACTED]");
  }

  @Test
  void refusesAPatternThatDoesNotCompile() {
    assertThatThrownBy(() -> Redactor.of(List.of(), List.of("tok_[")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tok_[");
  }

  @Test
  void redactsPrivateKeyBlocks() {
    Redactor r = Redactor.builtIns();

    assertThat(r.redact("key:\n" + RSA_KEY + "\nafter"))
        .isEqualTo("key:\n[REDACTED PRIVATE KEY]\nafter");
    assertThat(r.redact(OPENSSH_KEY)).isEqualTo("[REDACTED PRIVATE KEY]\n");
    assertThat(r.redact("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBa9\nYmx"))
        .isEqualTo("[REDACTED PRIVATE KEY]");
    assertThat(r.redact("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"))
        .isEqualTo("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----");
  }

  @Test
  void redactsSecretValuedFlagsVariablesAndSettings() {
    Redactor r = Redactor.builtIns();

    assertThat(r.redact("etcdctl --password=hunter22 get /"))
        .isEqualTo("etcdctl --password=[REDACTED] get /");
    assertThat(r.redact("kubeadm join --token abcdef.0123456789abcdef x"))
        .isEqualTo("kubeadm join --token [REDACTED] x");
    assertThat(r.redact("ETCDCTL_PASSWORD=hunter22 etcdctl get /"))
        .isEqualTo("ETCDCTL_PASSWORD=[REDACTED] etcdctl get /");
    assertThat(r.redact("password: 'two words'")).isEqualTo("password: [REDACTED]");
    assertThat(r.redact("{\"token\":\"eyJhbGc\"}")).isEqualTo("{\"token\":[REDACTED]}");
    assertThat(r.redact("etcdctl --user root:hunter22 member list"))
        .isEqualTo("etcdctl --user root:[REDACTED] member list");
    assertThat(r.redact("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9"))
        .isEqualTo("Authorization: Bearer [REDACTED]");
  }

  @Test
  void leavesOrdinaryEtcdCommandsAlone() {
    Redactor r = Redactor.builtIns();
    String[] commands = {
      "ETCDCTL_API=3 etcdctl --endpoints=https://10.0.0.1:2379"
          + " --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt"
          + " --key=/etc/kubernetes/pki/etcd/server.key snapshot save /var/lib/etcd-backup/s.db",
      "kubeadm join 10.0.0.1:6443 --discovery-token-ca-cert-hash sha256:0123abcd",
      "kubeadm token list",
      "etcdctl --password=\"$ETCD_PASSWORD\" get /",
      "etcdctl --user root member list",
      "cat /etc/kubernetes/manifests/etcd.yaml",
    };
    for (String command : commands) {
      assertThat(r.redact(command)).isEqualTo(command);
    }
  }

  @Test
  void noneRedactsNothing() {
    assertThat(Redactor.NONE.redact("--password=x " + RSA_KEY))
        .isEqualTo("--password=x " + RSA_KEY);
  }

  @Test
  void withAddsASecretToACopy() {
    Redactor before = Redactor.builtIns();
    Redactor after = before.with("learned-later");

    assertThat(after.redact("a learned-later b")).isEqualTo("a [REDACTED] b");
    assertThat(before.redact("a learned-later b")).isEqualTo("a learned-later b");
    assertThat(before.with("abc")).isSameAs(before);
  }
}

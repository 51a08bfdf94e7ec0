package dev.runbook.runbooks.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The certificate report over real certificates made by openssl in the test. */
class CertificateReportTest {

  @TempDir Path tmp;

  @Test
  void eachCertificateIsReportedWithSubjectSansAndNotAfterAgainstBothThresholds() throws Exception {
    Openssl.cert(tmp, "far", "/CN=etcd-ca", "DNS:etcd-ca", 3650);
    Openssl.cert(tmp, "near", "/O=system:masters/CN=near", "DNS:cp-1,IP:127.0.0.11", 20);
    Openssl.cert(tmp, "soon", "/CN=soon", "DNS:soon", 3);
    Instant now = Instant.now();
    List<CertificateReport.Certificate> all = new ArrayList<>();
    for (String n : List.of("far", "near", "soon")) {
      all.addAll(
          CertificateReport.of(
              "cp-1",
              "/etc/kubernetes/pki/" + n + ".crt",
              Files.readAllBytes(tmp.resolve(n + ".crt")),
              now,
              30,
              7));
    }
    CertificateReport.Report r = CertificateReport.report(now, 30, 7, all);
    assertThat(r.certificates())
        .extracting(CertificateReport.Certificate::subject, CertificateReport.Certificate::status)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("CN=soon", CertificateReport.Status.FAIL),
            org.assertj.core.groups.Tuple.tuple(
                "CN=near,O=system:masters", CertificateReport.Status.WARN),
            org.assertj.core.groups.Tuple.tuple("CN=etcd-ca", CertificateReport.Status.OK));
    CertificateReport.Certificate near = r.certificates().get(1);
    assertThat(near.sans()).containsExactly("DNS:cp-1", "IP:127.0.0.11");
    assertThat(near.daysLeft()).isBetween(19L, 20L);
    assertThat(Instant.parse(near.notAfter()))
        .isBetween(now.plus(Duration.ofDays(19)), now.plus(Duration.ofDays(21)));
    assertThat(r.count(CertificateReport.Status.WARN)).isEqualTo(1);

    // Later, the same certificates: all past their end fail, even the CA at 0 days' notice.
    Instant later = now.plus(Duration.ofDays(4000));
    assertThat(
            CertificateReport.of(
                "cp-1", "far.crt", Files.readAllBytes(tmp.resolve("far.crt")), later, 30, 0))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.status()).isEqualTo(CertificateReport.Status.FAIL);
              assertThat(c.daysLeft()).isNegative();
            });
  }

  @Test
  void kubeconfigsGiveTheirEmbeddedCertificatesAndAKeyBesideACertIsNeverRead() throws Exception {
    Openssl.cert(tmp, "admin", "/O=system:masters/CN=kubernetes-admin", "DNS:admin", 365);
    String crt = Files.readString(tmp.resolve("admin.crt"));
    String key = Files.readString(tmp.resolve("admin.key"));
    String b64 = Base64.getEncoder().encodeToString(crt.getBytes(StandardCharsets.US_ASCII));
    String kubeconfig =
        """
        apiVersion: v1
        clusters:
        - cluster:
            certificate-authority-data: %1$s
            server: https://127.0.0.11:6443
          name: lab
        users:
        - name: kubernetes-admin
          user:
            client-certificate-data: %1$s
            client-key-data: %2$s
        """
            .formatted(b64, Base64.getEncoder().encodeToString(key.getBytes()));
    List<CertificateReport.Certificate> certs =
        CertificateReport.of(
            "cp-1",
            "/etc/kubernetes/admin.conf",
            kubeconfig.getBytes(StandardCharsets.US_ASCII),
            Instant.now(),
            30,
            7);
    assertThat(certs)
        .extracting(CertificateReport.Certificate::source)
        .containsExactly(
            "/etc/kubernetes/admin.conf certificate-authority-data",
            "/etc/kubernetes/admin.conf client-certificate-data");
    // kubelet-client-current.pem holds the key and the certificate: only the certificate counts.
    List<CertificateReport.Certificate> pem =
        CertificateReport.of(
            "cp-1",
            "/var/lib/kubelet/pki/kubelet-client-current.pem",
            (key + crt).getBytes(StandardCharsets.US_ASCII),
            Instant.now(),
            30,
            7);
    assertThat(pem)
        .singleElement()
        .extracting(CertificateReport.Certificate::subject)
        .isEqualTo("CN=kubernetes-admin,O=system:masters");
    String json =
        ControlPlaneArchive.JSON.writeValueAsString(
            CertificateReport.report(Instant.now(), 30, 7, pem));
    assertThat(json).doesNotContain("PRIVATE KEY").doesNotContain(key.lines().toList().get(1));
    assertThat(CertificateReport.holdsCertificates("/etc/kubernetes/pki/sa.key")).isFalse();
  }
}

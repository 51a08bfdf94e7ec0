package dev.runbook.runbooks.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The etcd client certificates as TlsKeys reads them: keys in every PEM form kubeadm and openssl
 * write, proven by a mutual-TLS handshake with a server that requires the client certificate.
 */
class TlsKeysTest {

  @TempDir static Path dir;

  @BeforeAll
  static void pki() throws Exception {
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key");
    openssl(
        "req",
        "-x509",
        "-new",
        "-key",
        "ca.key",
        "-subj",
        "/CN=etcd-ca",
        "-days",
        "2",
        "-out",
        "ca.crt");
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "other-ca.key");
    openssl(
        "req",
        "-x509",
        "-new",
        "-key",
        "other-ca.key",
        "-subj",
        "/CN=other-ca",
        "-days",
        "2",
        "-out",
        "other-ca.crt");
    // The server and the three client keys: SEC 1 (EC PRIVATE KEY), PKCS#1 (RSA PRIVATE KEY) and
    // PKCS#8 (PRIVATE KEY).
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "server.key");
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "sec1.key");
    openssl("genrsa", "-traditional", "-out", "pkcs1.key", "2048");
    openssl(
        "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "pkcs8.key");
    for (String name : List.of("server", "sec1", "pkcs1", "pkcs8")) {
      openssl("req", "-new", "-key", name + ".key", "-subj", "/CN=" + name, "-out", name + ".csr");
      openssl(
          "x509",
          "-req",
          "-in",
          name + ".csr",
          "-CA",
          "ca.crt",
          "-CAkey",
          "ca.key",
          "-CAcreateserial",
          "-days",
          "2",
          "-out",
          name + ".crt");
    }
    assertThat(read("sec1.key")).contains("BEGIN EC PRIVATE KEY");
    assertThat(read("pkcs1.key")).contains("BEGIN RSA PRIVATE KEY");
    assertThat(read("pkcs8.key")).contains("BEGIN PRIVATE KEY");
  }

  @ParameterizedTest
  @ValueSource(strings = {"sec1", "pkcs1", "pkcs8"})
  void aServerThatRequiresTheClientCertificateAcceptsIt(String form) throws Exception {
    TlsKeys client = keys("ca.crt", form);
    assertThat(handshake(client.jdkContext())).isEqualTo("CN=" + form);
  }

  @Test
  void aServerOfAnotherCaIsRefused() throws Exception {
    TlsKeys client = keys("other-ca.crt", "sec1");
    assertThatThrownBy(() -> handshake(client.jdkContext())).hasCauseInstanceOf(SSLException.class);
  }

  @Test
  void theSameCertificatesAreReadOnceAndOtherOnesApart() throws Exception {
    assertThat(keys("ca.crt", "sec1")).isSameAs(keys("ca.crt", "sec1"));
    assertThat(keys("ca.crt", "sec1")).isNotSameAs(keys("ca.crt", "pkcs8"));
  }

  @Test
  void aKeyFileWithoutAKeySaysSo() {
    assertThatThrownBy(() -> TlsKeys.of(bytes("ca.crt"), bytes("sec1.crt"), bytes("sec1.crt")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no unencrypted private key");
    assertThatThrownBy(() -> TlsKeys.of(bytes("ca.crt"), bytes("sec1.crt"), "junk".getBytes()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no PEM private key");
  }

  @Test
  void aCertificateFileWithoutACertificateSaysSo() {
    assertThatThrownBy(() -> TlsKeys.of(bytes("ca.crt"), bytes("sec1.key"), bytes("sec1.key")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static TlsKeys keys(String ca, String form) throws IOException {
    return TlsKeys.of(bytes(ca), bytes(form + ".crt"), bytes(form + ".key"));
  }

  /**
   * The subject of the client certificate the server saw, after a handshake and a byte each way.
   */
  private static String handshake(SSLContext clientContext) throws Exception {
    TlsKeys server = keys("ca.crt", "server");
    SSLContext serverContext = server.jdkContext();
    try (SSLServerSocket listening =
        (SSLServerSocket)
            serverContext
                .getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      listening.setNeedClientAuth(true);
      CompletableFuture<String> seen =
          CompletableFuture.supplyAsync(
              () -> {
                try (SSLSocket s = (SSLSocket) listening.accept()) {
                  s.getInputStream().read();
                  s.getOutputStream().write(1);
                  return ((java.security.cert.X509Certificate)
                          s.getSession().getPeerCertificates()[0])
                      .getSubjectX500Principal()
                      .getName();
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      try (SSLSocket s =
          (SSLSocket)
              clientContext
                  .getSocketFactory()
                  .createSocket(InetAddress.getLoopbackAddress(), listening.getLocalPort())) {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(1);
        out.flush();
        InputStream in = s.getInputStream();
        assertThat(in.read()).isEqualTo(1);
      } catch (SSLException e) {
        seen.cancel(true);
        throw new IOException("handshake failed", e);
      }
      return seen.get(10, TimeUnit.SECONDS);
    }
  }

  private static void openssl(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as("%s: %s", command, out).isZero();
  }

  private static byte[] bytes(String name) throws IOException {
    return Files.readAllBytes(dir.resolve(name));
  }

  private static String read(String name) throws IOException {
    return Files.readString(dir.resolve(name));
  }
}

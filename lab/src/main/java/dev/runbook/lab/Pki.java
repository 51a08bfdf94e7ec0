package dev.runbook.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * A kubeadm-shaped etcd PKI made with openssl: one etcd CA, and per node the server, peer,
 * healthcheck-client and apiserver-etcd-client certificates, plus a client certificate for the
 * incident commander's workstation. Keys are P-256 (PKCS#8 PEM, as netty and etcd read).
 */
final class Pki {

  private final Path caCert;
  private final Path caKey;

  private Pki(Path caCert, Path caKey) {
    this.caCert = caCert;
    this.caKey = caKey;
  }

  static Pki createCa(Path dir) {
    return createCa(dir, "/CN=etcd-ca");
  }

  /** A CA of its own in {@code dir} (ca.crt, ca.key): the etcd CA, or the cluster's. */
  static Pki createCa(Path dir, String subject) {
    mkdirs(dir);
    Path key = dir.resolve("ca.key");
    Path crt = dir.resolve("ca.crt");
    newKeyAndCert(
        "creating the CA " + subject,
        key,
        crt,
        "3650",
        subject,
        List.of(),
        List.of(
            "basicConstraints=critical,CA:TRUE",
            "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign"));
    return new Pki(crt, key);
  }

  Path caCert() {
    return caCert;
  }

  Path caKey() {
    return caKey;
  }

  /**
   * A serving and client certificate (etcd server and peer certs carry both usages, as kubeadm's
   * do).
   */
  void serverCert(Path crt, Path key, String cn, List<String> dnsNames, List<String> ips) {
    List<String> san = new ArrayList<>();
    dnsNames.forEach(d -> san.add("DNS:" + d));
    ips.forEach(ip -> san.add("IP:" + ip));
    issue(crt, key, "/CN=" + cn, "serverAuth,clientAuth", String.join(",", san));
  }

  /**
   * What kubeadm gives an etcd member in {@code etcdPki} (/etc/kubernetes/pki/etcd): the CA, server
   * and peer certs (SANs: the name, localhost, the address, 127.0.0.1, ::1) and the healthcheck
   * client.
   */
  void etcdMemberCerts(Path etcdPki, String name, String address) throws IOException {
    Files.copy(caCert, etcdPki.resolve("ca.crt"));
    Files.copy(caKey, etcdPki.resolve("ca.key"));
    restrict(etcdPki.resolve("ca.key"));
    List<String> dns = List.of(name, "localhost");
    List<String> ips = List.of(address, "127.0.0.1", "0:0:0:0:0:0:0:1");
    serverCert(etcdPki.resolve("server.crt"), etcdPki.resolve("server.key"), name, dns, ips);
    // etcd checks a peer's cert against the connection's source address, which on
    // loopback is 127.0.0.1 whatever address the peer listens on.
    serverCert(etcdPki.resolve("peer.crt"), etcdPki.resolve("peer.key"), name, dns, ips);
    clientCert(
        etcdPki.resolve("healthcheck-client.crt"),
        etcdPki.resolve("healthcheck-client.key"),
        "/CN=kube-etcd-healthcheck-client");
  }

  void clientCert(Path crt, Path key, String subject) {
    issue(crt, key, subject, "clientAuth", null);
  }

  private void issue(
      Path crt, Path key, String subject, String extendedKeyUsage, String subjectAltName) {
    mkdirs(crt.getParent());
    List<String> extensions =
        new ArrayList<>(
            List.of(
                "basicConstraints=critical,CA:FALSE",
                "keyUsage=critical,digitalSignature,keyEncipherment",
                "extendedKeyUsage=" + extendedKeyUsage));
    if (subjectAltName != null) {
      extensions.add("subjectAltName=" + subjectAltName);
    }
    newKeyAndCert(
        "issuing " + crt.getFileName(),
        key,
        crt,
        "365",
        subject,
        List.of("-CA", caCert.toString(), "-CAkey", caKey.toString()),
        extensions);
  }

  /**
   * A new P-256 key and its certificate, self-signed or signed by the CA named in {@code signer}.
   */
  private static void newKeyAndCert(
      String what,
      Path key,
      Path crt,
      String days,
      String subject,
      List<String> signer,
      List<String> extensions) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                crt.toString(),
                "-days",
                days,
                "-subj",
                subject));
    cmd.addAll(signer);
    extensions.forEach(e -> cmd.addAll(List.of("-addext", e)));
    Exec.check(what, cmd);
    restrict(key);
  }

  static void restrict(Path key) {
    try {
      Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void mkdirs(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package dev.runbook.runbooks.etcd;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * The key and trust managers for one set of etcd client certificates (CA, certificate, key in PEM),
 * made once per process and shared by the TLS precheck and the gRPC client of every member and step
 * that uses the same certificates.
 *
 * <p>Why not let netty build them from the PEM streams: it puts the key into a PKCS#12 key store,
 * which encrypts it with 10,000 rounds of PBKDF2 and decrypts it again for the key manager. Under
 * the CLI's C1-compiled code that cost about 0.1 s of CPU per context, and a 3-member snapshot made
 * twelve (a precheck context and a client context per member, in each of two steps): about a second
 * of the run's CPU (profiled with JFR, bench/snapshot-small). A JKS store in memory only obscures
 * the key, which costs nothing; it never leaves this process's memory either way.
 */
final class TlsKeys {

  /** A few distinct certificate sets at most in one process (direct access, or one per node). */
  private static final int CACHED = 16;

  private static final Map<String, TlsKeys> CACHE =
      new LinkedHashMap<>(CACHED, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, TlsKeys> eldest) {
          return size() > CACHED;
        }
      };

  // The in-memory store's password: it guards nothing (the store is never written anywhere), but
  // the KeyStore API requires one.
  private static final char[] IN_MEMORY = "in-memory".toCharArray();

  private final KeyManagerFactory keys;
  private final TrustManagerFactory trust;

  private TlsKeys(KeyManagerFactory keys, TrustManagerFactory trust) {
    this.keys = keys;
    this.trust = trust;
  }

  /**
   * The managers for {@code ca}, {@code cert} and {@code key}, from the cache when made before.
   *
   * @throws IllegalArgumentException naming what is wrong with the PEM (the caller says whose)
   */
  static TlsKeys of(byte[] ca, byte[] cert, byte[] key) {
    String id = fingerprint(ca, cert, key);
    synchronized (CACHE) {
      TlsKeys k = CACHE.get(id);
      if (k != null) {
        return k;
      }
    }
    TlsKeys made = make(ca, cert, key);
    synchronized (CACHE) {
      return CACHE.computeIfAbsent(id, i -> made);
    }
  }

  KeyManagerFactory keyManagers() {
    return keys;
  }

  TrustManagerFactory trustManagers() {
    return trust;
  }

  /** A JDK TLS context with these managers, for the precheck's plain handshake. */
  SSLContext jdkContext() throws GeneralSecurityException {
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
    return c;
  }

  private static TlsKeys make(byte[] ca, byte[] cert, byte[] key) {
    try {
      Collection<? extends Certificate> cas = certificates(ca, "CA");
      Collection<? extends Certificate> chain = certificates(cert, "certificate");
      KeyStore trusted = KeyStore.getInstance("JKS");
      trusted.load(null, null);
      int i = 0;
      for (Certificate c : cas) {
        trusted.setCertificateEntry("ca-" + i++, c);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trusted);
      KeyStore own = KeyStore.getInstance("JKS");
      own.load(null, null);
      own.setKeyEntry("client", privateKey(key), IN_MEMORY, chain.toArray(new Certificate[0]));
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(own, IN_MEMORY);
      return new TlsKeys(kmf, tmf);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static Collection<? extends Certificate> certificates(byte[] pem, String what)
      throws GeneralSecurityException {
    Collection<? extends Certificate> all =
        CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
    if (all.isEmpty() || !(all.iterator().next() instanceof X509Certificate)) {
      throw new IllegalArgumentException("the " + what + " file holds no PEM certificate");
    }
    return all;
  }

  /** PKCS#8, or the OpenSSL forms kubeadm writes: PKCS#1 for RSA, SEC 1 for EC keys. */
  private static PrivateKey privateKey(byte[] pem) throws IOException {
    Object read;
    try (PEMParser p =
        new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
      read = p.readObject();
    }
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    if (read instanceof PEMKeyPair pair) {
      return converter.getPrivateKey(pair.getPrivateKeyInfo());
    }
    if (read instanceof PrivateKeyInfo info) {
      return converter.getPrivateKey(info);
    }
    throw new IllegalArgumentException(
        read == null
            ? "the key file holds no PEM private key"
            : "the key file holds no unencrypted private key (found "
                + read.getClass().getSimpleName()
                + ")");
  }

  private static String fingerprint(byte[] ca, byte[] cert, byte[] key) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      for (byte[] part : new byte[][] {ca, cert, key}) {
        // Length first, so that no two different splits of the same bytes share a fingerprint.
        d.update(java.nio.ByteBuffer.allocate(4).putInt(part.length).array());
        d.update(part);
      }
      return java.util.HexFormat.of().formatHex(d.digest());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}

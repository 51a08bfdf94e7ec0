package dev.runbook.engine.internal.identity;

import dev.runbook.engine.api.IdentityException;
import dev.runbook.engine.api.Refusal;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * An SSH public key of a type this engine verifies: {@code ssh-ed25519}, {@code
 * ecdsa-sha2-nistp256}, {@code ssh-rsa} (signatures with SHA-2 only). Held as its wire blob, which
 * is what allowed-signers lines, SSHSIG signatures and the agent all carry, and as a JCA key.
 */
public final class SshKey {

  public static final List<String> TYPES = List.of("ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa");

  /**
   * The DER prefix of an X.509 SubjectPublicKeyInfo for Ed25519 (RFC 8410), before the 32 bytes.
   */
  private static final byte[] ED25519_SPKI = HexBytes.of("302a300506032b6570032100");

  private final String type;
  private final byte[] blob;
  private final PublicKey key;

  private SshKey(String type, byte[] blob, PublicKey key) {
    this.type = type;
    this.blob = blob;
    this.key = key;
  }

  public String type() {
    return type;
  }

  public byte[] blob() {
    return blob.clone();
  }

  PublicKey key() {
    return key;
  }

  /** {@code SHA256:base64} without padding, as {@code ssh-keygen -l} prints it. */
  public String fingerprint() {
    try {
      return "SHA256:"
          + Base64.getEncoder()
              .withoutPadding()
              .encodeToString(MessageDigest.getInstance("SHA-256").digest(blob));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code TYPE BASE64}, as in an authorized_keys or allowed_signers line. */
  public String openssh() {
    return type + " " + Base64.getEncoder().encodeToString(blob);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SshKey k && Arrays.equals(blob, k.blob);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(blob);
  }

  @Override
  public String toString() {
    return type + " " + fingerprint();
  }

  /**
   * Parses a key blob.
   *
   * @throws IllegalArgumentException naming what is wrong (type not supported, blob cut short)
   */
  public static SshKey fromBlob(byte[] blob) {
    SshWire.Reader r = new SshWire.Reader(blob);
    try {
      String type = r.text();
      PublicKey key =
          switch (type) {
            case "ssh-ed25519" -> {
              byte[] raw = r.string();
              if (raw.length != 32) {
                throw new IllegalArgumentException(
                    "an ssh-ed25519 key is 32 bytes, not " + raw.length);
              }
              byte[] der = Arrays.copyOf(ED25519_SPKI, ED25519_SPKI.length + 32);
              System.arraycopy(raw, 0, der, ED25519_SPKI.length, 32);
              yield KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
            }
            case "ecdsa-sha2-nistp256" -> {
              String curve = r.text();
              if (!curve.equals("nistp256")) {
                throw new IllegalArgumentException("curve " + curve + " in an " + type + " key");
              }
              byte[] q = r.string();
              if (q.length != 65 || q[0] != 4) {
                throw new IllegalArgumentException(
                    "an " + type + " key needs an uncompressed point");
              }
              ECPoint w =
                  new ECPoint(
                      new BigInteger(1, Arrays.copyOfRange(q, 1, 33)),
                      new BigInteger(1, Arrays.copyOfRange(q, 33, 65)));
              yield KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, p256()));
            }
            case "ssh-rsa" -> {
              BigInteger e = r.mpint();
              BigInteger n = r.mpint();
              if (n.bitLength() < 2048) {
                throw new IllegalArgumentException(
                    "an ssh-rsa key of " + n.bitLength() + " bits is too short: use 2048 or more");
              }
              yield KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
            }
            default ->
                throw new IllegalArgumentException(
                    "key type " + type + " is not supported; use one of " + TYPES);
          };
      if (!r.done()) {
        throw new IllegalArgumentException("the " + type + " key has bytes after its end");
      }
      return new SshKey(type, blob.clone(), key);
    } catch (SshWire.Truncated e) {
      throw new IllegalArgumentException("the key ends early (truncated)");
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a valid key: " + e.getMessage());
    }
  }

  /** The SSH form of a JCA public key (Ed25519, EC P-256, RSA). */
  public static SshKey of(PublicKey key) {
    SshWire.Writer w = new SshWire.Writer();
    if (key instanceof RSAPublicKey rsa) {
      w.string("ssh-rsa").mpint(rsa.getPublicExponent()).mpint(rsa.getModulus());
    } else if (key instanceof ECPublicKey ec) {
      w.string("ecdsa-sha2-nistp256").string("nistp256").string(point(ec));
    } else if (key instanceof EdECPublicKey
        || "Ed25519".equals(key.getAlgorithm())
        || "EdDSA".equals(key.getAlgorithm())) {
      byte[] der = key.getEncoded();
      w.string("ssh-ed25519").string(Arrays.copyOfRange(der, der.length - 32, der.length));
    } else {
      throw new IllegalArgumentException(
          "key algorithm " + key.getAlgorithm() + " is not supported; use one of " + TYPES);
    }
    return fromBlob(w.bytes());
  }

  /**
   * Checks a signature blob ({@code string algorithm, string signature}) over {@code data}.
   *
   * @throws IdentityException UNSUPPORTED_ALGORITHM, MALFORMED or BAD_SIGNATURE
   */
  void verify(byte[] data, byte[] signatureBlob) {
    SshWire.Reader r = new SshWire.Reader(signatureBlob);
    String alg;
    byte[] sig;
    try {
      alg = r.text();
      sig = r.string();
    } catch (SshWire.Truncated e) {
      throw new IdentityException(Refusal.MALFORMED, "the signature ends early (truncated)");
    }
    String jca = jcaAlgorithm(alg);
    try {
      if (type.equals("ecdsa-sha2-nistp256")) {
        SshWire.Reader rs = new SshWire.Reader(sig);
        sig = derSignature(rs.mpint(), rs.mpint());
      }
      Signature v = Signature.getInstance(jca);
      v.initVerify(key);
      v.update(data);
      if (!v.verify(sig)) {
        throw new IdentityException(
            Refusal.BAD_SIGNATURE,
            "the signature does not match the statement: one of them was changed");
      }
    } catch (SshWire.Truncated e) {
      throw new IdentityException(Refusal.MALFORMED, "the signature ends early (truncated)");
    } catch (GeneralSecurityException e) {
      throw new IdentityException(
          Refusal.BAD_SIGNATURE, "the signature does not verify: " + e.getMessage());
    }
  }

  /** The JCA algorithm that checks an SSH signature algorithm made by this key's type. */
  String jcaAlgorithm(String sshAlgorithm) {
    String jca =
        switch (type + " " + sshAlgorithm) {
          case "ssh-ed25519 ssh-ed25519" -> "Ed25519";
          case "ecdsa-sha2-nistp256 ecdsa-sha2-nistp256" -> "SHA256withECDSA";
          case "ssh-rsa rsa-sha2-512" -> "SHA512withRSA";
          case "ssh-rsa rsa-sha2-256" -> "SHA256withRSA";
          default -> null;
        };
    if (jca == null) {
      throw new IdentityException(
          Refusal.UNSUPPORTED_ALGORITHM,
          "signature algorithm "
              + sshAlgorithm
              + " for a "
              + type
              + " key is not accepted"
              + (type.equals("ssh-rsa") ? " (RSA needs rsa-sha2-256 or rsa-sha2-512)" : ""));
    }
    return jca;
  }

  static ECParameterSpec p256() {
    try {
      AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
      p.init(new ECGenParameterSpec("secp256r1"));
      return p.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] point(ECPublicKey ec) {
    byte[] q = new byte[65];
    q[0] = 4;
    unsigned(ec.getW().getAffineX(), q, 1);
    unsigned(ec.getW().getAffineY(), q, 33);
    return q;
  }

  private static void unsigned(BigInteger v, byte[] into, int at) {
    byte[] b = v.toByteArray();
    int skip = b.length > 32 ? b.length - 32 : 0;
    System.arraycopy(b, skip, into, at + 32 - (b.length - skip), b.length - skip);
  }

  /** ECDSA (r, s) as the DER SEQUENCE JCA expects. */
  static byte[] derSignature(BigInteger r, BigInteger s) {
    byte[] rb = r.toByteArray();
    byte[] sb = s.toByteArray();
    int len = 2 + rb.length + 2 + sb.length;
    SshWire.Writer w = new SshWire.Writer().byte8(0x30);
    derLength(w, len);
    w.byte8(0x02);
    derLength(w, rb.length);
    w.raw(rb).byte8(0x02);
    derLength(w, sb.length);
    return w.raw(sb).bytes();
  }

  private static void derLength(SshWire.Writer w, int len) {
    if (len < 128) {
      w.byte8(len);
    } else {
      w.byte8(0x81).byte8(len);
    }
  }

  /** ECDSA's DER SEQUENCE back to (r, s) as SSH writes them: two mpints. */
  static byte[] sshEcdsaSignature(byte[] der) {
    SshWire.Reader r = new SshWire.Reader(der);
    r.byte8(); // SEQUENCE
    derLength(r);
    r.byte8(); // INTEGER
    BigInteger rv = new BigInteger(r.raw(derLength(r)));
    r.byte8();
    BigInteger sv = new BigInteger(r.raw(derLength(r)));
    return new SshWire.Writer().mpint(rv).mpint(sv).bytes();
  }

  private static int derLength(SshWire.Reader r) {
    int b = r.byte8();
    if (b < 128) {
      return b;
    }
    int n = 0;
    for (int i = 0; i < (b & 0x7f); i++) {
      n = (n << 8) | r.byte8();
    }
    return n;
  }

  /** Hex literals for the few DER constants above. */
  static final class HexBytes {
    static byte[] of(String hex) {
      return java.util.HexFormat.of().parseHex(hex);
    }
  }
}

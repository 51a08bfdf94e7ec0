package dev.runbook.engine.internal.evidence;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * OpenSSH signatures (SSHSIG, PROTOCOL.sshsig; what {@code ssh-keygen -Y sign} makes) with Ed25519
 * keys only: all the engine's own key needs. Small on purpose, so that a general SSHSIG library
 * (people's keys: ECDSA, RSA) can replace it without touching the evidence format.
 *
 * <p>The JDK's Ed25519, not Bouncy Castle's: in a fresh JVM (every CLI command) Bouncy Castle's
 * first key use took 0.7 to 0.8 s here (its tables), the JDK's key and first signature 0.1 to 0.2 s
 * together.
 */
final class SshSig {

  static final String NAMESPACE = "runbook-evidence";
  static final String KEY_TYPE = "ssh-ed25519";

  private static final byte[] MAGIC = "SSHSIG".getBytes(StandardCharsets.US_ASCII);
  private static final String HASH = "sha512";
  private static final String BEGIN = "-----BEGIN SSH SIGNATURE-----";
  private static final String END = "-----END SSH SIGNATURE-----";
  // An Ed25519 SubjectPublicKeyInfo is this prefix and the 32-byte key (RFC 8410).
  private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

  private SshSig() {}

  /** Why a signature does not hold; see {@link #verify}. */
  static final class BadSignature extends Exception {
    BadSignature(String message) {
      super(message);
    }
  }

  /** The armored signature of {@code message} by {@code key} in {@code namespace}. */
  static String sign(PrivateKey key, byte[] publicKey, String namespace, byte[] message) {
    byte[] raw;
    try {
      Signature signer = Signature.getInstance("Ed25519");
      signer.initSign(key);
      signer.update(signedData(namespace, message));
      raw = signer.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java 17 platform has Ed25519", e);
    }
    Writer sig = new Writer().string(KEY_TYPE).string(raw);
    Writer blob =
        new Writer()
            .raw(MAGIC)
            .uint32(1)
            .string(publicKeyBlob(publicKey))
            .string(namespace)
            .string("")
            .string(HASH)
            .string(sig.bytes());
    return armor(blob.bytes());
  }

  /**
   * Checks an armored signature of {@code message} in {@code namespace} and returns the public key
   * blob (SSH wire format) it was made with; whether that key is trusted is the caller's question.
   */
  static byte[] verify(String armored, String namespace, byte[] message) throws BadSignature {
    byte[] blob = dearmor(armored);
    try {
      ByteBuffer in = ByteBuffer.wrap(blob);
      byte[] magic = new byte[MAGIC.length];
      in.get(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new BadSignature("not an SSHSIG signature (no SSHSIG magic)");
      }
      int version = in.getInt();
      if (version != 1) {
        throw new BadSignature("SSHSIG version " + version + ", only 1 is known");
      }
      byte[] publicKey = string(in);
      String ns = text(in);
      string(in); // reserved
      String hash = text(in);
      byte[] sig = string(in);
      if (in.hasRemaining()) {
        throw new BadSignature("bytes after the signature");
      }
      if (!ns.equals(namespace)) {
        throw new BadSignature("made for namespace '" + ns + "', not '" + namespace + "'");
      }
      byte[] raw = ed25519Key(publicKey);
      ByteBuffer s = ByteBuffer.wrap(sig);
      if (!text(s).equals(KEY_TYPE)) {
        throw new BadSignature("not an Ed25519 signature");
      }
      byte[] rawSig = string(s);
      if (!hash.equals("sha512") && !hash.equals("sha256")) {
        throw new BadSignature("unknown hash algorithm " + hash);
      }
      if (rawSig.length != 64 || !verifies(raw, signedData(ns, hash, message), rawSig)) {
        throw new BadSignature("the signature does not match the signed text");
      }
      return publicKey;
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new BadSignature("the signature is truncated or malformed");
    }
  }

  private static boolean verifies(byte[] publicKey, byte[] data, byte[] signature) {
    try {
      byte[] spki = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + 32);
      System.arraycopy(publicKey, 0, spki, X509_PREFIX.length, 32);
      Signature verifier = Signature.getInstance("Ed25519");
      verifier.initVerify(
          KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki)));
      verifier.update(data);
      return verifier.verify(signature);
    } catch (java.security.InvalidKeyException
        | java.security.spec.InvalidKeySpecException
        | java.security.SignatureException e) {
      return false; // a key or signature that is not one: it does not verify
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java 17 platform has Ed25519", e);
    }
  }

  /** The private key of a 32-byte Ed25519 seed (what OpenSSH keeps). */
  static PrivateKey privateKey(byte[] seed) {
    try {
      return KeyFactory.getInstance("Ed25519")
          .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java 17 platform has Ed25519", e);
    }
  }

  /** A new Ed25519 key pair as {seed, raw public key}, 32 bytes each. */
  static byte[][] generate() {
    try {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      byte[] seed = ((EdECPrivateKey) pair.getPrivate()).getBytes().orElseThrow();
      byte[] spki = pair.getPublic().getEncoded();
      return new byte[][] {seed, Arrays.copyOfRange(spki, spki.length - 32, spki.length)};
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java 17 platform has Ed25519", e);
    }
  }

  /** {@code ssh-ed25519} public key blob (SSH wire format) of a raw 32-byte key. */
  static byte[] publicKeyBlob(byte[] raw) {
    return new Writer().string(KEY_TYPE).string(raw).bytes();
  }

  /** The raw 32-byte key of an {@code ssh-ed25519} public key blob. */
  static byte[] ed25519Key(byte[] blob) throws BadSignature {
    try {
      ByteBuffer in = ByteBuffer.wrap(blob);
      String type = text(in);
      if (!type.equals(KEY_TYPE)) {
        throw new BadSignature("signed with a " + type + " key; the engine's key is Ed25519");
      }
      byte[] raw = string(in);
      if (raw.length != 32 || in.hasRemaining()) {
        throw new BadSignature("malformed Ed25519 public key");
      }
      return raw;
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new BadSignature("malformed public key");
    }
  }

  /** OpenSSH's fingerprint of a public key blob: {@code SHA256:} and unpadded base64. */
  static String fingerprint(byte[] blob) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(blob);
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  private static byte[] signedData(String namespace, byte[] message) {
    return signedData(namespace, HASH, message);
  }

  private static byte[] signedData(String namespace, String hash, byte[] message) {
    byte[] digest;
    try {
      digest =
          MessageDigest.getInstance(hash.equals("sha256") ? "SHA-256" : "SHA-512").digest(message);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256 and SHA-512", e);
    }
    return new Writer().raw(MAGIC).string(namespace).string("").string(hash).string(digest).bytes();
  }

  private static String armor(byte[] blob) {
    return armor(BEGIN, END, blob);
  }

  /** PEM-like armor as OpenSSH writes it: base64 in lines of 70 between the two lines. */
  static String armor(String begin, String end, byte[] blob) {
    String b64 = Base64.getEncoder().encodeToString(blob);
    StringBuilder out = new StringBuilder(begin).append('\n');
    for (int i = 0; i < b64.length(); i += 70) {
      out.append(b64, i, Math.min(b64.length(), i + 70)).append('\n');
    }
    return out.append(end).append('\n').toString();
  }

  private static byte[] dearmor(String armored) throws BadSignature {
    String text = armored == null ? "" : armored.strip();
    if (!text.startsWith(BEGIN) || !text.endsWith(END)) {
      throw new BadSignature("not an armored SSH signature (" + BEGIN + " ... " + END + ")");
    }
    String b64 = text.substring(BEGIN.length(), text.length() - END.length()).replaceAll("\\s", "");
    try {
      return Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      throw new BadSignature("the signature's base64 is damaged");
    }
  }

  static byte[] string(ByteBuffer in) {
    int n = in.getInt();
    if (n < 0 || n > in.remaining()) {
      throw new BufferUnderflowException();
    }
    byte[] b = new byte[n];
    in.get(b);
    return b;
  }

  static String text(ByteBuffer in) {
    return new String(string(in), StandardCharsets.UTF_8);
  }

  /** SSH wire encoding: uint32 and length-prefixed strings. */
  static final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Writer raw(byte[] b) {
      out.writeBytes(b);
      return this;
    }

    Writer uint32(int v) {
      out.writeBytes(ByteBuffer.allocate(4).putInt(v).array());
      return this;
    }

    Writer string(byte[] b) {
      return uint32(b.length).raw(b);
    }

    Writer string(String s) {
      return string(s.getBytes(StandardCharsets.UTF_8));
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}

package dev.runbook.engine.internal.identity;

import dev.runbook.engine.api.IdentityException;
import dev.runbook.engine.api.Refusal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;

/**
 * An SSHSIG signature (OpenSSH PROTOCOL.sshsig), what {@code ssh-keygen -Y sign} writes: the
 * signer's public key, the namespace, the hash algorithm and the signature over the signed-data
 * blob, armored between {@code -----BEGIN SSH SIGNATURE-----} lines.
 */
public record SshSig(SshKey key, String namespace, String hashAlgorithm, byte[] signature) {

  /** The namespace every runbook statement is signed in: {@code ssh-keygen -Y sign -n runbook}. */
  public static final String NAMESPACE = "runbook";

  private static final byte[] MAGIC = "SSHSIG".getBytes(StandardCharsets.US_ASCII);
  private static final String BEGIN = "-----BEGIN SSH SIGNATURE-----";
  private static final String END = "-----END SSH SIGNATURE-----";

  /**
   * Parses an armored signature.
   *
   * @throws IdentityException MALFORMED (not armored, truncated, bad version) or
   *     UNSUPPORTED_ALGORITHM (key type or hash)
   */
  public static SshSig parse(String armored) {
    String text = armored.strip();
    int begin = text.indexOf(BEGIN);
    int end = text.indexOf(END);
    if (begin < 0 || end < begin) {
      throw new IdentityException(
          Refusal.MALFORMED,
          "not an SSH signature: it needs the "
              + BEGIN
              + " and "
              + END
              + " lines, as ssh-keygen -Y sign writes them"
              + (begin >= 0 ? " (the END line is missing: truncated?)" : ""));
    }
    byte[] blob;
    try {
      blob =
          Base64.getMimeDecoder()
              .decode(text.substring(begin + BEGIN.length(), end).replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw new IdentityException(Refusal.MALFORMED, "the signature's base64 is broken");
    }
    SshWire.Reader r = new SshWire.Reader(blob);
    try {
      if (!Arrays.equals(r.raw(6), MAGIC)) {
        throw new IdentityException(Refusal.MALFORMED, "not an SSHSIG blob (no SSHSIG magic)");
      }
      int version = r.uint32();
      if (version != 1) {
        throw new IdentityException(
            Refusal.MALFORMED, "SSHSIG version " + version + " is not supported (1 is)");
      }
      byte[] keyBlob = r.string();
      String namespace = r.text();
      r.string(); // reserved
      String hash = r.text();
      byte[] signature = r.string();
      if (!r.done()) {
        throw new IdentityException(Refusal.MALFORMED, "the signature has bytes after its end");
      }
      SshKey key;
      try {
        key = SshKey.fromBlob(keyBlob);
      } catch (IllegalArgumentException e) {
        throw new IdentityException(Refusal.UNSUPPORTED_ALGORITHM, e.getMessage());
      }
      digest(hash, new byte[0]);
      return new SshSig(key, namespace, hash, signature);
    } catch (SshWire.Truncated e) {
      throw new IdentityException(Refusal.MALFORMED, "the signature ends early (truncated)");
    }
  }

  /** The armored text, 70 columns of base64 as ssh-keygen writes it. */
  public String armored() {
    byte[] blob =
        new SshWire.Writer()
            .raw(MAGIC)
            .uint32(1)
            .string(key.blob())
            .string(namespace)
            .string(new byte[0])
            .string(hashAlgorithm)
            .string(signature)
            .bytes();
    return SshWire.armor(BEGIN, END, blob);
  }

  /** What the key signs: magic, namespace, reserved, hash algorithm and the message's hash. */
  static byte[] signedData(String namespace, String hashAlgorithm, byte[] message) {
    return new SshWire.Writer()
        .raw(MAGIC)
        .string(namespace)
        .string(new byte[0])
        .string(hashAlgorithm)
        .string(digest(hashAlgorithm, message))
        .bytes();
  }

  private static byte[] digest(String hashAlgorithm, byte[] message) {
    String jca =
        switch (hashAlgorithm) {
          case "sha512" -> "SHA-512";
          case "sha256" -> "SHA-256";
          default ->
              throw new IdentityException(
                  Refusal.UNSUPPORTED_ALGORITHM,
                  "hash " + hashAlgorithm + " is not accepted (sha512 or sha256 are)");
        };
    try {
      return MessageDigest.getInstance(jca).digest(message);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Checks this signature over {@code message} in {@code namespace}: the cryptography only.
   *
   * @throws IdentityException WRONG_NAMESPACE, UNSUPPORTED_ALGORITHM, MALFORMED, BAD_SIGNATURE
   */
  public void verify(byte[] message, String expectedNamespace) {
    if (!namespace.equals(expectedNamespace)) {
      throw new IdentityException(
          Refusal.WRONG_NAMESPACE,
          "the signature is for namespace '"
              + namespace
              + "', not '"
              + expectedNamespace
              + "': sign with ssh-keygen -Y sign -n "
              + expectedNamespace);
    }
    key.verify(signedData(namespace, hashAlgorithm, message), signature);
  }

  /**
   * Checks the signature and that the allowed-signers file lets its key sign as {@code principal}
   * now: what {@code ssh-keygen -Y verify -f FILE -I PRINCIPAL -n NAMESPACE} checks.
   *
   * @return the allowed-signers line that admitted the key
   */
  public AllowedSigners.Entry verify(
      byte[] message, String namespace, AllowedSigners signers, String principal, Instant now) {
    verify(message, namespace);
    return signers.check(key, principal, namespace, now);
  }

  /** Signs {@code message} in {@code namespace} with sha512, as ssh-keygen does by default. */
  public static SshSig sign(Signer signer, String namespace, byte[] message) {
    String hash = "sha512";
    byte[] sig = signer.sign(signedData(namespace, hash, message));
    return new SshSig(signer.key(), namespace, hash, sig);
  }
}

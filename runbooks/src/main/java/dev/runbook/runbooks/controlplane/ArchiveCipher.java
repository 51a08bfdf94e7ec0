package dev.runbook.runbooks.controlplane;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.BadPaddingException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The archive's encryption, byte for byte what {@code openssl enc -aes-256-cbc -pbkdf2 -iter 600000
 * -md sha256 -salt -pass file:KEY} writes and {@code openssl enc -d} with the same options reads:
 * {@code Salted__}, an 8-byte random salt, then AES-256-CBC with PKCS#7 padding under the key and
 * IV that PBKDF2-HMAC-SHA256 derives from the passphrase and salt (48 bytes: key, then IV).
 *
 * <p>CBC does not authenticate, so the ciphertext also gets an HMAC-SHA256 keyed with the
 * passphrase (encrypt-then-MAC), which {@link ControlPlaneArchive} checks before it decrypts; see
 * docs/adr/0007.
 */
final class ArchiveCipher {

  static final int ITERATIONS = 600_000;
  static final String OPENSSL_OPTIONS =
      "-aes-256-cbc -pbkdf2 -iter " + ITERATIONS + " -md sha256 -salt";
  private static final byte[] MAGIC = "Salted__".getBytes(StandardCharsets.US_ASCII);
  private static final SecureRandom RANDOM = new SecureRandom();

  private ArchiveCipher() {}

  static byte[] encrypt(byte[] plain, KeyFile key) {
    byte[] salt = new byte[8];
    RANDOM.nextBytes(salt);
    try {
      Cipher c = cipher(Cipher.ENCRYPT_MODE, key, salt);
      byte[] body = c.doFinal(plain);
      byte[] out = new byte[16 + body.length];
      System.arraycopy(MAGIC, 0, out, 0, 8);
      System.arraycopy(salt, 0, out, 8, 8);
      System.arraycopy(body, 0, out, 16, body.length);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-CBC is not available in this JDK", e);
    }
  }

  /**
   * @throws ArchiveException WRONG_KEY when the padding does not check out under this key
   */
  static byte[] decrypt(byte[] sealed, KeyFile key, String what) {
    if (sealed.length < 32
        || !Arrays.equals(Arrays.copyOf(sealed, 8), MAGIC)
        || (sealed.length - 16) % 16 != 0) {
      throw new ArchiveException(
          ArchiveException.Reason.NOT_AN_ARCHIVE,
          what + " is not an openssl enc file (no Salted__ header, or not whole AES blocks)");
    }
    byte[] salt = Arrays.copyOfRange(sealed, 8, 16);
    try {
      return cipher(Cipher.DECRYPT_MODE, key, salt).doFinal(sealed, 16, sealed.length - 16);
    } catch (BadPaddingException e) {
      throw new ArchiveException(
          ArchiveException.Reason.WRONG_KEY,
          what + " does not decrypt under this key file (bad padding): wrong key");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-CBC is not available in this JDK", e);
    }
  }

  private static Cipher cipher(int mode, KeyFile key, byte[] salt) throws GeneralSecurityException {
    PBEKeySpec spec = new PBEKeySpec(key.passphrase(), salt, ITERATIONS, 48 * 8);
    byte[] kiv;
    try {
      kiv = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } finally {
      spec.clearPassword();
    }
    Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding");
    c.init(
        mode,
        new SecretKeySpec(Arrays.copyOfRange(kiv, 0, 32), "AES"),
        new IvParameterSpec(Arrays.copyOfRange(kiv, 32, 48)));
    Arrays.fill(kiv, (byte) 0);
    return c;
  }

  /**
   * HMAC-SHA256 of the ciphertext keyed with the passphrase's bytes, in hex: what {@code openssl
   * dgst -sha256 -hmac "$(head -n 1 KEY)" FILE} prints.
   */
  static String hmac(byte[] sealed, KeyFile key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      byte[] k = key.bytes();
      mac.init(new SecretKeySpec(k, "HmacSHA256"));
      Arrays.fill(k, (byte) 0);
      return HexFormat.of().formatHex(mac.doFinal(sealed));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available in this JDK", e);
    }
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}

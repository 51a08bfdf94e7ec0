package dev.runbook.engine.internal.plan;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a secret parameter enters a plan: as an HMAC-SHA256 of its name and value under a key only
 * the engine's home holds. Another value makes another plan hash, so a run cannot be bound to a
 * plan approved with a different token; and the plan, shown and pasted, reveals nothing of the
 * value, not even to someone trying guesses (a plain SHA-256 of a short token would).
 */
public final class SecretDigest {

  static final String PREFIX = "hmac-sha256:";

  private final SecretKeySpec key;

  private SecretDigest(byte[] key) {
    this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
  }

  /**
   * @param key at least 32 bytes, kept secret (derived from the home's engine key)
   */
  public static SecretDigest of(byte[] key) {
    if (key.length < 32) {
      throw new IllegalArgumentException("a secret digest key has at least 32 bytes");
    }
    return new SecretDigest(key);
  }

  /** What the plan records for the secret parameter {@code name} set to {@code value}. */
  String of(String name, String value) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      mac.update(name.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 0);
      return PREFIX + HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}

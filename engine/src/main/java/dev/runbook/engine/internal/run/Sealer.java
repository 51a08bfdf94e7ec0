package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.SealedSecretException;
import dev.runbook.engine.internal.evidence.EngineKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Secret values as the engine database keeps them: sealed with AES-256-GCM under a key derived from
 * the home's engine key, so H2 (or PostgreSQL) never holds one in clear, and opened only in memory,
 * where a run's session or a step's input needs it.
 *
 * <p>A sealed value reads {@code sealed:v1:KEYID:NAME:DATA}: KEYID names the key (so a home whose
 * engine.key was replaced says so instead of "damaged"), NAME the variable it was sealed for, DATA
 * the nonce and ciphertext with its tag (base64url). The run id and NAME are authenticated with it:
 * a value copied to another variable or run does not open. Sealed values may sit inside a longer
 * text (an input mapping {@code secret is ${token}} makes one): {@link #open} opens each.
 */
final class Sealer {

  static final String PREFIX = "sealed:v1:";
  private static final String PURPOSE = "sealed secret values v1";
  private static final Pattern SEALED =
      Pattern.compile("sealed:v1:([0-9a-f]{8}):([A-Za-z0-9_.-]+):([A-Za-z0-9_-]+)");
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path home;
  private final String runId;
  private SecretKeySpec key;
  private String keyId;

  private Sealer(Path home, String runId) {
    this.home = home;
    this.runId = runId;
  }

  /** Seals and opens the values of run {@code runId} under the engine key of {@code home}. */
  static Sealer of(Path home, String runId) {
    return new Sealer(home, runId);
  }

  /** Does this text hold a sealed value? */
  static boolean holdsSealed(String text) {
    return text != null && text.contains(PREFIX);
  }

  /** {@code value} sealed for the variable {@code name}. */
  String seal(String name, String value) {
    load(true);
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(aad(name));
      byte[] sealed = c.doFinal(value.getBytes(StandardCharsets.UTF_8));
      byte[] data = new byte[nonce.length + sealed.length];
      System.arraycopy(nonce, 0, data, 0, nonce.length);
      System.arraycopy(sealed, 0, data, nonce.length, sealed.length);
      return PREFIX
          + keyId
          + ":"
          + name
          + ":"
          + Base64.getUrlEncoder().withoutPadding().encodeToString(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/GCM is part of every JDK", e);
    }
  }

  /**
   * The text with every sealed value in it opened; a text without one is returned as it is.
   *
   * @throws SealedSecretException when one does not open, saying why
   */
  String open(String text) {
    if (!holdsSealed(text)) {
      return text;
    }
    Matcher m = SEALED.matcher(text);
    StringBuilder out = new StringBuilder();
    int copied = 0;
    while (m.find()) {
      out.append(clear(text.substring(copied, m.start())))
          .append(open(m.group(1), m.group(2), m.group(3)));
      copied = m.end();
    }
    return out.append(clear(text.substring(copied))).toString();
  }

  /** Text between sealed values: a "sealed:v1:" left in it is a value cut short. */
  private String clear(String between) {
    if (holdsSealed(between)) {
      throw damaged("a sealed value that is cut short or malformed");
    }
    return between;
  }

  private String open(String id, String name, String data) {
    load(false);
    if (!id.equals(keyId)) {
      throw new SealedSecretException(
          SealedSecretException.Reason.OTHER_KEY,
          "run "
              + runId
              + " keeps its secret value '"
              + name
              + "' sealed under engine key "
              + id
              + ", but "
              + home.resolve("engine.key")
              + " is key "
              + keyId
              + ": the home's engine.key was replaced. Put the home's own engine.key back (from a"
              + " backup of "
              + home
              + "); nothing was run");
    }
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(data);
    } catch (IllegalArgumentException e) {
      throw damaged("the sealed value of '" + name + "'");
    }
    if (bytes.length < NONCE_BYTES + TAG_BITS / 8) {
      throw damaged("the sealed value of '" + name + "'");
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(
          Cipher.DECRYPT_MODE,
          key,
          new GCMParameterSpec(TAG_BITS, Arrays.copyOf(bytes, NONCE_BYTES)));
      c.updateAAD(aad(name));
      return new String(
          c.doFinal(bytes, NONCE_BYTES, bytes.length - NONCE_BYTES), StandardCharsets.UTF_8);
    } catch (AEADBadTagException e) {
      throw damaged("the sealed value of '" + name + "'");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/GCM is part of every JDK", e);
    }
  }

  private SealedSecretException damaged(String what) {
    return new SealedSecretException(
        SealedSecretException.Reason.DAMAGED,
        "run "
            + runId
            + ": "
            + what
            + " in the engine database does not open: it was changed, cut or copied from"
            + " elsewhere, not written by this engine for this run. Nothing was run; abort the run"
            + " and start a new one");
  }

  private byte[] aad(String name) {
    return ("runbook sealed v1\0" + runId + "\0" + name).getBytes(StandardCharsets.UTF_8);
  }

  /** Sealing may make the home's key (a new home); opening needs the key it was sealed under. */
  private synchronized void load(boolean create) {
    if (key != null) {
      return;
    }
    EngineKey engineKey;
    try {
      engineKey = create ? EngineKey.loadOrCreate(home) : EngineKey.load(home);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (engineKey == null) {
      throw new SealedSecretException(
          SealedSecretException.Reason.KEY_MISSING,
          "run "
              + runId
              + " keeps its secret values sealed under the home's engine key, and "
              + home.resolve("engine.key")
              + " is missing: put it back (from a backup of "
              + home
              + "); nothing was run");
    }
    key = new SecretKeySpec(engineKey.derive(PURPOSE), "AES");
    keyId = HexFormat.of().formatHex(engineKey.derive(PURPOSE + " id"), 0, 4);
  }
}

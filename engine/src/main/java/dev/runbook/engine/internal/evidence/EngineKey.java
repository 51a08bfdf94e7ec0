package dev.runbook.engine.internal.evidence;

import dev.runbook.engine.internal.identity.KeyFileSigner;
import dev.runbook.engine.internal.identity.Signer;
import dev.runbook.engine.internal.identity.SshKey;
import dev.runbook.engine.internal.identity.SshSig;
import dev.runbook.engine.internal.identity.SshWire;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;

/**
 * The engine home's own Ed25519 key, which signs the evidence's checkpoints. Made once per home as
 * {@code <home>/engine.key} (OpenSSH's private key format, mode 0600, so {@code ssh-keygen -y -f}
 * reads it) with {@code engine.key.pub} beside it, whose comment {@code runbook-engine@<home id>}
 * names the home. The public key is always derived from the private one: the .pub file is a copy
 * for people and tools, never trusted on read. It signs with the identity package's SSHSIG, the one
 * that verifies people's statements, in its own namespace {@value #NAMESPACE}.
 */
public final class EngineKey {

  static final String FILE = "engine.key";
  static final String PUBLIC_FILE = "engine.key.pub";

  /** The SSHSIG namespace of checkpoints: never {@code runbook}, what people sign statements in. */
  public static final String NAMESPACE = "runbook-evidence";

  static final String KEY_TYPE = "ssh-ed25519";

  private static final String BEGIN = "-----BEGIN OPENSSH PRIVATE KEY-----";
  private static final String END = "-----END OPENSSH PRIVATE KEY-----";
  private static final byte[] AUTH_MAGIC = "openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII);

  private final byte[] seed;
  private final byte[] raw; // the 32-byte public key
  private final PublicKey publicKey;
  // Made in the background: the JDK's first Ed25519 use in a process (its provider) costs about
  // 0.1 s, which the command's other start-up work can hide before the first checkpoint.
  private final CompletableFuture<Signer> signer;

  private EngineKey(byte[] seed, byte[] raw, String comment) {
    this.seed = seed;
    this.raw = raw;
    this.publicKey = new PublicKey(publicKeyBlob(raw), comment);
    this.signer =
        CompletableFuture.supplyAsync(
            () -> KeyFileSigner.of(SshKey.fromBlob(publicKey.blob()), privateKey(seed)));
  }

  /**
   * An engine's public key as OpenSSH writes it: {@code ssh-ed25519 AAAA... comment}.
   *
   * @param blob the key in SSH wire format
   */
  public record PublicKey(byte[] blob, String comment) {

    /**
     * Reads a public key line.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static PublicKey parse(String line) {
      String[] parts = line.strip().split("\\s+", 3);
      if (parts.length < 2 || !parts[0].equals(KEY_TYPE)) {
        throw new IllegalArgumentException(
            "not an engine public key: expected 'ssh-ed25519 AAAA... runbook-engine@...'");
      }
      byte[] blob;
      try {
        blob = Base64.getDecoder().decode(parts[1]);
        if (!SshKey.fromBlob(blob).type().equals(KEY_TYPE)) {
          throw new IllegalArgumentException("not Ed25519");
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("the engine public key's base64 is damaged");
      }
      return new PublicKey(blob, parts.length == 3 ? parts[2] : "");
    }

    /** The line for authorized_keys, allowed_signers or a ticket. */
    public String line() {
      return KEY_TYPE + " " + Base64.getEncoder().encodeToString(blob) + " " + comment;
    }

    public String fingerprint() {
      return SshKey.fromBlob(blob).fingerprint();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof PublicKey p && Arrays.equals(blob, p.blob);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(blob);
    }

    @Override
    public String toString() {
      return line();
    }
  }

  /**
   * The home's key, made if the home has none yet. Two processes making it at once agree on one:
   * each writes a complete key to a file of its own and links it to {@code engine.key}; a link
   * never replaces a file, so the first one wins and the other reads the winner's.
   */
  public static EngineKey loadOrCreate(Path home) throws IOException {
    Path file = home.resolve(FILE);
    if (!Files.exists(file)) {
      create(home, file);
    }
    EngineKey key = read(file);
    Path pub = home.resolve(PUBLIC_FILE);
    String line = key.publicKey().line() + "\n";
    if (!Files.exists(pub) || !Files.readString(pub).equals(line)) {
      Path tmp = Files.createTempFile(home, PUBLIC_FILE + ".", ".tmp");
      Files.writeString(tmp, line);
      Files.move(tmp, pub, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
    return key;
  }

  /** The home's key if it has one, else null (a home that never ran anything since keys). */
  public static EngineKey load(Path home) throws IOException {
    try {
      return read(home.resolve(FILE));
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private static void create(Path home, Path file) throws IOException {
    Files.createDirectories(home);
    byte[] id = new byte[4];
    SecureRandom random = new SecureRandom();
    random.nextBytes(id);
    byte[][] pair = generate();
    EngineKey key =
        new EngineKey(pair[0], pair[1], "runbook-engine@" + HexFormat.of().formatHex(id));
    Path tmp =
        Files.createTempFile(
            home,
            FILE + ".",
            ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Files.write(tmp, key.privateKeyFile(random), StandardOpenOption.WRITE);
      try (var channel = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      Files.createLink(file, tmp);
    } catch (FileAlreadyExistsException e) {
      // Another process made the home's key first: theirs is the key.
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static EngineKey read(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
    if (!text.startsWith(BEGIN) || !text.endsWith(END)) {
      throw new IOException(
          file + " is not an OpenSSH private key: move it away to make a new one");
    }
    try {
      byte[] blob =
          Base64.getMimeDecoder()
              .decode(text.substring(BEGIN.length(), text.length() - END.length()));
      SshWire.Reader in = new SshWire.Reader(blob);
      if (!Arrays.equals(in.raw(AUTH_MAGIC.length), AUTH_MAGIC)
          || !in.text().equals("none")
          || !in.text().equals("none")) {
        throw new IOException(file + ": not an unencrypted openssh-key-v1 key");
      }
      in.string(); // kdf options
      in.uint32(); // number of keys: 1
      in.string(); // public key, again in the private section
      SshWire.Reader p = new SshWire.Reader(in.string());
      if (p.uint32() != p.uint32() || !p.text().equals(KEY_TYPE)) {
        throw new IOException(file + ": not an Ed25519 key");
      }
      byte[] raw = p.string();
      byte[] secret = p.string(); // seed || public key
      String comment = p.text();
      if (raw.length != 32 || secret.length != 64 || !Arrays.equals(secret, 32, 64, raw, 0, 32)) {
        throw new IOException(file + " is damaged: move it away to make a new one");
      }
      return new EngineKey(Arrays.copyOf(secret, 32), raw, comment);
    } catch (IllegalArgumentException | SshWire.Truncated e) {
      throw new IOException(file + " is damaged: move it away to make a new one", e);
    }
  }

  /** The key in OpenSSH's private key format (openssh-key-v1, unencrypted), PEM-armored. */
  private byte[] privateKeyFile(SecureRandom random) {
    byte[] pk = raw;
    byte[] secret = new byte[64];
    System.arraycopy(seed, 0, secret, 0, 32);
    System.arraycopy(pk, 0, secret, 32, 32);
    int check = random.nextInt();
    SshWire.Writer priv =
        new SshWire.Writer()
            .uint32(check)
            .uint32(check)
            .string(KEY_TYPE)
            .string(pk)
            .string(secret)
            .string(publicKey.comment());
    byte[] unpadded = priv.bytes();
    byte[] padded = Arrays.copyOf(unpadded, (unpadded.length + 7) / 8 * 8);
    for (int i = unpadded.length; i < padded.length; i++) {
      padded[i] = (byte) (i - unpadded.length + 1);
    }
    byte[] blob =
        new SshWire.Writer()
            .raw(AUTH_MAGIC)
            .string("none")
            .string("none")
            .string("")
            .uint32(1)
            .string(publicKey.blob())
            .string(padded)
            .bytes();
    return SshWire.armor(BEGIN, END, blob).getBytes(StandardCharsets.US_ASCII);
  }

  public PublicKey publicKey() {
    return publicKey;
  }

  /**
   * A 32-byte key for another use, derived from this key's secret half (HMAC-SHA256 of the purpose
   * under the seed): the home keeps one secret, and what is derived from it cannot lead back to it.
   */
  public byte[] derive(String purpose) {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(seed, "HmacSHA256"));
      return mac.doFinal(("runbook-engine " + purpose).getBytes(StandardCharsets.UTF_8));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  /** An armored SSHSIG signature of {@code message} in namespace {@value #NAMESPACE}. */
  String sign(byte[] message) {
    return SshSig.sign(signer.join(), NAMESPACE, message).armored();
  }

  /** {@code ssh-ed25519} public key blob (SSH wire format) of a raw 32-byte key. */
  private static byte[] publicKeyBlob(byte[] raw) {
    return new SshWire.Writer().string(KEY_TYPE).string(raw).bytes();
  }

  /** The private key of a 32-byte Ed25519 seed (what OpenSSH keeps). */
  private static PrivateKey privateKey(byte[] seed) {
    try {
      return KeyFactory.getInstance("Ed25519")
          .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java 17 platform has Ed25519", e);
    }
  }

  /** A new Ed25519 key pair as {seed, raw public key}, 32 bytes each. */
  private static byte[][] generate() {
    try {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      byte[] seed = ((EdECPrivateKey) pair.getPrivate()).getBytes().orElseThrow();
      byte[] spki = pair.getPublic().getEncoded();
      return new byte[][] {seed, Arrays.copyOfRange(spki, spki.length - 32, spki.length)};
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java 17 platform has Ed25519", e);
    }
  }
}

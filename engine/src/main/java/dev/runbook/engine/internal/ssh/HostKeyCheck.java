package dev.runbook.engine.internal.ssh;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.transport.verification.HostKeyVerifier;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts;

/**
 * The strict host-key check of one connection attempt: the key a node presents must be in
 * known_hosts, or equal the fingerprint the inventory pins. Nothing else is ever accepted and
 * nothing is ever added to known_hosts.
 *
 * <p>sshj only tells us "not verifiable" when it refuses a key; this check remembers why (the key
 * is unknown, or another key is known) as a {@link Verdict}, so the caller classifies the failure
 * by type instead of by sshj's message text.
 */
final class HostKeyCheck implements HostKeyVerifier {

  /** What the check found; {@link #NOT_CHECKED} until the node presented a key. */
  enum Verdict {
    NOT_CHECKED,
    TRUSTED,
    /** Neither known_hosts nor the inventory knows a key of this type for the host. */
    UNKNOWN,
    /** A different key is known (or pinned) for the host. */
    MISMATCH,
    /** known_hosts marks the presented key {@code @revoked}. */
    REVOKED
  }

  private final String pinned;
  private final Recorder knownHosts;
  private volatile Verdict verdict = Verdict.NOT_CHECKED;
  private volatile String presented;
  private volatile String presentedType;
  private volatile List<String> expected = List.of();

  private HostKeyCheck(String pinned, Path knownHostsFile) throws IOException {
    this.pinned = pinned;
    this.knownHosts = knownHostsFile == null ? null : new Recorder(knownHostsFile.toFile());
  }

  /** Accepts exactly the key whose fingerprint is {@code fingerprint} ({@code SHA256:...}). */
  static HostKeyCheck pinned(String fingerprint) {
    try {
      return new HostKeyCheck(normalize(fingerprint), null);
    } catch (IOException e) {
      throw new IllegalStateException("unreachable: no file is read for a pinned key", e);
    }
  }

  /**
   * Accepts the keys an OpenSSH known_hosts file lists for the host (plain, hashed and {@code
   * [host]:port} entries). A missing file knows no host.
   */
  static HostKeyCheck knownHosts(Path file) throws IOException {
    return new HostKeyCheck(null, file);
  }

  @Override
  public boolean verify(String hostname, int port, PublicKey key) {
    presented = fingerprint(key);
    presentedType = KeyType.fromKey(key).toString();
    if (pinned != null) {
      expected = List.of(pinned);
      verdict = pinned.equals(presented) ? Verdict.TRUSTED : Verdict.MISMATCH;
      return verdict == Verdict.TRUSTED;
    }
    // OpenSSH refuses a revoked key whatever else the file says; sshj takes the first entry that
    // matches, so a plain line for the key placed before its @revoked line would let it in.
    if (knownHosts.revokes(presented)) {
      verdict = Verdict.REVOKED;
      return false;
    }
    // The recorder's callbacks set UNKNOWN or MISMATCH when it refuses the key.
    if (knownHosts.verify(hostname, port, key)) {
      verdict = Verdict.TRUSTED;
      return true;
    }
    if (verdict == Verdict.NOT_CHECKED) {
      verdict = Verdict.UNKNOWN; // e.g. a key type sshj cannot read
    }
    return false;
  }

  @Override
  public List<String> findExistingAlgorithms(String hostname, int port) {
    // With a pinned fingerprint the key type is not known; the server's preferred type is used.
    return pinned != null ? List.of() : knownHosts.findExistingAlgorithms(hostname, port);
  }

  Verdict verdict() {
    return verdict;
  }

  boolean isPinned() {
    return pinned != null;
  }

  /** The fingerprint of the key the node presented, or null before it presented one. */
  String presented() {
    return presented;
  }

  /** The presented key's type as OpenSSH names it, e.g. {@code ssh-ed25519}. */
  String presentedType() {
    return presentedType;
  }

  /** The fingerprints known or pinned for the host (for a mismatch message). */
  List<String> expected() {
    return expected;
  }

  /**
   * The SHA-256 fingerprint of a public key as OpenSSH prints it ({@code ssh-keygen -l}): {@code
   * SHA256:} and the unpadded base64 of the digest of the key's wire encoding.
   */
  static String fingerprint(PublicKey key) {
    return fingerprint(new Buffer.PlainBuffer().putPublicKey(key).getCompactData());
  }

  /** The fingerprint of a key blob (the base64-decoded key field of a known_hosts line). */
  static String fingerprint(byte[] keyBlob) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(keyBlob);
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Accepts a pinned fingerprint with base64 padding too, as some tools print it. */
  static String normalize(String fingerprint) {
    String f = fingerprint.strip();
    if (!f.startsWith("SHA256:")) {
      throw new IllegalArgumentException(
          "a pinned host key fingerprint must be SHA256:... as ssh-keygen -l prints it, not: " + f);
    }
    while (f.endsWith("=")) {
      f = f.substring(0, f.length() - 1);
    }
    return f;
  }

  /** sshj's known_hosts reader, with its refusal callbacks recording the verdict. */
  private final class Recorder extends OpenSSHKnownHosts {

    Recorder(File file) throws IOException {
      super(file);
    }

    @Override
    protected boolean hostKeyUnverifiableAction(String hostname, PublicKey key) {
      expected = fingerprintsFor(hostname);
      verdict = Verdict.UNKNOWN;
      return false;
    }

    @Override
    protected boolean hostKeyChangedAction(String hostname, PublicKey key) {
      expected = fingerprintsFor(hostname);
      verdict = Verdict.MISMATCH;
      return false;
    }

    /**
     * Whether a {@code @revoked} line holds the key with this fingerprint, for any host: a revoked
     * key is never a host's key.
     */
    boolean revokes(String fingerprint) {
      for (KnownHostEntry e : entries()) {
        String line = e.getLine();
        if (line != null
            && line.strip().startsWith("@revoked")
            && fingerprint.equals(lineFingerprint(line))) {
          return true;
        }
      }
      return false;
    }

    /** Fingerprints of every entry for the host, of any key type. */
    private List<String> fingerprintsFor(String adjustedHostname) {
      List<String> found = new ArrayList<>();
      for (KnownHostEntry e : entries()) {
        try {
          if (e.appliesTo(adjustedHostname)) {
            String fp = lineFingerprint(e.getLine());
            if (fp != null) {
              found.add(fp);
            }
          }
        } catch (IOException | RuntimeException ignored) {
          // A line sshj cannot match is not a key for this host.
        }
      }
      return List.copyOf(found);
    }
  }

  /**
   * A POSIX sh command that adds the node's key to {@code knownHosts} only if it is the key with
   * {@code fingerprint}: it fetches the key with ssh-keyscan, prints its fingerprint through
   * ssh-keygen and appends it only when that is the one given. The user checks the fingerprint
   * out-of-band first; the command then makes sure that what is added is what was checked, not
   * whatever answers at that moment (never trust on first use). Every value is quoted.
   */
  static String addKnownHostCommand(
      String host, int port, String keyType, String fingerprint, Path knownHosts) {
    String q = "'";
    return "k=$(ssh-keyscan -p "
        + port
        + " -t "
        + RemoteCommand.quote(keyscanType(keyType))
        + " -- "
        + RemoteCommand.quote(host)
        + " 2>/dev/null) && printf '%s\\n' \"$k\" | ssh-keygen -lf - | grep -qF -- "
        + RemoteCommand.quote(fingerprint + " ")
        + " && printf '%s\\n' \"$k\" >> "
        + RemoteCommand.quote(knownHosts.toString())
        + " && echo "
        + q
        + "added"
        + q
        + " || echo "
        + RemoteCommand.quote(
            "NOT added: ssh-keyscan got no key, or not the one with fingerprint " + fingerprint)
        + " >&2";
  }

  /** ssh-keyscan's -t name for an OpenSSH key type ({@code ssh-ed25519} is {@code ed25519}). */
  static String keyscanType(String keyType) {
    if (keyType == null) {
      return "ed25519";
    }
    if (keyType.startsWith("ecdsa-sha2-")) {
      return "ecdsa";
    }
    if (keyType.startsWith("sk-ecdsa")) {
      return "ecdsa-sk";
    }
    if (keyType.startsWith("sk-ssh-ed25519")) {
      return "ed25519-sk";
    }
    return keyType.startsWith("ssh-") ? keyType.substring(4) : keyType;
  }

  /** The host key file whose fingerprint the node's console shows for {@code keyType}. */
  static String hostKeyFile(String keyType) {
    String t = keyscanType(keyType);
    return "/etc/ssh/ssh_host_"
        + (t.endsWith("-sk") ? t.substring(0, t.length() - 3) : t)
        + "_key.pub";
  }

  /** The fingerprint of a known_hosts line's key: {@code [@marker] hosts type base64 [comment]}. */
  static String lineFingerprint(String line) {
    String[] f = line.strip().split("\\s+");
    int i = f.length > 0 && f[0].startsWith("@") ? 1 : 0;
    if (f.length < i + 3) {
      return null;
    }
    try {
      return fingerprint(Base64.getDecoder().decode(f[i + 2]));
    } catch (IllegalArgumentException notBase64) {
      return null; // an old RSA1 line (bits exponent modulus)
    }
  }
}

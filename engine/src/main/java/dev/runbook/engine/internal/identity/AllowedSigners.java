package dev.runbook.engine.internal.identity;

import dev.runbook.engine.api.IdentityException;
import dev.runbook.engine.api.Refusal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * An OpenSSH allowed-signers file (ssh-keygen(1), ALLOWED SIGNERS): one key a line, {@code
 * principals [options] keytype base64 [comment]}. Principals are a comma-separated list of patterns
 * ({@code *}, {@code ?}, a leading {@code !} negates), as OpenSSH matches them. Options: {@code
 * namespaces="a,b"}, {@code valid-after=TIME}, {@code valid-before=TIME} (YYYYMMDD or
 * YYYYMMDDHHMM[SS], local time unless it ends in Z, as OpenSSH reads them); {@code cert-authority}
 * is refused, as this engine does not verify certificates.
 */
public final class AllowedSigners {

  /**
   * One line.
   *
   * @param namespaces null when the line does not restrict them
   * @param validAfter null when unbounded
   * @param validBefore null when unbounded
   */
  public record Entry(
      int line,
      List<String> principals,
      List<String> namespaces,
      Instant validAfter,
      Instant validBefore,
      SshKey key,
      String text) {

    /** Whether {@code principal} matches this line's pattern list, as OpenSSH matches it. */
    public boolean allows(String principal) {
      return Patterns.matchList(principal, principals);
    }
  }

  /** One bad line: its number and what it needs. */
  public record Problem(int line, String message) {}

  /** Problems in the file, each {@code file:line: what is wrong and what the line needs}. */
  public static final class Invalid extends RuntimeException {
    private final List<String> problems;
    private final List<Problem> located;

    Invalid(Path file, List<Problem> located) {
      this(
          file,
          located.stream().map(p -> file + ":" + p.line() + ": " + p.message()).toList(),
          located);
    }

    private Invalid(Path file, List<String> problems, List<Problem> located) {
      super(
          "allowed-signers file "
              + file
              + " has "
              + problems.size()
              + (problems.size() == 1 ? " problem" : " problems")
              + ":\n  "
              + String.join("\n  ", problems)
              + "\n  A line reads: PRINCIPAL[,PRINCIPAL...] [namespaces=\"runbook\"] KEYTYPE BASE64 [COMMENT]"
              + " (ssh-keygen(1), ALLOWED SIGNERS)");
      this.problems = List.copyOf(problems);
      this.located = List.copyOf(located);
    }

    public List<String> problems() {
      return problems;
    }

    public List<Problem> located() {
      return located;
    }
  }

  private final Path source;
  private final List<Entry> entries;
  private final String sha256;
  private final byte[] bytes;

  private AllowedSigners(Path source, List<Entry> entries, byte[] bytes) {
    this.source = source;
    this.entries = List.copyOf(entries);
    this.bytes = bytes.clone();
    this.sha256 = sha256(bytes);
  }

  /**
   * The file as read, byte for byte: what a run keeps in its evidence, so its statements can be
   * checked again later, anywhere, against the policy they were checked against.
   */
  public byte[] bytes() {
    return bytes.clone();
  }

  public Path source() {
    return source;
  }

  public List<Entry> entries() {
    return entries;
  }

  /** SHA-256 of the file's bytes, lowercase hex: what the plan hash and run.started carry. */
  public String sha256() {
    return sha256;
  }

  /**
   * Reads and checks the whole file.
   *
   * @throws Invalid listing every bad line
   * @throws IOException the file cannot be read
   */
  public static AllowedSigners load(Path file) throws IOException {
    return parse(file, Files.readAllBytes(file));
  }

  /**
   * Reads and checks the file's content.
   *
   * @param file where it came from, for messages
   * @throws Invalid listing every bad line
   */
  public static AllowedSigners parse(Path file, byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    List<Entry> entries = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      try {
        entries.add(parseLine(i + 1, line));
      } catch (IllegalArgumentException e) {
        problems.add(new Problem(i + 1, e.getMessage()));
      }
    }
    if (!problems.isEmpty()) {
      throw new Invalid(file, problems);
    }
    return new AllowedSigners(file, entries, bytes);
  }

  private static Entry parseLine(int number, String line) {
    Tokens t = new Tokens(line);
    String principalField = t.next();
    List<String> principals = Patterns.splitList(unquote(principalField));
    if (principals.isEmpty() || principals.stream().anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException(
          "the line needs its principals first, comma-separated, like alice@example.com");
    }
    String field = t.next();
    List<String> namespaces = null;
    Instant after = null;
    Instant before = null;
    if (field != null && !SshKey.TYPES.contains(field) && !looksLikeKeyType(field)) {
      for (String option : Patterns.splitOptions(field)) {
        int eq = option.indexOf('=');
        String name = (eq < 0 ? option : option.substring(0, eq)).toLowerCase();
        String value = eq < 0 ? null : unquote(option.substring(eq + 1));
        switch (name) {
          case "cert-authority" ->
              throw new IllegalArgumentException(
                  "cert-authority is not supported: this engine verifies plain keys only; list each"
                      + " person's public key on a line of its own instead");
          case "namespaces" -> namespaces = Patterns.splitList(required(name, value));
          case "valid-after" -> after = time(name, required(name, value));
          case "valid-before" -> before = time(name, required(name, value));
          default ->
              throw new IllegalArgumentException(
                  "unknown option '"
                      + name
                      + "'; the options known are namespaces=\"...\", valid-after=\"...\","
                      + " valid-before=\"...\"");
        }
      }
      field = t.next();
    }
    if (field == null) {
      throw new IllegalArgumentException(
          "the line needs a public key after the principals, like ssh-ed25519 AAAA... (the text of"
              + " the person's .pub file)");
    }
    if (!SshKey.TYPES.contains(field)) {
      throw new IllegalArgumentException(
          "key type " + field + " is not supported; the line needs one of " + SshKey.TYPES);
    }
    String b64 = t.next();
    if (b64 == null) {
      throw new IllegalArgumentException("the line needs the key's base64 after " + field);
    }
    byte[] blob;
    try {
      blob = Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the key after " + field + " is not valid base64");
    }
    SshKey key;
    try {
      key = SshKey.fromBlob(blob);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the key is not usable: " + e.getMessage());
    }
    if (!key.type().equals(field)) {
      throw new IllegalArgumentException(
          "the line says " + field + " but the key is " + key.type());
    }
    if (after != null && before != null && !after.isBefore(before)) {
      throw new IllegalArgumentException("valid-after must be before valid-before");
    }
    return new Entry(number, principals, namespaces, after, before, key, line);
  }

  private static boolean looksLikeKeyType(String field) {
    return field.startsWith("ssh-") || field.startsWith("ecdsa-") || field.startsWith("sk-");
  }

  private static String required(String option, String value) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(option + " needs a value, like " + option + "=\"...\"");
    }
    return value;
  }

  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("uuuuMMdd");
  private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("uuuuMMddHHmm");
  private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("uuuuMMddHHmmss");

  /** OpenSSH's time: YYYYMMDD[HHMM[SS]], UTC when it ends in Z, else local time. */
  static Instant time(String option, String value) {
    boolean utc = value.endsWith("Z") || value.endsWith("z");
    String v = utc ? value.substring(0, value.length() - 1) : value;
    ZoneId zone = utc ? ZoneOffset.UTC : ZoneId.systemDefault();
    try {
      return switch (v.length()) {
        case 8 -> LocalDate.parse(v, DAY).atStartOfDay(zone).toInstant();
        case 12 -> LocalDateTime.parse(v, MINUTE).atZone(zone).toInstant();
        case 14 -> LocalDateTime.parse(v, SECOND).atZone(zone).toInstant();
        default -> throw new DateTimeParseException("length", v, 0);
      };
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          option
              + "=\""
              + value
              + "\" is not a time: write YYYYMMDD or YYYYMMDDHHMM[SS], with Z for UTC, like "
              + option
              + "=\"20270101Z\"");
    }
  }

  private static String unquote(String s) {
    return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")
        ? s.substring(1, s.length() - 1)
        : s;
  }

  /** The lines holding {@code key}, in file order. */
  public List<Entry> forKey(SshKey key) {
    return entries.stream().filter(e -> e.key().equals(key)).toList();
  }

  /**
   * The line that lets {@code key} sign as {@code principal} in {@code namespace} at {@code now}.
   *
   * @throws IdentityException UNKNOWN_KEY, PRINCIPAL_MISMATCH, NAMESPACE_NOT_ALLOWED, NOT_YET_VALID
   *     or EXPIRED, saying which line the file would need
   */
  public Entry check(SshKey key, String principal, String namespace, Instant now) {
    List<Entry> lines = forKey(key);
    if (lines.isEmpty()) {
      throw new IdentityException(
          Refusal.UNKNOWN_KEY,
          "key "
              + key.fingerprint()
              + " is not in "
              + source
              + "; for it to sign as "
              + principal
              + ", the file needs the line: "
              + principal
              + " namespaces=\""
              + namespace
              + "\" "
              + key.openssh());
    }
    List<Entry> forPrincipal = lines.stream().filter(e -> e.allows(principal)).toList();
    if (forPrincipal.isEmpty()) {
      throw new IdentityException(
          Refusal.PRINCIPAL_MISMATCH,
          "key "
              + key.fingerprint()
              + " belongs to "
              + String.join(", ", lines.stream().flatMap(e -> e.principals().stream()).toList())
              + " in "
              + source
              + " (line "
              + lines.get(0).line()
              + "), not to "
              + principal
              + ": sign with "
              + principal
              + "'s own key, or say --as with the key's principal");
    }
    Optional<Entry> ok =
        forPrincipal.stream()
            .filter(e -> e.namespaces() == null || Patterns.matchList(namespace, e.namespaces()))
            .findFirst();
    if (ok.isEmpty()) {
      Entry e = forPrincipal.get(0);
      throw new IdentityException(
          Refusal.NAMESPACE_NOT_ALLOWED,
          source
              + ":"
              + e.line()
              + " lets key "
              + key.fingerprint()
              + " sign only namespaces "
              + e.namespaces()
              + "; the line needs namespaces=\""
              + namespace
              + "\" among them");
    }
    Entry e = ok.get();
    if (e.validAfter() != null && now.isBefore(e.validAfter())) {
      throw new IdentityException(
          Refusal.NOT_YET_VALID,
          source
              + ":"
              + e.line()
              + " makes key "
              + key.fingerprint()
              + " valid only after "
              + e.validAfter());
    }
    if (e.validBefore() != null && !now.isBefore(e.validBefore())) {
      throw new IdentityException(
          Refusal.EXPIRED,
          source
              + ":"
              + e.line()
              + " made key "
              + key.fingerprint()
              + " valid only before "
              + e.validBefore()
              + "; it has expired: the file needs a new valid-before for "
              + principal
              + ", or a new key");
    }
    return e;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Splits a line on blanks, keeping "quoted strings" (which may hold blanks) whole. */
  private static final class Tokens {
    private final String s;
    private int pos;

    Tokens(String s) {
      this.s = s;
    }

    String next() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
      if (pos >= s.length()) {
        return null;
      }
      int start = pos;
      boolean quoted = false;
      while (pos < s.length() && (quoted || !Character.isWhitespace(s.charAt(pos)))) {
        if (s.charAt(pos) == '"') {
          quoted = !quoted;
        }
        pos++;
      }
      if (quoted) {
        throw new IllegalArgumentException(
            "a quote opened at column " + (start + 1) + " is never closed");
      }
      return s.substring(start, pos);
    }
  }
}

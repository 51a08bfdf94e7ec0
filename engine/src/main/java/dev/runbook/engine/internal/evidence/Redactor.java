package dev.runbook.engine.internal.evidence;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Removes secrets from text before it becomes evidence. Immutable and thread-safe.
 *
 * <p>What it removes, all found on the original text and merged where they overlap (so one secret
 * that contains or overlaps another never leaves a piece behind):
 *
 * <ul>
 *   <li>literal secret values, e.g. the values of inputs marked secret; values shorter than {@value
 *       #MIN_LITERAL_LENGTH} characters are ignored, since redacting "1" or "on" everywhere would
 *       destroy the evidence and such values are not secrets anyway;
 *   <li>regular expressions, e.g. the inventory's {@code secrets.patterns}: the whole match is
 *       redacted, or only its named group {@code secret} when the pattern has one (so {@code
 *       token=(?<secret>\S+)} keeps the {@code token=});
 *   <li>built-ins: PEM and OpenSSH private key blocks, from BEGIN to END (or, with no END, to the
 *       end of the base64 that follows); the value of a flag, variable or setting whose name ends
 *       in password, passwd, token, secret, api-key, access-key or private-key ({@code
 *       --password=x}, {@code --token x}, {@code ETCDCTL_PASSWORD=x}, {@code PGPASSWORD=x}, {@code
 *       AWS_SECRET_ACCESS_KEY=x}, {@code password: x}) unless the value is a shell variable
 *       reference or a whole digest ({@code hmac-sha256:HEX}, {@code sha256:HEX}); {@code
 *       --pass=x}; the password of {@code etcdctl --user name:password}; a kubeconfig's {@code
 *       client-key-data}; HTTP bearer tokens and basic credentials; the password of a URL's user
 *       info. They are deliberately narrow: {@code --key=/etc/kubernetes/pki/etcd/server.key} names
 *       a file, not a secret, and stays.
 * </ul>
 *
 * <p>A match becomes {@value #REDACTED}, a private key block {@value #REDACTED_KEY}.
 *
 * <p>Secrets learned during a run (e.g. a token read from a node) are added with {@link #with},
 * which returns a new redactor; {@link EvidenceJournal#addSecret} does that for the journal.
 */
public final class Redactor {

  public static final String REDACTED = "[REDACTED]";
  public static final String REDACTED_KEY = "[REDACTED PRIVATE KEY]";
  public static final int MIN_LITERAL_LENGTH = 4;

  /** Redacts nothing, not even the built-ins: for tests and for content that holds no text. */
  public static final Redactor NONE = new Redactor(List.of(), List.of(), false);

  private static final Pattern PRIVATE_KEY =
      Pattern.compile(
          "-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----"
              + "(?:[\\s\\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----|[A-Za-z0-9+/=\\s\\\\:,-]*)");

  // A name ending in a secret word, glued (PGPASSWORD) or after separators (client-secret), or
  // followed by what makes it a key (AWS_SECRET_ACCESS_KEY); not a public value that merely
  // mentions one (--discovery-token-ca-cert-hash).
  private static final String SECRET_NAME =
      "(?:[A-Za-z0-9]+[_-])*[A-Za-z0-9]*?"
          + "(?i:password|passwd|token|secret|api[_-]?key|access[_-]?key|private[_-]?key)"
          + "(?:[_-](?i:access|key|data))*";
  // A value, unless it is a shell variable reference ($PW, "${PW}"): that names the secret only;
  // nor a digest (a plan shows a secret parameter as hmac-sha256:HEX, a snapshot as sha256:HEX):
  // a digest reveals nothing, and redacting it would hide which value a plan was approved with.
  private static final String VALUE =
      "(?!['\"]?(?:hmac-sha256|sha256):[0-9a-f]{64}(?![0-9A-Za-z]))"
          + "(?<secret>'[^']*'|\"(?!\\$)[^\"]*\"|(?![$'\"])[^\\s'\";&|]+)";

  private static final List<Pattern> BUILT_IN =
      List.of(
          // --password=x, --token x (a flag takes its value after '=' or a space)
          Pattern.compile("(?<![A-Za-z0-9_-])--" + SECRET_NAME + "(?:=|\\s+)" + VALUE),
          // ETCDCTL_PASSWORD=x, password: x (a variable or a setting)
          Pattern.compile("(?<![A-Za-z0-9_-])" + SECRET_NAME + "[\"']?(?:=|:[ \\t]*)" + VALUE),
          // etcdctl --user root:password
          Pattern.compile("(?<![A-Za-z0-9_-])--user(?:=|\\s+)[^\\s:'\"]+:" + VALUE),
          Pattern.compile("(?i)\\bbearer\\s+(?<secret>[A-Za-z0-9._~+/=-]{8,})"),
          // Authorization: Basic dXNlcjpwYXNz (user:password in base64)
          // (a header line, or a header in JSON or YAML: "Authorization": "Basic ...")
          Pattern.compile(
              "(?i)\\bauthorization[\"']?:[ \\t]*[\"']?basic\\s+"
                  + "(?<secret>[A-Za-z0-9+/]{2,}={0,2})"),
          // --pass=x, --pass x (a whole flag; "pass" inside a word is not a secret's name)
          Pattern.compile("(?<![A-Za-z0-9_-])--pass(?:=|\\s+)" + VALUE),
          // a kubeconfig's client key, inline
          Pattern.compile("(?i)\\bclient-key-data:[ \\t]*" + VALUE),
          // https://user:password@host (user info in a URL)
          // (a password may hold quotes; whitespace, '/' and '@' end it, so it never spans words)
          Pattern.compile("(?<=://)[^/\\s:@'\"]+:(?<secret>[^@\\s/]+)(?=@)"));

  private final List<String> literals;
  private final List<Pattern> patterns;
  private final boolean builtIns;

  private Redactor(List<String> literals, List<Pattern> patterns, boolean builtIns) {
    this.literals = literals;
    this.patterns = patterns;
    this.builtIns = builtIns;
  }

  // Every literal and pattern a redactor of this process was made with or learned, for text that
  // leaves a run's scope: a failure's trace under <home>/errors/, a refusal or an internal error on
  // the console (printed after the run's session closed). Only grows; a process runs few runs.
  private static final Set<String> PROCESS_LITERALS =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  private static final Set<String> PROCESS_PATTERNS =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * The built-ins plus every secret value and pattern any redactor of this process knows: what a
   * text is redacted with that may quote any run of the process (a failure outside every run).
   */
  public static Redactor process() {
    return of(PROCESS_LITERALS, PROCESS_PATTERNS);
  }

  /** Only the built-ins. */
  public static Redactor builtIns() {
    return of(List.of(), List.of());
  }

  /**
   * The built-ins plus these.
   *
   * @param literals secret values; null, empty and short ones are ignored
   * @param patterns regular expressions ({@link Pattern} syntax)
   * @throws IllegalArgumentException naming the pattern that does not compile
   */
  public static Redactor of(Collection<String> literals, Collection<String> patterns) {
    List<Pattern> compiled = new ArrayList<>();
    for (String p : patterns) {
      try {
        compiled.add(Pattern.compile(p));
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(
            "secret pattern " + p + " is not a regular expression: " + e.getDescription(), e);
      }
    }
    Redactor r = new Redactor(keep(literals, List.of()), List.copyOf(compiled), true);
    PROCESS_LITERALS.addAll(r.literals);
    PROCESS_PATTERNS.addAll(patterns);
    return r;
  }

  /** This redactor plus one more secret value (ignored if shorter than the minimum). */
  public Redactor with(String literal) {
    if (literal == null || literal.length() < MIN_LITERAL_LENGTH || literals.contains(literal)) {
      return this;
    }
    PROCESS_LITERALS.add(literal);
    return new Redactor(keep(List.of(literal), literals), patterns, builtIns);
  }

  private static List<String> keep(Collection<String> add, List<String> existing) {
    Set<String> all = new LinkedHashSet<>(existing);
    for (String s : add) {
      if (s != null && s.length() >= MIN_LITERAL_LENGTH) {
        all.add(s);
      }
    }
    return List.copyOf(all);
  }

  /** The text with every secret replaced; null stays null. */
  public String redact(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    List<Span> spans = new ArrayList<>();
    if (builtIns) {
      find(PRIVATE_KEY, text, true, spans);
      for (Pattern p : BUILT_IN) {
        find(p, text, false, spans);
      }
    }
    for (Pattern p : patterns) {
      find(p, text, false, spans);
    }
    for (String literal : literals) {
      // Overlapping occurrences too ("aaaa" in "aaaaa"): the merge below joins them.
      for (int i = text.indexOf(literal); i >= 0; i = text.indexOf(literal, i + 1)) {
        spans.add(new Span(i, i + literal.length(), false));
      }
    }
    if (spans.isEmpty()) {
      return text;
    }
    spans.sort(Comparator.comparingInt(Span::start));
    StringBuilder out = new StringBuilder(text.length());
    int copied = 0;
    int i = 0;
    while (i < spans.size()) {
      Span first = spans.get(i);
      int end = first.end();
      boolean key = first.key();
      for (i++; i < spans.size() && spans.get(i).start() < end; i++) {
        end = Math.max(end, spans.get(i).end());
        key |= spans.get(i).key();
      }
      out.append(text, copied, first.start()).append(key ? REDACTED_KEY : REDACTED);
      copied = end;
    }
    return out.append(text, copied, text.length()).toString();
  }

  private static void find(Pattern pattern, String text, boolean key, List<Span> spans) {
    Matcher m = pattern.matcher(text);
    boolean named = pattern.pattern().contains("(?<secret>");
    while (m.find()) {
      int start = m.start();
      int end = m.end();
      // A pattern whose group "secret" took no part in this match redacts the whole match.
      if (named && m.start("secret") >= 0) {
        start = m.start("secret");
        end = m.end("secret");
      }
      if (end > start) {
        spans.add(new Span(start, end, key));
      }
    }
  }

  private record Span(int start, int end, boolean key) {}

  private static final Pattern KEY_BEGIN = Pattern.compile("-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----");
  private static final Pattern KEY_END = Pattern.compile("-----END [A-Z0-9 ]*PRIVATE KEY-----");

  /**
   * Private key blocks in output that arrives in pieces, line by line (one per stream of one
   * command). Redacting each piece alone would catch a block's BEGIN line but let its base64 lines,
   * in the next pieces, through. From a BEGIN line without its END on the same line, this drops
   * every line up to and including the END line, and the BEGIN line ends in {@value #REDACTED_KEY}.
   * A block within one line is left to the redactor. Thread-safe.
   */
  public static final class KeyBlocks {
    private boolean inside;

    /** The lines to keep of the next piece, in order (possibly none). */
    public synchronized List<String> filter(List<String> lines) {
      List<String> kept = new ArrayList<>(lines.size());
      for (String line : lines) {
        if (inside) {
          Matcher end = KEY_END.matcher(line);
          if (end.find()) {
            inside = false;
            if (end.end() < line.length()) {
              kept.add(line.substring(end.end()));
            }
          }
          continue;
        }
        Matcher begin = KEY_BEGIN.matcher(line);
        if (begin.find() && !KEY_END.matcher(line).find(begin.end())) {
          inside = true;
          kept.add(line.substring(0, begin.start()) + REDACTED_KEY);
        } else {
          kept.add(line);
        }
      }
      return kept;
    }
  }
}

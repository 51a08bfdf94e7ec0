package dev.runbook.engine.internal.catalog;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The type of a runbook parameter, declared in the BPMN as {@code param.NAME.type}, with the
 * optional bounds {@code param.NAME.min} and {@code param.NAME.max} (integer, duration) or {@code
 * param.NAME.pattern} (string). Values are checked before anything is created, in {@code plan} and
 * {@code run} alike, so {@code gateTimeout=banana} is bad input at the prompt, not a failure at the
 * gate hours later with the cluster's lock held.
 */
public enum ParameterType {
  STRING("string"),
  INTEGER("integer"),
  /** ISO-8601, as {@code PT4H}. */
  DURATION("duration"),
  /** An absolute path, on the engine host or a node (the documentation says which). */
  PATH("path"),
  /**
   * An absolute path to a regular file on the engine host that the engine can read (a key file): a
   * missing or unreadable one is bad input before anything runs.
   */
  FILE("file"),
  /**
   * An absolute path on the engine host that is a directory or does not exist yet (the step makes
   * it): one that is a file is bad input before anything runs.
   */
  DIRECTORY("dir"),
  /**
   * Where a file is: an absolute path on the engine host, or an object in the inventory's object
   * store, {@code s3://BUCKET/KEY} (the step that reads it says which store and checks the rest).
   */
  LOCATION("location"),
  /** 64 hex digits, as {@code sha256sum} prints. */
  SHA256("sha256"),
  BOOLEAN("boolean");

  private static final Pattern HEX64 = Pattern.compile("[0-9a-fA-F]{64}");
  // A bucket name as S3 allows it, then a key.
  private static final Pattern OBJECT_URL =
      Pattern.compile("s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+");

  private final String word;

  ParameterType(String word) {
    this.word = word;
  }

  /** The word a BPMN file uses for it. */
  public String word() {
    return word;
  }

  public static Optional<ParameterType> of(String word) {
    return Arrays.stream(values()).filter(t -> t.word.equals(word)).findFirst();
  }

  public static String words() {
    return String.join(", ", Arrays.stream(values()).map(ParameterType::word).toList());
  }

  /**
   * A parameter's declared type and bounds; {@code min}, {@code max}, {@code pattern} may be null.
   */
  public record Spec(ParameterType type, String min, String max, String pattern) {

    /** What is wrong with the declaration itself (for the lint), or empty. */
    public Optional<String> declarationProblem() {
      if ((min != null || max != null) && type != INTEGER && type != DURATION) {
        return Optional.of(
            "min and max apply to integer and duration parameters, not " + type.word);
      }
      if (pattern != null && type != STRING) {
        return Optional.of("a pattern applies to string parameters, not " + type.word);
      }
      for (String bound : new String[] {min, max}) {
        if (bound != null && parse(bound).isEmpty()) {
          return Optional.of("bound '" + bound + "' is not a " + type.word);
        }
      }
      if (pattern != null) {
        try {
          Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
          return Optional.of("pattern '" + pattern + "' is not a regular expression");
        }
      }
      return Optional.empty();
    }

    /** How a person reads the constraint: {@code integer >= 0}, {@code duration PT1S..PT24H}. */
    public String describe() {
      StringBuilder sb =
          new StringBuilder(type == LOCATION ? "path or s3://BUCKET/KEY" : type.word);
      if (min != null && max != null) {
        sb.append(' ').append(min).append("..").append(max);
      } else if (min != null) {
        sb.append(" >= ").append(min);
      } else if (max != null) {
        sb.append(" <= ").append(max);
      }
      if (pattern != null) {
        sb.append(" matching ").append(pattern);
      }
      return sb.toString();
    }

    /**
     * Why {@code value} is not acceptable, or empty when it is. The message says what a right one
     * looks like, and quotes the value unless it is {@code secret}.
     */
    public Optional<String> problem(String value, boolean secret) {
      return problem(value).map(m -> secret ? m.replace("'" + value + "'", "the value") : m);
    }

    private Optional<String> problem(String value) {
      if (value.indexOf('\0') >= 0 || (type != STRING && value.contains("\n"))) {
        return Optional.of("must be one line without NUL characters");
      }
      Optional<Comparable<Object>> parsed = parse(value);
      if (parsed.isEmpty()) {
        return Optional.of("'" + value + "' is not " + example());
      }
      if (min != null && parsed.get().compareTo(parse(min).orElseThrow()) < 0) {
        return Optional.of("'" + value + "' is below the least allowed, " + min);
      }
      if (max != null && parsed.get().compareTo(parse(max).orElseThrow()) > 0) {
        return Optional.of("'" + value + "' is above the most allowed, " + max);
      }
      if (pattern != null && !Pattern.compile(pattern).matcher(value).matches()) {
        return Optional.of("'" + value + "' does not match " + pattern);
      }
      return onTheEngineHost(value);
    }

    /** What the engine host says about a file or dir parameter, checked before anything runs. */
    private Optional<String> onTheEngineHost(String value) {
      java.nio.file.Path p = java.nio.file.Path.of(value);
      if (type == FILE) {
        if (!java.nio.file.Files.exists(p)) {
          return Optional.of("'" + value + "' does not exist on the engine host");
        }
        if (!java.nio.file.Files.isRegularFile(p)) {
          return Optional.of("'" + value + "' is not a regular file");
        }
        if (!java.nio.file.Files.isReadable(p)) {
          return Optional.of("'" + value + "' cannot be read by this user");
        }
      }
      if (type == DIRECTORY
          && java.nio.file.Files.exists(p)
          && !java.nio.file.Files.isDirectory(p)) {
        return Optional.of("'" + value + "' exists and is not a directory");
      }
      return Optional.empty();
    }

    private String example() {
      return switch (type) {
        case STRING -> "a string";
        case INTEGER -> "a whole number (e.g. 7)";
        case DURATION -> "an ISO-8601 duration (e.g. PT30M, PT4H, P1D)";
        case PATH, FILE, DIRECTORY -> "an absolute path (starting with /)";
        case LOCATION -> "an absolute path (starting with /) or s3://BUCKET/KEY";
        case SHA256 -> "a SHA-256 digest (64 hex digits, as sha256sum prints)";
        case BOOLEAN -> "true or false";
      };
    }

    @SuppressWarnings("unchecked")
    private Optional<Comparable<Object>> parse(String v) {
      Comparable<?> c =
          switch (type) {
            case STRING -> v;
            case INTEGER -> {
              try {
                yield Long.parseLong(v);
              } catch (NumberFormatException e) {
                yield null;
              }
            }
            case DURATION -> {
              try {
                yield Duration.parse(v);
              } catch (DateTimeParseException e) {
                yield null;
              }
            }
            case PATH, FILE, DIRECTORY -> v.startsWith("/") ? v : null;
            case LOCATION -> v.startsWith("/") || OBJECT_URL.matcher(v).matches() ? v : null;
            case SHA256 -> HEX64.matcher(v).matches() ? v : null;
            case BOOLEAN -> v.equals("true") || v.equals("false") ? v : null;
          };
      return Optional.ofNullable((Comparable<Object>) c);
    }
  }
}

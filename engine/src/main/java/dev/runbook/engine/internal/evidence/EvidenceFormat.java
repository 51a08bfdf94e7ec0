package dev.runbook.engine.internal.evidence;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The byte-level format of evidence.jsonl, shared by the journal that writes it and the verifier
 * and reader that read it back. docs/evidence.md is the auditor's copy of these rules.
 *
 * <p>A record line is compact UTF-8 JSON ending in {@code ,"hash":"<64 hex>"}}. Its <em>body</em>
 * is the same line with that last field cut out: {@code line[0, len - 75) + "}"}. The {@code hash}
 * is SHA-256 of the body; the next record's {@code prev} is SHA-256 of the whole line (without its
 * newline). Both are computed on bytes as written, so no JSON canonicalization is involved.
 */
final class EvidenceFormat {

  static final String JOURNAL_FILE = "evidence.jsonl";
  static final String ARTIFACTS_DIR = "artifacts";
  static final String ARTIFACT_TYPE = "artifact.recorded";
  static final String CHECKPOINT_TYPE = "checkpoint";
  static final String ZERO_HASH = "0".repeat(64);

  private static final byte[] HASH_FIELD = ",\"hash\":\"".getBytes(StandardCharsets.US_ASCII);

  /** {@code ,"hash":"} + 64 hex digits + {@code "}}. */
  static final int HASH_SUFFIX_LENGTH = HASH_FIELD.length + 64 + 2;

  /**
   * Reads records strictly: a duplicated key or anything after the object is a damaged line, not
   * something to guess about.
   */
  static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private static final HexFormat HEX = HexFormat.of();

  private EvidenceFormat() {}

  /**
   * The text a checkpoint's signatures sign: one line each for the run, the record count and the
   * head, in UTF-8 with a final newline. docs/evidence.md shows how to make it with printf to check
   * a signature with {@code ssh-keygen -Y verify}.
   */
  static byte[] checkpointStatement(String runId, long records, String head) {
    return ("runbook evidence checkpoint\nrun: "
            + runId
            + "\nrecords: "
            + records
            + "\nhead: "
            + head
            + "\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The hash a line states in its last field, or null when the line does not end like a record
   * does.
   */
  static String statedHash(byte[] line) {
    int start = line.length - HASH_SUFFIX_LENGTH;
    if (start < 1 || line[line.length - 1] != '}' || line[line.length - 2] != '"') {
      return null;
    }
    if (!Arrays.equals(line, start, start + HASH_FIELD.length, HASH_FIELD, 0, HASH_FIELD.length)) {
      return null;
    }
    int hexStart = start + HASH_FIELD.length;
    for (int i = hexStart; i < hexStart + 64; i++) {
      byte b = line[i];
      if (!((b >= '0' && b <= '9') || (b >= 'a' && b <= 'f'))) {
        return null;
      }
    }
    return new String(line, hexStart, 64, StandardCharsets.US_ASCII);
  }

  /** The body of a line for which {@link #statedHash} is not null: the line minus its hash. */
  static byte[] body(byte[] line) {
    int cut = line.length - HASH_SUFFIX_LENGTH;
    byte[] body = Arrays.copyOf(line, cut + 1);
    body[cut] = '}';
    return body;
  }

  /** The line for a body (a JSON object ending in '}'): the body with its hash as last field. */
  static byte[] withHash(byte[] body) {
    byte[] hex = sha256Hex(body).getBytes(StandardCharsets.US_ASCII);
    byte[] line = Arrays.copyOf(body, body.length - 1 + HASH_SUFFIX_LENGTH);
    int at = body.length - 1;
    System.arraycopy(HASH_FIELD, 0, line, at, HASH_FIELD.length);
    at += HASH_FIELD.length;
    System.arraycopy(hex, 0, line, at, hex.length);
    at += hex.length;
    line[at++] = '"';
    line[at] = '}';
    return line;
  }

  /** The line as a JSON object, or null when it is not one (a torn or damaged line). */
  static JsonNode parseObject(byte[] line) {
    try {
      JsonNode node = MAPPER.readTree(line);
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      return null;
    }
  }

  static String sha256Hex(byte[] bytes) {
    return hex(sha256().digest(bytes));
  }

  static String hex(byte[] digest) {
    return HEX.formatHex(digest);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}

package dev.runbook.engine.internal.evidence;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The strongest forger short of the people themselves: someone holding the engine home's key (root
 * on the engine host). Edits a run's records, then renumbers, re-hashes and re-signs every
 * checkpoint, so that chain and engine signatures all hold again.
 */
public final class Forger {

  private Forger() {}

  /** SHA-256 in lowercase hex, as records state it. */
  public static String sha256(byte[] bytes) {
    return EvidenceFormat.sha256Hex(bytes);
  }

  /**
   * Rewrites the run's evidence.
   *
   * @param edit maps each record (without its hash) to the records to write in its place: none to
   *     drop it, several to add some after it
   */
  public static void rewrite(Path runDir, Path home, Function<ObjectNode, List<ObjectNode>> edit)
      throws IOException {
    EngineKey key = EngineKey.loadOrCreate(home);
    Path journal = runDir.resolve(EvidenceFormat.JOURNAL_FILE);
    String runId = runDir.getFileName().toString();
    List<String> out = new ArrayList<>();
    String prev = EvidenceFormat.ZERO_HASH;
    long seq = 1;
    for (String line : Files.readAllLines(journal, UTF_8)) {
      ObjectNode original = (ObjectNode) EvidenceFormat.MAPPER.readTree(line);
      original.remove("hash");
      for (ObjectNode record : edit.apply(original)) {
        record.remove("hash");
        record.put("seq", seq);
        record.put("prev", prev);
        if (record.path("type").asText().equals(EvidenceFormat.CHECKPOINT_TYPE)) {
          record.put("records", seq - 1);
          record.put("head", prev);
          record.put(
              "signature", key.sign(EvidenceFormat.checkpointStatement(runId, seq - 1, prev)));
        }
        byte[] rehashed = EvidenceFormat.withHash(EvidenceFormat.MAPPER.writeValueAsBytes(record));
        prev = EvidenceFormat.sha256Hex(rehashed);
        out.add(new String(rehashed, UTF_8));
        seq++;
      }
    }
    Files.writeString(journal, String.join("\n", out) + "\n", UTF_8);
  }
}

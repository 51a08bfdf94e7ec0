package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `runbook evidence` on a run dir written by the real journal, without an engine. */
class EvidenceCommandTest {

  @TempDir Path home;

  @Test
  void jsonOutputIsOneArrayOfTheRecordsAsWritten() throws Exception {
    Path dir = RestoreRun.write(home);
    List<String> lines = Files.readAllLines(dir.resolve("evidence.jsonl"));
    Cli cli = new Cli(home);

    Cli.Result text = cli.run("evidence", RestoreRun.ID);
    Cli.Result json = cli.run("evidence", RestoreRun.ID, "--output", "json");

    assertThat(text.code()).as(text.toString()).isEqualTo(Main.DONE);
    assertThat(text.out().lines().toList()).isEqualTo(lines);
    assertThat(json.code()).as(json.toString()).isEqualTo(Main.DONE);
    JsonNode records = new ObjectMapper().readTree(json.out());
    assertThat(records.isArray()).isTrue();
    assertThat(records).hasSize(lines.size());
    for (int i = 0; i < lines.size(); i++) {
      assertThat(records.get(i)).isEqualTo(new ObjectMapper().readTree(lines.get(i)));
    }
  }

  @Test
  void aTornLineIsKeptAsTextInTheJsonArray() throws Exception {
    Path dir = RestoreRun.write(home);
    Files.writeString(
        dir.resolve("evidence.jsonl"), "{\"seq\":99,\"ty", java.nio.file.StandardOpenOption.APPEND);

    Cli.Result json = new Cli(home).run("evidence", RestoreRun.ID, "--output", "json");

    JsonNode records = new ObjectMapper().readTree(json.out());
    JsonNode last = records.get(records.size() - 1);
    assertThat(last.isTextual()).isTrue();
    assertThat(last.asText()).isEqualTo("{\"seq\":99,\"ty");
  }

  @Test
  void exportWritesTheRunDirAsAZipAndRefusesToOverwrite() throws Exception {
    Path dir = RestoreRun.write(home);
    Path zip = home.resolve("run.zip");
    Cli cli = new Cli(home);

    Cli.Result exported = cli.run("evidence", RestoreRun.ID, "--export", zip.toString());
    Cli.Result again = cli.run("evidence", RestoreRun.ID, "--export", zip.toString());

    assertThat(exported.code()).as(exported.toString()).isEqualTo(Main.DONE);
    try (ZipFile z = new ZipFile(zip.toFile())) {
      byte[] inZip = z.getInputStream(z.getEntry(RestoreRun.ID + "/evidence.jsonl")).readAllBytes();
      assertThat(inZip).isEqualTo(Files.readAllBytes(dir.resolve("evidence.jsonl")));
    }
    assertThat(again.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(again.err()).contains("exists");
  }

  @Test
  void keyPrintsTheHomesPublicKeyInOpenSshFormat() throws Exception {
    RestoreRun.write(home);

    Cli.Result key = new Cli(home).run("key");

    assertThat(key.code()).as(key.toString()).isEqualTo(Main.DONE);
    assertThat(key.out().strip())
        .matches("ssh-ed25519 AAAA[A-Za-z0-9+/=]+ runbook-engine@[0-9a-f]{8}")
        .isEqualTo(Files.readString(home.resolve("engine.key.pub")).strip());
  }

  @Test
  void headPrintsCountHeadAndTheSignatureAndExpectHeadCatchesACut() throws Exception {
    Path dir = RestoreRun.write(home);
    List<String> lines = Files.readAllLines(dir.resolve("evidence.jsonl"));
    Cli cli = new Cli(home);

    Cli.Result head = cli.run("evidence", RestoreRun.ID, "--head");

    assertThat(head.code()).as(head.toString()).isEqualTo(Main.DONE);
    String hash = sha256(lines.get(lines.size() - 1));
    assertThat(head.out())
        .contains("records: " + lines.size() + "\n")
        .contains("head:    " + hash + "\n")
        .contains("checkpoint: seq " + lines.size() + ", " + (lines.size() - 1) + " records")
        .contains("-----BEGIN SSH SIGNATURE-----\n")
        .endsWith("-----END SSH SIGNATURE-----\n");
    Cli.Result ok = cli.run("evidence", RestoreRun.ID, "--verify", "--expect-head", hash);
    assertThat(ok.code()).as(ok.toString()).isEqualTo(Main.DONE);
    assertThat(ok.out()).contains("verifies: " + lines.size() + " records");

    // Cut back to the checkpoint after the first gate decision: well signed, but shorter.
    int firstCheckpoint = 0;
    while (!lines.get(firstCheckpoint).contains("\"type\":\"checkpoint\"")) {
      firstCheckpoint++;
    }
    Files.writeString(
        dir.resolve("evidence.jsonl"),
        String.join("\n", lines.subList(0, firstCheckpoint + 1)) + "\n");
    Cli.Result cut = cli.run("evidence", RestoreRun.ID, "--verify", "--expect-head", hash);
    Cli.Result atCheckpoint = cli.run("evidence", RestoreRun.ID, "--verify");
    Files.writeString(
        dir.resolve("evidence.jsonl"),
        String.join("\n", lines.subList(0, lines.size() - 1)) + "\n");
    Cli.Result unsigned = cli.run("evidence", RestoreRun.ID, "--verify");
    Cli.Result badHead = cli.run("evidence", RestoreRun.ID, "--verify", "--expect-head", "abc");

    assertThat(cut.code()).isEqualTo(Main.FAILED);
    assertThat(cut.out()).contains("does NOT verify (HEAD_NOT_FOUND)").contains(hash);
    // without the ticket's head, a chain cut back to a checkpoint looks whole
    assertThat(atCheckpoint.code()).isEqualTo(Main.DONE);
    assertThat(unsigned.code()).isEqualTo(Main.FAILED);
    assertThat(unsigned.out()).contains("(UNSIGNED_TAIL)").contains("its end is not signed");
    assertThat(badHead.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(badHead.err()).contains("64 lowercase hex digits");
  }

  @Test
  void anExportVerifiesOfflineInAFreshDirAndNotUnderAnotherKey(@TempDir Path elsewhere)
      throws Exception {
    RestoreRun.write(home);
    Path zip = home.resolve("run.zip");
    assertThat(new Cli(home).run("evidence", RestoreRun.ID, "--export", zip.toString()).code())
        .isEqualTo(Main.DONE);
    Path copy = Files.copy(zip, elsewhere.resolve("evidence.zip"));
    Path freshHome = elsewhere.resolve("no-home");
    Cli offline = new Cli(freshHome);

    Cli.Result verified = offline.run("evidence", "--verify", copy.toString());
    Cli.Result json = offline.run("evidence", "--verify", copy.toString(), "--output", "json");
    Path otherKey = elsewhere.resolve("other.pub");
    Files.writeString(
        otherKey,
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFo5u3UeN0Qyfuxq2aJ5R2lVQ5eXb7CgQ3pQh7bnZ1bN x@y\n");
    Cli.Result wrongKey =
        offline.run("evidence", "--verify", copy.toString(), "--engine-key", otherKey.toString());
    Cli.Result notVerify = offline.run("evidence", copy.toString());

    assertThat(verified.code()).as(verified.toString()).isEqualTo(Main.DONE);
    assertThat(verified.out())
        .contains("evidence of run " + RestoreRun.ID + " verifies")
        .contains(Files.readString(home.resolve("engine.key.pub")).strip());
    JsonNode v = new ObjectMapper().readTree(json.out());
    assertThat(v.get("ok").asBoolean()).isTrue();
    assertThat(v.get("checkpoints")).hasSizeGreaterThanOrEqualTo(2);
    assertThat(wrongKey.code()).isEqualTo(Main.FAILED);
    assertThat(wrongKey.out()).contains("(WRONG_KEY)");
    assertThat(notVerify.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(freshHome).doesNotExist(); // offline: no home needed, none made
    try (ZipFile z = new ZipFile(zip.toFile())) {
      assertThat(z.getEntry("engine.key.pub")).isNotNull();
    }
  }

  private static String sha256(String line) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(
            java.security.MessageDigest.getInstance("SHA-256")
                .digest(line.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }
}

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
}

package dev.runbook.engine.internal.evidence;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.RunEvent.ArtifactRecorded;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvidenceJournalTest {

  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2025-03-01T10:15:30Z"), ZoneOffset.UTC);

  @TempDir Path dir;

  private Path runDir() {
    return dir.resolve("runs/run-1");
  }

  private List<String> lines() throws IOException {
    String content = Files.readString(runDir().resolve("evidence.jsonl"), UTF_8);
    assertThat(content).endsWith("\n");
    return List.of(content.split("\n", -1)).subList(0, content.split("\n", -1).length - 1);
  }

  private static String sha256(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(UTF_8)));
  }

  @Test
  void writesOneChainedRecordPerLineWithTheEnvelopeAroundTheComponents() throws Exception {
    try (EvidenceJournal journal = EvidenceJournal.open(runDir(), Redactor.NONE, CLOCK)) {
      journal.append(Events.runStarted());
      journal.append(Events.stepStarted("Task_TakeSnapshot"));
      journal.append(Events.commandFailed());
    }

    List<String> lines = lines();
    assertThat(lines).hasSize(3);
    String prev = "0".repeat(64);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      JsonNode record = EvidenceFormat.MAPPER.readTree(line);
      assertThat(record.get("seq").asInt()).isEqualTo(i + 1);
      assertThat(record.get("at").asText()).isEqualTo("2025-03-01T10:15:30.000Z");
      assertThat(record.get("prev").asText()).isEqualTo(prev);
      // hash: SHA-256 of the line without its last field, as docs/evidence.md tells auditors
      String body = line.replaceFirst(",\"hash\":\"[0-9a-f]{64}\"}$", "}");
      assertThat(record.get("hash").asText()).isEqualTo(sha256(body));
      prev = sha256(line);
    }
    assertThat(lines.get(1))
        .startsWith("{\"seq\":2,\"at\":\"2025-03-01T10:15:30.000Z\",\"type\":\"step.started\",")
        .contains(
            "\"activityId\":\"Task_TakeSnapshot\",\"name\":\"Take etcd snapshot\","
                + "\"step\":\"takeSnapshot\",\"effect\":\"READ_ONLY\",\"jobId\":\"job-1\","
                + "\"attempt\":1,\"nodes\":[\"cp1\"],\"prev\":");
    JsonNode failed = EvidenceFormat.MAPPER.readTree(lines.get(2));
    assertThat(failed.get("failure").asText()).isEqualTo("NON_ZERO_EXIT");
    assertThat(failed.get("exitStatus").asInt()).isEqualTo(2);
    JsonNode started = EvidenceFormat.MAPPER.readTree(lines.get(0));
    assertThat(started.get("parameters").get("snapshot").asText())
        .isEqualTo("/var/lib/etcd-backup/snap.db");
  }

  @Test
  void leavesOutNullComponents() throws Exception {
    try (EvidenceJournal journal = EvidenceJournal.open(runDir(), Redactor.NONE)) {
      journal.append(Events.commandFinished("ok"));
    }
    JsonNode record = EvidenceFormat.MAPPER.readTree(lines().get(0));
    assertThat(record.has("failure")).isFalse();
    assertThat(record.get("at").asText())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
  }

  @Test
  void eachRecordIsInTheFileWhenAppendReturns() throws Exception {
    Path file = runDir().resolve("evidence.jsonl");
    try (EvidenceJournal journal = EvidenceJournal.open(runDir(), Redactor.NONE)) {
      assertThat(file).exists();
      long size = Files.size(file);
      for (int i = 1; i <= 3; i++) {
        journal.append(Events.stepStarted("Task_" + i));
        assertThat(Files.size(file)).isGreaterThan(size);
        size = Files.size(file);
        assertThat(lines()).hasSize(i);
      }
    }
  }

  @Test
  void anUnforcedRecordIsWrittenAtOnceAndForcedByTheNextForcedRecordOrTheClose() throws Exception {
    Path file = runDir().resolve("evidence.jsonl");
    EvidenceJournal journal = EvidenceJournal.open(runDir(), Redactor.NONE);
    journal.append(Events.runStarted(), false);
    journal.append(Events.stepStarted("Task_1"), false);
    journal.append(Events.commandSent("true"), false);
    assertThat(lines()).hasSize(3); // in the file (a killed process loses nothing) ...
    assertThat(journal.forces()).isZero(); // ... but not yet forced
    journal.append(Events.commandFinished("ok"));
    assertThat(journal.forces()).isEqualTo(1); // one fsync covers the four lines
    journal.append(Events.commandFinished("again"), false);
    journal.close();
    assertThat(journal.forces()).isEqualTo(2); // the close forced what was left
    assertThat(lines()).hasSize(5);
    assertThat(EvidenceVerifier.verify(runDir()).ok()).isTrue();
    EvidenceJournal clean = EvidenceJournal.open(runDir(), Redactor.NONE);
    clean.append(Events.stepStarted("Task_2"));
    clean.close();
    assertThat(clean.forces()).isEqualTo(1); // nothing left unforced: the close adds none
    assertThat(file).exists();
  }

  @Test
  void aLaterProcessContinuesTheChain() throws Exception {
    try (EvidenceJournal journal = EvidenceJournal.open(runDir(), Redactor.NONE)) {
      journal.append(Events.runStarted());
      journal.append(Events.gatePending("Gate_ApproveRestore", 1));
    }
    String firstSessionHead;
    try (EvidenceJournal journal = EvidenceJournal.open(runDir(), Redactor.NONE)) {
      firstSessionHead = journal.lastHash();
      journal.append(Events.approved("Gate_ApproveRestore", "bob", 1, 1));
      journal.append(Events.stepStarted("Task_StopApiServers"));
      assertThat(journal.lastHash()).isEqualTo(sha256(lines().get(3)));
    }

    List<String> lines = lines();
    assertThat(lines).hasSize(4);
    assertThat(firstSessionHead).isEqualTo(sha256(lines.get(1)));
    JsonNode third = EvidenceFormat.MAPPER.readTree(lines.get(2));
    assertThat(third.get("seq").asInt()).isEqualTo(3);
    assertThat(third.get("prev").asText()).isEqualTo(firstSessionHead);
    assertThat(EvidenceVerifier.verify(runDir()))
        .returns(true, Verification::ok)
        .returns(4, Verification::records);
  }

  @Test
  void twoJournalsOnOneRunKeepOneChain() throws Exception {
    try (EvidenceJournal a = EvidenceJournal.open(runDir(), Redactor.NONE);
        EvidenceJournal b = EvidenceJournal.open(runDir(), Redactor.NONE)) {
      a.append(Events.runStarted());
      b.append(Events.stepStarted("Task_1"));
      a.append(Events.stepStarted("Task_2"));
      b.artifact("Task_2", "out.txt", "x".getBytes(UTF_8));
    }
    assertThat(EvidenceVerifier.verify(runDir()))
        .returns(true, Verification::ok)
        .returns(4, Verification::records);
  }

  @Test
  void aTornTailIsKeptAndTheChainGoesOnOnTheNextLine() throws Exception {
    try (EvidenceJournal journal = EvidenceJournal.open(runDir(), Redactor.NONE)) {
      journal.append(Events.runStarted());
      journal.append(Events.stepStarted("Task_1"));
    }
    Path file = runDir().resolve("evidence.jsonl");
    String fragment = "{\"seq\":3,\"at\":\"2025-03-01T10:";
    Files.writeString(file, fragment, StandardOpenOption.APPEND);
    String secondLine = lines(file).get(1);

    try (EvidenceJournal journal = EvidenceJournal.open(runDir(), Redactor.NONE)) {
      journal.append(Events.stepStarted("Task_2"));
    }

    List<String> lines = lines();
    assertThat(lines).hasSize(4);
    assertThat(lines.get(2)).isEqualTo(fragment);
    JsonNode next = EvidenceFormat.MAPPER.readTree(lines.get(3));
    assertThat(next.get("seq").asInt()).isEqualTo(3);
    assertThat(next.get("prev").asText()).isEqualTo(sha256(secondLine));

    Verification v = EvidenceVerifier.verify(runDir());
    assertThat(v.ok()).isFalse();
    assertThat(v.firstBadLine()).isEqualTo(3);
    assertThat(v.firstBadSeq()).isNull();
    assertThat(v.records()).isEqualTo(3);
    assertThat(v.problem())
        .startsWith("line 3: not a complete JSON record: a record torn by a crash")
        .endsWith("the 1 record after it verify");
    assertThat(EvidenceReader.read(runDir())).hasSize(3);
  }

  private static List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file, UTF_8);
  }

  @Test
  void keepsArtifactsUnderSafeNamesAndNeverOverwrites() throws Exception {
    List<ArtifactRecorded> recorded = new ArrayList<>();
    try (EvidenceJournal journal = EvidenceJournal.open(runDir(), Redactor.NONE)) {
      journal.append(Events.runStarted());
      recorded.add(journal.artifact("Task_1", "member list.txt", "one".getBytes(UTF_8)));
      recorded.add(journal.artifact("Task_1", "member list.txt", "two".getBytes(UTF_8)));
      recorded.add(journal.artifact("Task_1", "member list.txt", "three".getBytes(UTF_8)));
      recorded.add(journal.artifact("Task_1", ".hidden", new byte[0]));

      assertThatThrownBy(() -> journal.artifact("Task_1", "../escape", new byte[1]))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> journal.artifact("Task_1", "a/b", new byte[1]))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> journal.artifact("Task_1", " ", new byte[1]))
          .isInstanceOf(IllegalArgumentException.class);
    }

    assertThat(recorded)
        .extracting(ArtifactRecorded::path)
        .containsExactly(
            "artifacts/member_list.txt",
            "artifacts/member_list-2.txt",
            "artifacts/member_list-3.txt",
            "artifacts/_hidden");
    assertThat(recorded.get(0).name()).isEqualTo("member list.txt");
    assertThat(recorded.get(1).size()).isEqualTo(3);
    assertThat(recorded.get(1).sha256()).isEqualTo(sha256("two"));
    assertThat(runDir().resolve("artifacts/member_list-2.txt")).hasContent("two");
    try (Stream<Path> files = Files.list(runDir().resolve("artifacts"))) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
    }
    List<String> lines = lines();
    assertThat(lines).hasSize(5);
    JsonNode record = EvidenceFormat.MAPPER.readTree(lines.get(2));
    assertThat(record.get("type").asText()).isEqualTo("artifact.recorded");
    assertThat(record.get("path").asText()).isEqualTo("artifacts/member_list-2.txt");
    assertThat(EvidenceVerifier.verify(runDir()))
        .returns(true, Verification::ok)
        .returns(5, Verification::records);
  }

  @Test
  void streamsALargeFileIntoArtifactsAsItIs() throws Exception {
    Path source = dir.resolve("snapshot.db");
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    Random random = new Random(42);
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(source)) {
      for (int i = 0; i < 8; i++) {
        random.nextBytes(chunk);
        out.write(chunk);
        digest.update(chunk);
      }
    }

    ArtifactRecorded recorded;
    try (EvidenceJournal journal =
        EvidenceJournal.open(runDir(), Redactor.of(List.of("secret-value"), List.of()))) {
      journal.append(Events.runStarted());
      recorded = journal.artifactFromFile("Task_TakeSnapshot", "snapshot.db", source);
    }

    assertThat(recorded.size()).isEqualTo(8L << 20);
    assertThat(recorded.sha256()).isEqualTo(HexFormat.of().formatHex(digest.digest()));
    assertThat(runDir().resolve("artifacts/snapshot.db")).hasSameBinaryContentAs(source);
    assertThat(EvidenceVerifier.verify(runDir()).ok()).isTrue();
  }

  @Test
  void keepsBinaryContentAsItIsAndRedactsText() throws Exception {
    byte[] binary = {(byte) 0xff, 's', 'e', 'c', 'r', 'e', 't', '-', 'v', 'a', 'l', (byte) 0xfe};
    try (EvidenceJournal journal =
        EvidenceJournal.open(runDir(), Redactor.of(List.of("secret-val"), List.of()))) {
      journal.artifact("Task_1", "binary.bin", binary);
      journal.artifact("Task_1", "text.txt", "x secret-val y".getBytes(UTF_8));
    }
    assertThat(Files.readAllBytes(runDir().resolve("artifacts/binary.bin"))).isEqualTo(binary);
    assertThat(runDir().resolve("artifacts/text.txt")).hasContent("x [REDACTED] y");
  }

  @Test
  void refusesToWriteWhenClosed() throws Exception {
    EvidenceJournal journal = EvidenceJournal.open(runDir(), Redactor.NONE);
    journal.close();
    assertThatThrownBy(() -> journal.append(Events.runStarted()))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void writesOutputsOfAnyShape() throws Exception {
    Map<String, Object> outputs = new java.util.LinkedHashMap<>();
    outputs.put("revision", 42L);
    outputs.put("healthy", true);
    outputs.put("members", List.of("cp1", "cp2"));
    outputs.put("status", Map.of("leader", "cp1"));
    outputs.put("took", java.time.Duration.ofSeconds(2));
    outputs.put("none", null);
    try (EvidenceJournal journal = EvidenceJournal.open(runDir(), Redactor.NONE)) {
      journal.append(Events.stepFinished("Task_1", outputs));
    }
    JsonNode written = EvidenceFormat.MAPPER.readTree(lines().get(0)).get("outputs");
    Iterator<String> names = written.fieldNames();
    assertThat(names)
        .toIterable()
        .containsExactly("revision", "healthy", "members", "status", "took", "none");
    assertThat(written.get("revision").asLong()).isEqualTo(42);
    assertThat(written.get("healthy").asBoolean()).isTrue();
    assertThat(written.get("members").get(1).asText()).isEqualTo("cp2");
    assertThat(written.get("status").get("leader").asText()).isEqualTo("cp1");
    assertThat(written.get("took").asText()).isEqualTo("PT2S");
    assertThat(written.get("none").isNull()).isTrue();
  }
}

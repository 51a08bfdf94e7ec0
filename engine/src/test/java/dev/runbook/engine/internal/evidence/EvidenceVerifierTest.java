package dev.runbook.engine.internal.evidence;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each way of tampering with evidence is found and named, with its line. */
class EvidenceVerifierTest {

  @TempDir Path runDir;
  private Path journalFile;

  /** Six records; the fifth records artifacts/etcdctl-status.txt. */
  @BeforeEach
  void writeRun() throws IOException {
    try (EvidenceJournal journal = EvidenceJournal.open(runDir, Redactor.NONE)) {
      journal.append(Events.runStarted());
      journal.append(Events.stepStarted("Task_CheckHealth"));
      journal.append(Events.commandSent("etcdctl endpoint health --cluster"));
      journal.append(Events.commandFinished("healthy"));
      journal.artifact("Task_CheckHealth", "etcdctl-status.txt", "3 members\n".getBytes(UTF_8));
      journal.append(Events.stepFinished("Task_CheckHealth", Map.of("healthy", true)));
    }
    journalFile = runDir.resolve("evidence.jsonl");
  }

  private List<String> lines() throws IOException {
    return new ArrayList<>(Files.readAllLines(journalFile, UTF_8));
  }

  private void write(List<String> lines) throws IOException {
    Files.writeString(journalFile, String.join("\n", lines) + "\n", UTF_8);
  }

  @Test
  void anUntouchedRunVerifies() throws IOException {
    Verification v = EvidenceVerifier.verify(runDir);

    assertThat(v.ok()).as(v.problem()).isTrue();
    assertThat(v.records()).isEqualTo(6);
    assertThat(v.reason()).isNull();
  }

  @Test
  void anEditedRecordIsNamed() throws IOException {
    List<String> lines = lines();
    lines.set(2, lines.get(2).replace("--cluster", "--cluster; rm -rf /var/lib/etcd"));
    write(lines);

    Verification v = EvidenceVerifier.verify(runDir);

    assertThat(v.ok()).isFalse();
    assertThat(v.firstBadLine()).isEqualTo(3);
    assertThat(v.firstBadSeq()).isEqualTo(3);
    assertThat(v.records()).isEqualTo(2);
    assertThat(v.problem())
        .isEqualTo("line 3 (seq 3): hash does not match its content: the record was edited");
  }

  @Test
  void anEditedAndRehashedRecordIsFoundByTheNextOne() throws IOException {
    List<String> lines = lines();
    String edited = lines.get(2).replace("--cluster", "--cluster; rm -rf /var/lib/etcd");
    byte[] body = EvidenceFormat.body(edited.getBytes(UTF_8));
    lines.set(2, new String(EvidenceFormat.withHash(body), UTF_8));
    write(lines);

    Verification v = EvidenceVerifier.verify(runDir);

    assertThat(v.firstBadLine()).isEqualTo(4);
    assertThat(v.problem())
        .isEqualTo(
            "line 4 (seq 4): prev is not the SHA-256 of the record before it (line 3): that record"
                + " was edited and its hash recomputed, or this one was moved");
  }

  @Test
  void aDeletedRecordIsNamedAtTheLineAfterTheGap() throws IOException {
    List<String> lines = lines();
    lines.remove(1);
    write(lines);

    Verification v = EvidenceVerifier.verify(runDir);

    assertThat(v.ok()).isFalse();
    assertThat(v.firstBadLine()).isEqualTo(2);
    assertThat(v.firstBadSeq()).isEqualTo(3);
    assertThat(v.problem())
        .isEqualTo("line 2: seq 3 follows seq 1: a record was deleted or reordered");
  }

  @Test
  void aDeletedFirstRecordIsNamed() throws IOException {
    List<String> lines = lines();
    lines.remove(0);
    write(lines);

    Verification v = EvidenceVerifier.verify(runDir);

    assertThat(v.firstBadLine()).isEqualTo(1);
    assertThat(v.problem())
        .isEqualTo("line 1: the first record has seq 2, not 1: a record was deleted or reordered");
  }

  @Test
  void swappedRecordsAreNamed() throws IOException {
    List<String> lines = lines();
    String second = lines.get(1);
    lines.set(1, lines.get(2));
    lines.set(2, second);
    write(lines);

    Verification v = EvidenceVerifier.verify(runDir);

    assertThat(v.ok()).isFalse();
    assertThat(v.firstBadLine()).isEqualTo(2);
    assertThat(v.problem())
        .isEqualTo("line 2: seq 3 follows seq 1: a record was deleted or reordered");
  }

  @Test
  void aChangedArtifactIsNamed() throws IOException {
    Path artifact = runDir.resolve("artifacts/etcdctl-status.txt");
    byte[] content = Files.readAllBytes(artifact);
    content[0] = '5';
    Files.write(artifact, content);

    Verification v = EvidenceVerifier.verify(runDir);

    assertThat(v.ok()).isFalse();
    assertThat(v.firstBadLine()).isEqualTo(5);
    assertThat(v.firstBadSeq()).isEqualTo(5);
    assertThat(v.records()).isEqualTo(4);
    assertThat(v.problem())
        .isEqualTo(
            "line 5 (seq 5): artifact artifacts/etcdctl-status.txt: SHA-256 differs from the"
                + " recorded one: the file was changed after it was recorded");
  }

  @Test
  void aTruncatedArtifactIsNamed() throws IOException {
    Files.writeString(runDir.resolve("artifacts/etcdctl-status.txt"), "3");

    assertThat(EvidenceVerifier.verify(runDir).problem())
        .isEqualTo(
            "line 5 (seq 5): artifact artifacts/etcdctl-status.txt: size is 1 bytes, recorded 10:"
                + " the file was changed after it was recorded");
  }

  @Test
  void aDeletedArtifactIsNamed() throws IOException {
    Files.delete(runDir.resolve("artifacts/etcdctl-status.txt"));

    Verification v = EvidenceVerifier.verify(runDir);

    assertThat(v.ok()).isFalse();
    assertThat(v.firstBadLine()).isEqualTo(5);
    assertThat(v.problem())
        .isEqualTo(
            "line 5 (seq 5): artifact artifacts/etcdctl-status.txt: the file is missing: it was"
                + " deleted, moved or replaced after it was recorded");
  }

  @Test
  void aTornLastLineIsNamed() throws IOException {
    byte[] content = Files.readAllBytes(journalFile);
    Files.write(journalFile, java.util.Arrays.copyOf(content, content.length - 20));

    Verification v = EvidenceVerifier.verify(runDir);

    assertThat(v.ok()).isFalse();
    assertThat(v.firstBadLine()).isEqualTo(6);
    assertThat(v.firstBadSeq()).isNull();
    assertThat(v.records()).isEqualTo(5);
    assertThat(v.problem())
        .isEqualTo(
            "line 6: torn record: the file ends in the middle of a record (no final newline): the"
                + " writer stopped while writing it, e.g. it crashed");
  }

  @Test
  void aProblemAfterATornLineIsReportedToo() throws IOException {
    List<String> lines = lines();
    lines.set(1, lines.get(1).substring(0, 30)); // torn, and the chain broken after it
    write(lines);

    Verification v = EvidenceVerifier.verify(runDir);

    assertThat(v.firstBadLine()).isEqualTo(2);
    assertThat(v.problem())
        .startsWith("line 2: not a complete JSON record")
        .endsWith("; and after it, line 3: seq 3 follows seq 1: a record was deleted or reordered");
  }

  @Test
  void aRunWithoutAJournalDoesNotVerify() throws IOException {
    Verification v = EvidenceVerifier.verify(runDir.resolve("no-such-run"));

    assertThat(v.ok()).isFalse();
    assertThat(v.problem()).contains("no evidence.jsonl");
  }
}

package dev.runbook.engine.internal.evidence;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.internal.evidence.EvidenceVerifier.Expect;
import dev.runbook.engine.internal.evidence.Verification.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way of cutting or rewriting signed evidence that the chain alone cannot see fails with its
 * own reason; the untouched run verifies. The run is written by the real journal with a real engine
 * key, as the engine writes it: checkpoints after the gate decision and the end.
 */
class EvidenceTamperTest {

  private static final String RUN = "5e1f0a2b";

  @TempDir Path home;
  private Path runDir;
  private EngineKey key;

  /** 13 records: 5, the gate decision, its checkpoint (seq 7), 4, the end, its checkpoint (13). */
  @BeforeEach
  void writeRun() throws IOException {
    key = EngineKey.loadOrCreate(home);
    runDir = home.resolve("runs").resolve(RUN);
    try (EvidenceJournal j = EvidenceJournal.open(runDir, Redactor.NONE, key)) {
      j.append(started(RUN));
      j.append(Events.stepStarted("Task_CheckHealth"));
      j.append(Events.commandSent("etcdctl endpoint health --cluster"));
      j.append(Events.commandFinished("healthy"));
      j.append(Events.gatePending("Gate_ApproveRestore", 1));
      j.append(Events.approved("Gate_ApproveRestore", "bob", 1, 1));
      j.append(Events.stepStarted("Task_Restore"));
      j.append(Events.commandSent("etcdutl snapshot restore"));
      j.artifact("Task_Restore", "restore.txt", "restored\n".getBytes(UTF_8));
      j.append(Events.stepFinished("Task_Restore", Map.of()));
      j.append(Events.ended("done", "restored"));
    }
  }

  private static RunEvent.RunStarted started(String runId) {
    RunEvent.RunStarted s = Events.runStarted();
    return new RunEvent.RunStarted(
        runId,
        s.runbook(),
        s.cluster(),
        s.startedBy(),
        s.parameters(),
        s.inventory(),
        s.inventorySha256(),
        s.planSha256());
  }

  private Verification verify() throws IOException {
    return verify(null);
  }

  private Verification verify(String head) throws IOException {
    return EvidenceVerifier.verify(runDir, Expect.signed(RUN, key.publicKey(), false, head));
  }

  private Path journal() {
    return runDir.resolve("evidence.jsonl");
  }

  private List<String> lines() throws IOException {
    return new ArrayList<>(Files.readAllLines(journal(), UTF_8));
  }

  private void write(List<String> lines) throws IOException {
    Files.writeString(journal(), lines.isEmpty() ? "" : String.join("\n", lines) + "\n", UTF_8);
  }

  /**
   * What a careful forger does: edits records and then renumbers and re-hashes the whole chain, so
   * that every hash, seq and prev holds again.
   */
  private static List<String> rechain(List<String> lines, UnaryOperator<ObjectNode> edit)
      throws IOException {
    List<String> out = new ArrayList<>();
    String prev = EvidenceFormat.ZERO_HASH;
    long seq = 1;
    for (String line : lines) {
      ObjectNode record = (ObjectNode) EvidenceFormat.MAPPER.readTree(line);
      record.remove("hash");
      record.put("seq", seq++);
      record.put("prev", prev);
      record = edit.apply(record);
      byte[] rehashed = EvidenceFormat.withHash(EvidenceFormat.MAPPER.writeValueAsBytes(record));
      prev = EvidenceFormat.sha256Hex(rehashed);
      out.add(new String(rehashed, UTF_8));
    }
    return out;
  }

  private static boolean isCheckpoint(ObjectNode r) {
    return r.path("type").asText().equals("checkpoint");
  }

  @Test
  void theUntouchedRunVerifiesWithBothCheckpoints() throws IOException {
    Verification v = verify(EvidenceFormat.sha256Hex(lines().get(12).getBytes(UTF_8)));

    assertThat(v.ok()).as(v.problem()).isTrue();
    assertThat(v.records()).isEqualTo(13);
    assertThat(v.checkpoints())
        .extracting(Verification.Checkpoint::seq, Verification.Checkpoint::records)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(7L, 6L),
            org.assertj.core.groups.Tuple.tuple(13L, 12L));
    assertThat(v.checkpoints()).allMatch(Verification.Checkpoint::verified);
    assertThat(v.checkpoints().get(0).engineKey()).isEqualTo(key.publicKey().fingerprint());
  }

  @Test
  void cutByOneFails() throws IOException {
    List<String> lines = lines();
    write(lines.subList(0, lines.size() - 1));

    Verification v = verify();

    assertThat(v.reason()).isEqualTo(Reason.UNSIGNED_TAIL);
    assertThat(v.problem()).startsWith("the run ended (seq 12) but its end is not signed");
  }

  @Test
  void cutByFiveFails() throws IOException {
    List<String> lines = lines();
    write(lines.subList(0, lines.size() - 5));

    Verification v = verify();

    assertThat(v.reason()).isEqualTo(Reason.UNSIGNED_TAIL);
    assertThat(v.firstBadLine()).isZero();
    assertThat(v.problem())
        .startsWith(
            "no process drives this run, yet its last 1 records are after the last checkpoint"
                + " (seq 7): the evidence was cut");
  }

  @Test
  void cutBackToAnEarlierCheckpointIsCaughtByTheExpectedHead() throws IOException {
    List<String> lines = lines();
    String head = EvidenceFormat.sha256Hex(lines.get(12).getBytes(UTF_8));
    write(lines.subList(0, 7)); // ends in the gate's checkpoint: a run waiting, well signed

    assertThat(verify().ok()).isTrue();
    Verification v = verify(head);

    assertThat(v.reason()).isEqualTo(Reason.HEAD_NOT_FOUND);
    assertThat(v.problem()).contains(head);
  }

  @Test
  void anEmptiedJournalFails() throws IOException {
    write(List.of());

    Verification v = verify();

    assertThat(v.ok()).isFalse();
    assertThat(v.reason()).isEqualTo(Reason.EMPTY);
    assertThat(v.problem()).contains("empty");
  }

  @Test
  void aHeadlessChainFailsEvenWhenRehashed() throws IOException {
    List<String> lines = lines();
    lines.remove(0);
    write(rechain(lines, r -> r));

    Verification v = verify();

    assertThat(v.reason()).isEqualTo(Reason.HEADLESS);
    assertThat(v.firstBadLine()).isEqualTo(1);
    assertThat(v.problem()).contains("not run.started");
  }

  @Test
  void aRehashedChainFailsAtItsCheckpoint() throws IOException {
    write(
        rechain(
            lines(),
            r -> {
              if (r.path("type").asText().equals("command.sent")) {
                r.put("command", "etcdctl endpoint health --cluster; rm -rf /var/lib/etcd");
              }
              return r;
            }));

    Verification v = verify();

    assertThat(v.reason()).isEqualTo(Reason.CHECKPOINT_MISMATCH);
    assertThat(v.firstBadSeq()).isEqualTo(7);
    assertThat(v.checkpoints()).singleElement().returns(false, Verification.Checkpoint::verified);
  }

  @Test
  void aRehashedChainWithItsCheckpointsRestatedFailsTheSignature() throws IOException {
    List<String> forged =
        rechain(
            lines(),
            r -> {
              if (r.path("type").asText().equals("command.sent")) {
                r.put("command", "etcdctl endpoint health --cluster; rm -rf /var/lib/etcd");
              }
              if (isCheckpoint(r)) {
                r.put("head", r.path("prev").asText()); // what the forger would state now
              }
              return r;
            });
    write(forged);

    Verification v = verify();

    assertThat(v.reason()).isEqualTo(Reason.BAD_SIGNATURE);
    assertThat(v.firstBadSeq()).isEqualTo(7);
  }

  @Test
  void aRunCopiedUnderAnotherIdFails() throws IOException {
    Path copy = home.resolve("runs").resolve("0badc0de");
    try (Stream<Path> files = Files.walk(runDir)) {
      for (Path f : files.toList()) {
        Files.copy(f, copy.resolve(runDir.relativize(f).toString()));
      }
    }

    Verification v =
        EvidenceVerifier.verify(copy, Expect.signed("0badc0de", key.publicKey(), false, null));

    assertThat(v.reason()).isEqualTo(Reason.WRONG_RUN);
    assertThat(v.firstBadLine()).isEqualTo(1);
  }

  @Test
  void aCopyWhoseRunIdWasRewrittenFailsTheSignature() throws IOException {
    write(
        rechain(
            lines(),
            r -> {
              if (r.has("runId")) {
                r.put("runId", "0badc0de");
              }
              if (isCheckpoint(r)) {
                r.put("head", r.path("prev").asText()); // restated, as a forger would
              }
              return r;
            }));

    Verification v =
        EvidenceVerifier.verify(runDir, Expect.signed("0badc0de", key.publicKey(), false, null));

    assertThat(v.reason()).isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void anEditedCheckpointSignatureFails() throws IOException {
    write(
        rechain(
            lines(),
            r -> {
              if (isCheckpoint(r) && r.path("seq").asInt() == 13) {
                String sig = r.path("signature").asText();
                int at = sig.indexOf('\n') + 40; // inside the signature's base64
                char c = sig.charAt(at) == 'A' ? 'B' : 'A';
                r.put("signature", sig.substring(0, at) + c + sig.substring(at + 1));
              }
              return r;
            }));

    Verification v = verify();

    assertThat(v.reason()).isEqualTo(Reason.BAD_SIGNATURE);
    assertThat(v.firstBadSeq()).isEqualTo(13);
    assertThat(v.checkpoints())
        .extracting(Verification.Checkpoint::verified)
        .containsExactly(true, false);
  }

  @Test
  void aDifferentEngineKeyFails(@TempDir Path otherHome) throws IOException {
    EngineKey other = EngineKey.loadOrCreate(otherHome);

    Verification v =
        EvidenceVerifier.verify(runDir, Expect.signed(RUN, other.publicKey(), false, null));

    assertThat(v.reason()).isEqualTo(Reason.WRONG_KEY);
    assertThat(v.problem()).contains(other.publicKey().fingerprint());
  }

  @Test
  void aChainReSignedWithAnotherKeyFails(@TempDir Path otherHome) throws IOException {
    EngineKey forger = EngineKey.loadOrCreate(otherHome);
    write(
        rechain(
            lines(),
            r -> {
              if (r.path("type").asText().equals("command.sent")) {
                r.put("command", "rm -rf /var/lib/etcd");
              }
              if (isCheckpoint(r)) {
                String head = r.path("prev").asText();
                long records = r.path("seq").asLong() - 1;
                r.put("head", head);
                r.put("engineKey", forger.publicKey().fingerprint());
                r.put(
                    "signature",
                    forger.sign(EvidenceFormat.checkpointStatement(RUN, records, head)));
              }
              return r;
            }));

    Verification v = verify();

    assertThat(v.reason()).isEqualTo(Reason.WRONG_KEY);
  }

  @Test
  void withoutAnEngineKeyCheckpointsCannotBeTrusted() throws IOException {
    Verification v = EvidenceVerifier.verify(runDir, Expect.signed(RUN, null, false, null));

    assertThat(v.reason()).isEqualTo(Reason.NO_ENGINE_KEY);
  }

  @Test
  void aRecordAfterTheEndFails() throws IOException {
    List<String> lines = lines();
    // Chained properly onto the end: re-chaining leaves the records before it as they are.
    lines.add(lines.get(1).replace("Task_CheckHealth", "Task_AfterTheEnd"));
    write(rechain(lines, r -> r));

    Verification v = verify();

    assertThat(v.reason()).isEqualTo(Reason.AFTER_END);
    assertThat(v.firstBadSeq()).isEqualTo(14);
    assertThat(v.problem()).contains("after the run ended (seq 12)");
  }

  @Test
  void aRunBeingDrivenMayHaveAnUnsignedTail() throws IOException {
    List<String> lines = lines();
    write(lines.subList(0, 9));

    assertThat(verify().reason()).isEqualTo(Reason.UNSIGNED_TAIL);
    assertThat(
            EvidenceVerifier.verify(runDir, Expect.signed(RUN, key.publicKey(), true, null)).ok())
        .isTrue();
  }

  @Test
  void theKeyIsMadeOnceOwnerOnlyAndTwoMakersAgree(@TempDir Path fresh) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<EngineKey>> made = new ArrayList<>();
      Callable<EngineKey> make = () -> EngineKey.loadOrCreate(fresh);
      for (int i = 0; i < 8; i++) {
        made.add(pool.submit(make));
      }
      EngineKey first = made.get(0).get();
      for (Future<EngineKey> f : made) {
        assertThat(f.get().publicKey()).isEqualTo(first.publicKey());
      }
      assertThat(EngineKey.loadOrCreate(fresh).publicKey()).isEqualTo(first.publicKey());
    } finally {
      pool.shutdownNow();
    }
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(fresh.resolve("engine.key"))))
        .isEqualTo("rw-------");
    try (Stream<Path> files = Files.list(fresh)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("engine.key", "engine.key.pub");
    }
  }
}

package dev.runbook.engine.internal.evidence;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.engine.api.RunEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Acceptance: a test plants secrets and finds them nowhere under the run dir. */
class EvidenceSecretsTest {

  private static final String LITERAL = "Pa55-w0rd-from-secret-input";
  private static final String TOKEN = "tok_9fQ2xLmZ81aBcDeF";
  private static final String LEARNED = "learned-at-runtime-7731";
  private static final String KEY_BODY_1 = "MIIEowIBAAKCAQEAsecretKeyMaterialLine1xyz";
  private static final String KEY_BODY_2 = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUsecretLine2";
  private static final String PEM =
      "-----BEGIN RSA PRIVATE KEY-----\n" + KEY_BODY_1 + "\n-----END RSA PRIVATE KEY-----\n";
  private static final String OPENSSH =
      "-----BEGIN OPENSSH PRIVATE KEY-----\n"
          + KEY_BODY_2
          + "\n-----END OPENSSH PRIVATE KEY-----\n";

  @TempDir Path dir;

  @Test
  void aKeyPrintedInPiecesIsNowhereUnderTheRunDir() throws IOException {
    // As the step context records a command's output: a piece per read of the stream, which can
    // split a key block anywhere between lines.
    Path runDir = dir.resolve("runs/run-8");
    Redactor.KeyBlocks keys = new Redactor.KeyBlocks();
    List<List<String>> pieces =
        List.of(
            List.of("reading the key", "-----BEGIN OPENSSH PRIVATE KEY-----"),
            List.of(KEY_BODY_2),
            List.of(KEY_BODY_1, "-----END OPENSSH PRIVATE KEY-----", "done"),
            List.of(PEM.strip().replace("\n", "")));
    try (EvidenceJournal journal = EvidenceJournal.open(runDir, Redactor.of(Set.of(), List.of()))) {
      journal.append(Events.runStarted());
      for (List<String> piece : pieces) {
        List<String> kept = keys.filter(piece);
        if (!kept.isEmpty()) {
          journal.append(new RunEvent.CommandOutput("Task_Read", "cp1", "stdout", kept), false);
        }
      }
    }

    String evidence = Files.readString(runDir.resolve("evidence.jsonl"), UTF_8);
    assertThat(evidence)
        .doesNotContain(KEY_BODY_1)
        .doesNotContain(KEY_BODY_2)
        .contains("[\"reading the key\",\"" + Redactor.REDACTED_KEY + "\"]")
        .contains("[\"done\"]");
    assertThat(EvidenceVerifier.verify(runDir).ok()).isTrue();
  }

  @Test
  void plantedSecretsAreNowhereUnderTheRunDir() throws IOException {
    Path runDir = dir.resolve("runs/run-7");
    String all = "literal " + LITERAL + " token " + TOKEN + "\n" + PEM + OPENSSH;
    Redactor redactor = Redactor.of(Set.of(LITERAL), List.of("tok_[A-Za-z0-9]{16}"));

    try (EvidenceJournal journal = EvidenceJournal.open(runDir, redactor)) {
      journal.append(
          new RunEvent.RunStarted(
              "run-7",
              "etcd-restore",
              "prod",
              "alice",
              Map.of("dbPassword", LITERAL, "apiToken", TOKEN),
              "inventory.yaml",
              "a".repeat(64),
              "b".repeat(64)));
      journal.append(Events.commandSent("echo '" + LITERAL + "' | login " + TOKEN + "\n" + PEM));
      journal.append(Events.commandFinished(all));
      Map<String, Object> outputs = new LinkedHashMap<>();
      outputs.put("password", LITERAL);
      outputs.put("nested", Map.of("list", List.of(TOKEN, OPENSSH)));
      outputs.put(LITERAL, "a key that is a secret");
      journal.append(Events.stepFinished("Task_Login", outputs));
      journal.artifact("Task_Login", "session.txt", all.getBytes(UTF_8));
      journal.artifact("Task_Login", "named-" + LITERAL + ".txt", "x".getBytes(UTF_8));

      journal.addSecret(LEARNED);
      journal.append(Events.commandFinished("got " + LEARNED));
      journal.artifact("Task_Login", "later.txt", ("still " + LEARNED).getBytes(UTF_8));
    }

    List<String> secrets = List.of(LITERAL, TOKEN, LEARNED, KEY_BODY_1, KEY_BODY_2);
    List<Path> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(runDir)) {
      walk.forEach(files::add);
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(5);
    for (Path path : files) {
      String relative = runDir.relativize(path).toString();
      for (String secret : secrets) {
        assertThat(relative).as("file name %s", relative).doesNotContain(secret);
      }
      if (Files.isRegularFile(path)) {
        byte[] content = Files.readAllBytes(path);
        for (String secret : secrets) {
          assertThat(indexOf(content, secret.getBytes(UTF_8)))
              .as("%s in %s", secret, relative)
              .isEqualTo(-1);
        }
      }
    }

    String evidence = Files.readString(runDir.resolve("evidence.jsonl"), UTF_8);
    assertThat(evidence).contains("[REDACTED]", "[REDACTED PRIVATE KEY]");
    assertThat(runDir.resolve("artifacts/session.txt"))
        .hasContent(
            "literal [REDACTED] token [REDACTED]\n[REDACTED PRIVATE KEY]\n"
                + "[REDACTED PRIVATE KEY]\n");
    assertThat(EvidenceVerifier.verify(runDir).ok()).isTrue();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}

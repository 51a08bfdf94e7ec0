package dev.runbook.runbooks.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.RunbookError;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What control-plane-backup sends off site, decided on the engine host before any upload. */
class UploadArchivesTest {

  @TempDir Path dir;

  private Path archive(String name, byte[] content, String recordedSha) throws Exception {
    Path a = dir.resolve(name);
    Files.write(a, content);
    Files.writeString(dir.resolve(name + ".sha256"), recordedSha + "  " + name + "\n");
    Files.writeString(dir.resolve(name + ".hmac"), "00ff  " + name + "\n");
    return a;
  }

  private static String sha(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Test
  void eachArchiveGoesWithItsDigestAndHmacInThatOrder() throws Exception {
    byte[] one = "first archive".getBytes(StandardCharsets.UTF_8);
    byte[] two = "second, longer archive".getBytes(StandardCharsets.UTF_8);
    Map<String, String> archives = new LinkedHashMap<>();
    archives.put("cp-1", archive("a1.tar.enc", one, sha(one)).toString());
    archives.put("cp-2", archive("a2.tar.enc", two, sha(two)).toString());

    List<UploadArchives.Outgoing> out = UploadArchives.outgoing(archives);

    assertThat(out)
        .extracting(o -> o.file().getFileName().toString())
        .containsExactly(
            "a1.tar.enc",
            "a1.tar.enc.sha256",
            "a1.tar.enc.hmac",
            "a2.tar.enc",
            "a2.tar.enc.sha256",
            "a2.tar.enc.hmac");
    assertThat(out)
        .extracting(UploadArchives.Outgoing::archiveOf)
        .containsExactly("cp-1", null, null, "cp-2", null, null);
    assertThat(out.get(3).sha256()).isEqualTo(sha(two));
    assertThat(out.get(3).size()).isEqualTo(two.length);
    byte[] side = Files.readAllBytes(dir.resolve("a1.tar.enc.hmac"));
    assertThat(out.get(2).sha256()).isEqualTo(sha(side));
    assertThat(out.get(2).size()).isEqualTo(side.length);
  }

  @Test
  void anArchiveChangedSinceItsCheckStopsTheStepBeforeAnythingIsSent() throws Exception {
    byte[] one = "first archive".getBytes(StandardCharsets.UTF_8);
    byte[] two = "second archive".getBytes(StandardCharsets.UTF_8);
    Map<String, String> archives = new LinkedHashMap<>();
    archives.put("cp-1", archive("a1.tar.enc", one, sha(one)).toString());
    // cp-2's archive was damaged after the check: its bytes no longer hash to its .sha256.
    archives.put("cp-2", archive("a2.tar.enc", two, sha(one)).toString());

    assertThatThrownBy(() -> UploadArchives.outgoing(archives))
        .isInstanceOf(RunbookError.class)
        .hasMessageContaining("cp-2: the archive ")
        .hasMessageContaining("changed after it was checked; nothing was uploaded")
        .extracting(e -> ((RunbookError) e).code())
        .isEqualTo(ErrorCode.VALIDATION_FAILED);
  }

  @Test
  void aMissingFileBesideAnArchiveIsAStepFailureNamingIt() throws Exception {
    byte[] one = "first archive".getBytes(StandardCharsets.UTF_8);
    Path a = archive("a1.tar.enc", one, sha(one));
    Files.delete(dir.resolve("a1.tar.enc.hmac"));

    assertThatThrownBy(() -> UploadArchives.outgoing(Map.of("cp-1", a.toString())))
        .isInstanceOf(RunbookError.class)
        .hasMessageContaining("a1.tar.enc.hmac")
        .hasMessageContaining("nothing was uploaded")
        .extracting(e -> ((RunbookError) e).code())
        .isEqualTo(ErrorCode.STEP_FAILED);
  }
}

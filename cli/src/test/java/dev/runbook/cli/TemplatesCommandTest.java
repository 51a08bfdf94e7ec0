package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplatesCommandTest {

  @TempDir Path tmp;

  private static List<String> ids(Path file) throws IOException {
    JsonNode templates = new ObjectMapper().readTree(file.toFile());
    List<String> ids = new ArrayList<>();
    templates.forEach(t -> ids.add(t.get("id").asText()));
    return ids;
  }

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }

  @Test
  void exportsOneTemplatePerShippedStepIntoADirItCreates() throws IOException {
    Path dir = tmp.resolve("project/.camunda/element-templates");

    Cli.Result r = new Cli(tmp.resolve("home")).run("templates", "export", dir.toString());

    assertThat(r.code()).as(r.toString()).isEqualTo(Main.DONE);
    Path file = dir.resolve("runbook-steps.json");
    assertThat(r.out())
        .contains("wrote " + file)
        .contains(".camunda/element-templates/")
        .contains("resources/element-templates/");
    assertThat(r.err()).isEmpty();
    assertThat(ids(file))
        .contains(
            "dev.runbook.remoteCheck", "dev.runbook.etcdTakeSnapshot", "dev.runbook.etcdRollBack")
        .doesNotHaveDuplicates()
        .hasSizeGreaterThanOrEqualTo(24);
    // Only the file: the temporary one was renamed over it.
    assertThat(files(dir)).containsExactly(file);
    // Exporting reads the steps only: no engine, so no home.
    assertThat(Files.exists(tmp.resolve("home"))).isFalse();
  }

  @Test
  void replacesAnOlderExport() throws IOException {
    Path file = tmp.resolve("runbook-steps.json");
    Files.writeString(file, "[]");

    Cli.Result r = new Cli(tmp.resolve("home")).run("templates", "export", tmp.toString());

    assertThat(r.code()).as(r.toString()).isEqualTo(Main.DONE);
    assertThat(ids(file)).contains("dev.runbook.etcdStopControlPlane");
  }

  @Test
  void aFileForDirIsRefusedAndLeftAsItWas() throws IOException {
    Path notDir = tmp.resolve("notes.txt");
    Files.writeString(notDir, "keep me");

    Cli.Result r = new Cli(tmp.resolve("home")).run("templates", "export", notDir.toString());

    assertThat(r.code()).as(r.toString()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains(notDir + " is a file, not a directory");
    assertThat(Files.readString(notDir)).isEqualTo("keep me");
    assertThat(files(tmp)).containsExactly(notDir);
  }

  @Test
  void aDirThatCannotBeMadeIsRefused() throws IOException {
    Path file = tmp.resolve("plain");
    Files.writeString(file, "x");

    Cli.Result r =
        new Cli(tmp.resolve("home")).run("templates", "export", file.resolve("sub").toString());

    assertThat(r.code()).as(r.toString()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("templates export:").contains(file + " is a file");
    assertThat(files(tmp)).containsExactly(file);
  }

  @Test
  void aDirThatCannotBeWrittenIsRefused() {
    // Even root cannot create a file in /proc; a mode bit would not stop root, who runs the lab.
    Cli.Result r = new Cli(tmp.resolve("home")).run("templates", "export", "/proc");

    assertThat(r.code()).as(r.toString()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("cannot write /proc/runbook-steps.json (is /proc writable?)");
    assertThat(r.out()).isEmpty();
  }
}

package dev.runbook.engine.internal.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ssh-check stamp commands, rendered by the engine's renderer and run under {@code sh -c} with
 * paths that start with '-': each must reach mkdir, cat and mv as an operand, never as an option
 * (without {@code --}, {@code mkdir -p '-d'} fails as an invalid option and {@code cat '-n/x'}
 * numbers lines instead of reading a file named so).
 */
class SshCheckTemplatesTest {

  /** FreeMarker reads {@code run.id} from a public record. */
  public record Run(String id) {}

  private final TemplateRenderer renderer = new TemplateRenderer(null);

  @TempDir Path cwd;

  @Test
  void pathsThatLookLikeOptionsAreOperands() throws Exception {
    Map<String, Object> model = Map.of("dir", "-n", "path", "-n/stamp", "run", new Run("run-42"));

    Result write = sh(renderer.render("commands/ssh-check/write-stamp.ftl", model));
    assertThat(write.exit()).as(write.out()).isZero();
    assertThat(cwd.resolve("-n/stamp")).hasContent("run-42\n");

    Result read = sh(renderer.render("commands/ssh-check/read-stamp.ftl", model));
    assertThat(read.exit()).as(read.out()).isZero();
    assertThat(read.out()).isEqualTo("run-42\n");

    Result aside = sh(renderer.render("commands/ssh-check/set-stamp-aside.ftl", model));
    assertThat(aside.exit()).as(aside.out()).isZero();
    assertThat(cwd.resolve("-n/stamp")).doesNotExist();
    assertThat(cwd.resolve("-n/stamp.rolled-back")).hasContent("run-42\n");
  }

  private record Result(int exit, String out) {}

  private Result sh(String command) throws Exception {
    Process p =
        new ProcessBuilder("sh", "-c", command)
            .directory(cwd.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(p.waitFor(), out);
  }
}

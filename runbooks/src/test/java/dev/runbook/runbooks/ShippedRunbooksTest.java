package dev.runbook.runbooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.RunbookInfo;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The build's BPMN lint over every runbook this project ships: any problem fails the build. */
class ShippedRunbooksTest {

  private final EngineOptions options = EngineOptions.of(Path.of("target/unused-home"));

  @Test
  void everyShippedRunbookPassesTheLint() {
    assertThat(RunbookEngine.lint(options)).isEmpty();
  }

  @Test
  void thePackIsFoundOnTheClasspathWithItsParameters() {
    assertThat(RunbookEngine.list(options)).extracting(RunbookInfo::id).contains("ssh-check");
    RunbookInfo sshCheck =
        RunbookEngine.list(options).stream()
            .filter(r -> r.id().equals("ssh-check"))
            .findFirst()
            .orElseThrow();
    assertThat(sshCheck.parameters())
        .extracting(RunbookInfo.Parameter::name)
        .containsExactlyInAnyOrder("stampDir", "gateTimeout");
  }
}

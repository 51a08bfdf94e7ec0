package dev.runbook.engine.internal.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.internal.catalog.Catalog;
import dev.runbook.engine.internal.plan.Plan;
import dev.runbook.engine.internal.plan.Planner;
import dev.runbook.engine.internal.template.TemplateRenderer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run checks a step against its bound plan by rendering that step's entry alone (issue 15:
 * "only the step about to run is re-planned"). What it renders must be exactly the whole plan's
 * entry, or every step would drift.
 */
class StepReplanTest {

  @TempDir Path tmp;
  EngineOptions options;
  Inventory inventory;
  Map<String, String> params;

  @BeforeEach
  void setUp() throws Exception {
    Path work = Files.createDirectories(tmp.resolve("work"));
    Files.writeString(work.resolve("payload"), "payload\n");
    Path file = tmp.resolve("inventory.yaml");
    Files.writeString(tmp.resolve("id"), "not a real key: never read by these tests\n");
    Files.writeString(tmp.resolve("known_hosts"), "");
    Files.writeString(
        file,
        """
        cluster: test
        ssh: {user: root, port: 22, identityFile: id, knownHosts: known_hosts}
        approval: {identity: unsigned}
        secrets: {patterns: ['sekrit-\\w+']}
        members:
          - {name: n1, host: 127.0.0.1, clientUrl: https://127.0.0.1:2379, peerUrl: https://127.0.0.1:2380}
          - {name: n2, host: 127.0.0.2, clientUrl: https://127.0.0.2:2379, peerUrl: https://127.0.0.2:2380}
        """);
    inventory = Inventory.load(file);
    options =
        new EngineOptions(
            tmp.resolve("home"),
            null,
            Path.of(getClass().getResource("/test-runbooks").toURI()),
            Path.of(getClass().getResource("/test-templates").toURI()),
            TestSteps.all(),
            RunListener.NONE);
    // A value with quotes, a newline and a string the inventory redacts: the entry's rendering and
    // redaction must match the whole plan's.
    params = Map.of("dir", work.toString(), "value", "it's \"x\"\nsekrit-token $(y)");
  }

  @Test
  void everyStepsEntryRenderedAloneIsTheWholePlansEntry() {
    Plan whole = plan(new TemplateRenderer(options.templatesDir()));
    assertThat(whole.steps()).hasSizeGreaterThan(5);
    for (Plan.Entry e : whole.steps()) {
      assertThat(entry(new TemplateRenderer(options.templatesDir()), e.id()))
          .as(e.id())
          .isEqualTo(e);
    }
    assertThat(whole.toString()).doesNotContain("sekrit-token");
  }

  @Test
  void aStepThatCannotBePlannedDoesNotStopTheOthers() throws IOException {
    // Only the destroying step's template fails to render.
    Path dir = Files.createDirectories(tmp.resolve("templates/commands/guard-test"));
    Files.writeString(
        dir.resolve("run.ftl"),
        "<#if what == \"destroy\">${nowhere}</#if>echo ${what} on ${node.name} for ${run.id}\n");
    TemplateRenderer edited = new TemplateRenderer(tmp.resolve("templates"));
    assertThatThrownBy(() -> plan(edited))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("Task_Destroy");
    assertThat(entry(edited, "Task_Look").commands()).isNotEmpty();
    assertThatThrownBy(() -> entry(edited, "Task_Destroy"))
        .isInstanceOf(BadInputException.class)
        .hasMessageStartingWith("Task_Destroy: ");
    assertThatThrownBy(() -> entry(edited, "Task_Nowhere"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("has no activity Task_Nowhere");
  }

  private Catalog.Entry runbook() {
    return EngineBoot.catalog(options).get("guard-test");
  }

  private Plan plan(TemplateRenderer renderer) {
    Catalog.Entry rb = runbook();
    return Planner.plan(
        rb,
        EngineBoot.steps(options),
        inventory,
        params,
        renderer,
        Planner.Reader.NONE,
        RunInputs.redactor(inventory, rb, params),
        RunInputs.secretDigest(options.home()));
  }

  private Plan.Entry entry(TemplateRenderer renderer, String id) {
    Catalog.Entry rb = runbook();
    return Planner.entry(
        rb,
        EngineBoot.steps(options),
        inventory,
        params,
        renderer,
        Planner.Reader.NONE,
        RunInputs.redactor(inventory, rb, params),
        RunInputs.secretDigest(options.home()),
        id);
  }
}

package dev.runbook.runbooks.steps;

import dev.runbook.engine.api.CommandResult;
import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.StepContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs a read-only command template on each of the task's nodes and fails on a non-zero exit. For
 * discovery and checks only: its effect is READ_ONLY, so a resume simply runs it again.
 */
@Doc("Runs a read-only command template on each of the task's nodes and fails on a non-zero exit.")
public final class RemoteCheck extends DeclaredStep<RemoteCheck.Input, RemoteCheck.Output> {

  /**
   * @param template command template, e.g. {@code commands/ssh-check/identify.ftl}
   * @param timeoutSeconds per node; the command is killed on the node when it runs longer
   */
  public record Input(
      @Doc(value = "Command template, e.g. commands/ssh-check/identify.ftl.", required = true)
          String template,
      @Doc(
              value =
                  "Per node, 1 to 3600 (default 60); the command is killed on the node when it runs longer.",
              defaultValue = "60")
          Integer timeoutSeconds) {
    public Input {
      if (template == null || template.isBlank()) {
        throw new IllegalArgumentException("template is required");
      }
      timeoutSeconds = timeoutSeconds == null ? 60 : timeoutSeconds;
      if (timeoutSeconds < 1 || timeoutSeconds > 3600) {
        throw new IllegalArgumentException("timeoutSeconds must be 1..3600, not " + timeoutSeconds);
      }
    }
  }

  /**
   * @param stdout per node, what the command printed (stripped)
   */
  public record Output(Map<String, String> stdout) {}

  public RemoteCheck() {
    super("remoteCheck", Input.class, Effect.READ_ONLY);
  }

  @Override
  public Output run(Input input, StepContext context) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Inventory.Member node : context.nodes()) {
      String command = context.render(input.template(), Map.of("node", node));
      CommandResult r =
          context.check(node.name(), command, Duration.ofSeconds(input.timeoutSeconds()));
      out.put(node.name(), r.stdout().strip());
    }
    return new Output(out);
  }

  @Override
  public void plan(PlanContext plan) {
    for (Inventory.Member node : plan.nodes()) {
      plan.command(node.name(), plan.render(plan.input("template"), Map.of("node", node)));
    }
  }
}

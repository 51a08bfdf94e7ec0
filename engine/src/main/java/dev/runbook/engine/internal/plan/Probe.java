package dev.runbook.engine.internal.plan;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.CommandResult;
import dev.runbook.engine.api.OutputListener;
import dev.runbook.engine.api.RemoteFailure;
import dev.runbook.engine.api.RemoteShell;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code plan --probe}, and a run without an approved plan planning itself: discovery commands run
 * on the nodes over the same strictly checked SSH as a run. A command that fails leaves its value
 * unknown in the plan; a node that cannot be reached fails the plan (a reviewer must not approve a
 * plan that only looks complete).
 */
public final class Probe {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private Probe() {}

  public static Planner.Reader over(RemoteShell shell) {
    return new Planner.Reader() {
      @Override
      public Optional<String> read(String node, String command) {
        try {
          CommandResult r = shell.run(node, command, TIMEOUT, OutputListener.NONE);
          return r.ok() ? Optional.of(r.stdout()) : Optional.empty();
        } catch (RemoteFailure f) {
          throw new BadInputException(
              "cannot read "
                  + node
                  + " to plan (the plan reads every node it depends on, read-only, before"
                  + " anything runs) ("
                  + f.reason()
                  + "): "
                  + f.getMessage()
                  + "; nothing was changed on any node: fix the access or the inventory, and"
                  + " run again");
        }
      }

      @Override
      public boolean probes() {
        return true;
      }
    };
  }
}

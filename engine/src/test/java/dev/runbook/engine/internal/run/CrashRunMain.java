package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunbookEngine;
import java.nio.file.Path;
import java.util.Map;

/** A separate engine process for the crash tests: starts a run, which the test then kills. */
public final class CrashRunMain {

  private CrashRunMain() {}

  /**
   * Args: home, runbooks dir, inventory, work dir, probe, and optionally the runbook to start
   * (crash-test by default) or {@code approve:RUN} to approve run RUN's waiting gate as bob
   * instead.
   */
  public static void main(String[] args) {
    try (RunbookEngine engine =
        RunbookEngine.open(
            new EngineOptions(
                Path.of(args[0]),
                null,
                Path.of(args[1]),
                null,
                TestSteps.all(),
                RunListener.NONE))) {
      String what = args.length > 5 ? args[5] : "crash-test";
      if (what.startsWith("approve:")) {
        engine.approve(what.substring("approve:".length()), null, "bob", "go");
      } else {
        engine.start(what, Path.of(args[2]), Map.of("dir", args[3], "probe", args[4]), "alice");
      }
    }
  }
}

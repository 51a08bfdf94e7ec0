package dev.runbook.engine.internal.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.StepOutcome;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FsyncPolicyTest {

  private final FsyncPolicy policy = new FsyncPolicy();

  private static RunEvent started(String activity, Effect effect) {
    return new RunEvent.StepStarted(
        activity, "A step", "aStep", effect, "job-" + activity, 1, List.of("cp-1"));
  }

  private static RunEvent sent(String activity) {
    return new RunEvent.CommandSent(activity, "cp-1", "127.0.0.11", "SHA256:x", "true", "true");
  }

  private static RunEvent finished(String activity) {
    return new RunEvent.CommandFinished(activity, "cp-1", 0, 1, "", "", "e", "e", null);
  }

  private static RunEvent ended(String activity) {
    return new RunEvent.StepFinished(
        activity, "aStep", StepOutcome.DONE, 1, Map.of(), null, null, null);
  }

  private List<Boolean> waits(RunEvent... events) {
    return java.util.Arrays.stream(events).map(policy::canWait).toList();
  }

  @Test
  void aReadOnlyStepIsForcedOnceAtItsEnd() {
    assertThat(waits(started("T1", Effect.READ_ONLY), sent("T1"), finished("T1"), ended("T1")))
        .containsExactly(true, true, true, false);
  }

  @Test
  void aTransferIsForcedBeforeItLeavesInAChangingStepAndWaitsInAReadOnlyOne() {
    RunEvent upload =
        new RunEvent.TransferSent("T7", "cp-1", "127.0.0.11", "SHA256:x", "upload", "/x", "/y");
    RunEvent read =
        new RunEvent.TransferSent("T8", "cp-1", "127.0.0.11", "SHA256:x", "read", "/x", null);
    assertThat(waits(started("T7", Effect.MUTATING), upload, started("T8", Effect.READ_ONLY), read))
        .containsExactly(false, false, true, true);
  }

  @Test
  void outputWaitsForTheCommandsEndInAnyStep() {
    RunEvent output = new RunEvent.CommandOutput("T6", "cp-1", "stdout", List.of("line"));
    assertThat(waits(started("T6", Effect.DESTRUCTIVE), sent("T6"), output, finished("T6")))
        .containsExactly(false, false, true, true);
  }

  @Test
  void aChangingStepIsForcedBeforeEachCommandLeavesAndAtItsEnd() {
    for (Effect effect : List.of(Effect.MUTATING, Effect.DESTRUCTIVE)) {
      assertThat(
              waits(
                  started("T2", effect),
                  sent("T2"),
                  finished("T2"),
                  sent("T2"),
                  finished("T2"),
                  ended("T2")))
          .as(effect.name())
          .containsExactly(false, false, true, false, true, false);
    }
  }

  @Test
  void aStepThatWasReadOnlyBeforeDoesNotMakeALaterChangingStepOfTheSameIdWait() {
    waits(started("T3", Effect.READ_ONLY), ended("T3"));
    assertThat(waits(started("T3", Effect.MUTATING), sent("T3"))).containsExactly(false, false);
    // a crash left a read-only step open; its activity starts again as a changing step
    waits(started("T4", Effect.READ_ONLY), sent("T4"));
    assertThat(waits(started("T4", Effect.MUTATING), sent("T4"))).containsExactly(false, false);
  }

  @Test
  void recordsOutsideStepsAreForced() {
    assertThat(policy.canWait(new RunEvent.RunEnded("done", "all steps ran", "alice"))).isFalse();
    assertThat(policy.canWait(new RunEvent.PlanDrifted("T5", "h", "diff"))).isFalse();
  }
}

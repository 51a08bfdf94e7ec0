package dev.runbook.cli;

import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunbookEngine;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** The commands that act on a run that exists: approve, reject, resume, abort, unlock. */
final class GateCommands {

  private GateCommands() {}

  abstract static class OnRun implements Callable<Integer> {
    @ParentCommand RunbookCommand root;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN", description = "Run id (runbook status).")
    String run;

    @Option(names = "--as", required = true, paramLabel = "NAME", description = "Who you are.")
    String as;

    @Mixin ConsoleOptions console;

    @Mixin SigningOptions signing;

    int drive(BiFunction<RunbookEngine, String, RunOutcome> op) {
      Console shown = console.open(spec, root);
      return shown.drive(
          () -> {
            try (RunbookEngine engine = RunbookEngine.open(root.options(shown))) {
              return op.apply(engine, run);
            }
          });
    }
  }

  @Command(name = "approve", description = "Approve a pending gate and drive the run on.")
  static final class Approve extends OnRun {
    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "GATE",
        description = "Gate id (default: the only pending gate); `reconcile` for a reconcile stop.")
    String gate;

    @Option(names = "--comment", paramLabel = "TEXT", description = "What you checked.")
    String comment;

    @Option(
        names = "--plan",
        paramLabel = "HASH",
        description =
            "The plan you reviewed (its SHA-256, or at least its first 12 hex digits): refused"
                + " when the run is bound to another.")
    String plan;

    @Override
    public Integer call() {
      return drive((e, r) -> e.approve(r, gate, as, comment, signing.identity(), plan));
    }
  }

  @Command(name = "reject", description = "Reject a pending gate: the run takes its reject path.")
  static final class Reject extends OnRun {
    @Parameters(index = "1", arity = "0..1", paramLabel = "GATE", description = "Gate id.")
    String gate;

    @Option(names = "--comment", required = true, paramLabel = "TEXT", description = "Why.")
    String comment;

    @Override
    public Integer call() {
      return drive((e, r) -> e.reject(r, gate, as, comment, signing.identity()));
    }
  }

  @Command(name = "resume", description = "Pick a run up after a crash or a failed step.")
  static final class Resume extends OnRun {
    @Override
    public Integer call() {
      return drive((e, r) -> e.resume(r, as, signing.identity()));
    }
  }

  @Command(
      name = "abort",
      description =
          "End a run. Past a DESTRUCTIVE step the runbook's abort path rolls back first and the"
              + " cluster is released when it ends.")
  static final class Abort extends OnRun {
    @Option(names = "--comment", required = true, paramLabel = "TEXT", description = "Why.")
    String comment;

    @Option(
        names = "--no-rollback",
        description =
            "End now without the abort path, leaving what the run changed as it is (said in the"
                + " outcome and the evidence). Past a DESTRUCTIVE step it needs --confirm.")
    boolean noRollback;

    @Option(
        names = "--confirm",
        description = "Confirm --no-rollback past a DESTRUCTIVE step, having read what is left.")
    boolean confirm;

    @Override
    public Integer call() {
      if (confirm && !noRollback) {
        throw new dev.runbook.engine.api.BadInputException(
            "--confirm confirms --no-rollback: give both, or neither to roll back");
      }
      return drive(
          (e, r) ->
              noRollback
                  ? e.abortWithoutRollback(r, as, comment, confirm, signing.identity())
                  : e.abort(r, as, comment, signing.identity()));
    }
  }

  @Command(
      name = "unlock",
      description =
          "Break another run's node lock that refused this run, when that run is gone (its engine"
              + " host died, its home was lost): signed and recorded in this run. The lock is"
              + " removed only if it still names --holder; resume then takes it.")
  static final class Unlock extends OnRun {
    @Option(
        names = "--node",
        required = true,
        paramLabel = "NAME",
        description = "The member whose lock to break.")
    String node;

    @Option(
        names = "--holder",
        required = true,
        paramLabel = "RUN",
        description = "The run the node's lock names (as the refusal said).")
    String holder;

    @Option(
        names = "--comment",
        required = true,
        paramLabel = "TEXT",
        description = "How you know that run is gone.")
    String comment;

    @Override
    public Integer call() {
      return drive((e, r) -> e.unlock(r, node, holder, as, comment, signing.identity()));
    }
  }
}

package dev.runbook.cli;

import dev.runbook.engine.api.RunbookEngine;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "statement",
    description = {
      "Print the statement to sign for an action on a run, for a person without access to this"
          + " host:",
      "  runbook statement RUN --approve --as bob --comment TEXT > s.txt",
      "  ssh-keygen -Y sign -n runbook -f ~/.ssh/id_ed25519 s.txt      (writes s.txt.sig)",
      "  runbook approve RUN --as bob --comment TEXT --signature s.txt.sig"
    })
final class StatementCommand implements Callable<Integer> {

  @ParentCommand RunbookCommand root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "RUN", description = "Run id (runbook status).")
  String run;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "GATE",
      description = "Gate id (default: the gate the run waits at).")
  String gate;

  static final class Action {
    @Option(names = "--approve", required = true)
    boolean approve;

    @Option(names = "--reject", required = true)
    boolean reject;

    @Option(names = "--resume", required = true)
    boolean resume;

    @Option(names = "--abort", required = true)
    boolean abort;

    @Option(
        names = "--unlock",
        required = true,
        paramLabel = "NODE",
        description = "The statement for `unlock RUN --node NODE --holder RUN` (with --holder).")
    String unlock;

    String name() {
      return approve ? "approve" : reject ? "reject" : resume ? "resume" : "abort";
    }
  }

  @Option(
      names = "--holder",
      paramLabel = "RUN",
      description = "With --unlock: the run whose lock is broken.")
  String holder;

  @ArgGroup(multiplicity = "1")
  Action action;

  @Option(
      names = "--no-rollback",
      description = "With --abort: the statement for `abort --no-rollback` (another action).")
  boolean noRollback;

  @Option(names = "--as", required = true, paramLabel = "NAME", description = "Who signs.")
  String as;

  @Option(
      names = "--comment",
      paramLabel = "TEXT",
      description = "The comment, exactly as it will be given to the action.")
  String comment;

  @Override
  public Integer call() {
    if (noRollback && !action.abort) {
      throw new dev.runbook.engine.api.BadInputException(
          "--no-rollback goes with --abort: `runbook statement RUN --abort --no-rollback ...`");
    }
    if ((action.unlock == null) != (holder == null)) {
      throw new dev.runbook.engine.api.BadInputException(
          "--holder goes with --unlock: `runbook statement RUN --unlock NODE --holder RUN ...`");
    }
    if (action.unlock != null) {
      spec.commandLine()
          .getOut()
          .print(
              RunbookEngine.unlockStatement(
                  root.options(null),
                  run,
                  action.unlock,
                  holder,
                  as,
                  comment == null ? "" : comment));
      spec.commandLine().getOut().flush();
      return 0;
    }
    String name = noRollback ? "abort-no-rollback" : action.name();
    spec.commandLine()
        .getOut()
        .print(
            RunbookEngine.statement(
                root.options(null), run, name, gate, as, comment == null ? "" : comment));
    spec.commandLine().getOut().flush();
    return 0;
  }
}

package dev.runbook.cli;

import dev.runbook.engine.api.Runs;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * The engine home's public key, which signs the evidence's checkpoints: one OpenSSH public key
 * line, for a change ticket, an auditor's allowed-signers file or {@code evidence --engine-key}.
 */
@Command(
    name = "key",
    description =
        "Print the engine home's public key (signs evidence checkpoints), made on first use.")
final class KeyCommand implements Callable<Integer> {

  @ParentCommand RunbookCommand root;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getOut().println(Runs.engineKey(root.home()));
    return Main.DONE;
  }
}

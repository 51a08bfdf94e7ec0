package dev.runbook.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.Runs;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** A run's evidence: print it, verify its hash chain and artifacts, or export it. */
@Command(name = "evidence", description = "Print, verify or export a run's evidence.")
final class EvidenceCommand implements Callable<Integer> {

  @ParentCommand RunbookCommand root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "RUN", description = "A run id.")
  String run;

  @Option(names = "--verify", description = "Recompute the hash chain and every artifact digest.")
  boolean verify;

  @Option(names = "--export", paramLabel = "FILE", description = "Write the run dir as a zip.")
  Path export;

  @Option(names = "--output", paramLabel = "FORMAT", description = "text (default) or json.")
  String output = "text";

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (!output.equals("text") && !output.equals("json")) {
      throw new BadInputException("--output " + output + ": text or json");
    }
    if (export != null) {
      Runs.export(root.home(), run, export);
      out.println("exported run " + run + " to " + export);
    }
    if (verify) {
      Runs.Verification v = Runs.verify(root.home(), run);
      if (output.equals("json")) {
        out.println(StatusCommand.JSON.writeValueAsString(v));
      } else if (v.ok()) {
        out.println(
            "evidence of run "
                + run
                + " verifies: "
                + v.records()
                + " records, chain and artifacts intact");
      } else {
        out.println("evidence of run " + run + " does NOT verify: " + v.problem());
      }
      return v.ok() ? Main.DONE : Main.FAILED;
    }
    if (export == null && output.equals("json")) {
      // One JSON document (an array of the records) for jq and the like. A line that is not a
      // record (torn by a crash) is kept as a string, so nothing in the file is hidden.
      ArrayNode records = StatusCommand.JSON.createArrayNode();
      for (String line : Runs.records(root.home(), run)) {
        try {
          records.add(StatusCommand.JSON.readTree(line));
        } catch (JsonProcessingException e) {
          records.add(line);
        }
      }
      out.println(StatusCommand.JSON.writeValueAsString(records));
    } else if (export == null) {
      for (String line : Runs.records(root.home(), run)) {
        out.println(line); // as written: the lines the hash chain covers
      }
    }
    return Main.DONE;
  }
}

package dev.runbook.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.Runs;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** A run's evidence: print it, verify it, print its signed head, or export it. */
@Command(
    name = "evidence",
    description = "Print, verify or export a run's evidence, or verify an export offline.")
final class EvidenceCommand implements Callable<Integer> {

  @ParentCommand RunbookCommand root;
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "RUN",
      description = "A run id, or with --verify a zip made by --export (needs no home).")
  String run;

  @Option(
      names = "--verify",
      description =
          "Check the hash chain, every artifact digest and every checkpoint's signature by the"
              + " engine key; fails for a cut or rewritten chain.")
  boolean verify;

  @Option(
      names = "--head",
      description =
          "Print the record count, head hash and the last checkpoint's signature, for a change"
              + " ticket.")
  boolean head;

  @Option(
      names = "--expect-head",
      paramLabel = "HASH",
      description = "With --verify: fail unless the chain holds this head (from --head, earlier).")
  String expectHead;

  @Option(
      names = "--engine-key",
      paramLabel = "FILE",
      description =
          "With --verify FILE.zip: trust this engine public key (from `runbook key`) rather than"
              + " the one in the export.")
  Path engineKey;

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
    boolean zip = !Runs.isRunId(run) && Files.isRegularFile(Path.of(run));
    if (zip && !verify) {
      throw new BadInputException(
          run + " is a file: `runbook evidence --verify " + run + "` checks an export");
    }
    if ((expectHead != null || engineKey != null) && !verify) {
      throw new BadInputException("--expect-head and --engine-key go with --verify");
    }
    if (engineKey != null && !zip) {
      throw new BadInputException(
          "--engine-key is for an export (--verify FILE.zip); a run in this home is checked"
              + " against this home's engine key");
    }
    if (export != null) {
      Runs.export(root.home(), run, export);
      out.println("exported run " + run + " to " + export);
    }
    if (verify || head) {
      Runs.Verification v =
          zip
              ? Runs.verifyExport(Path.of(run), expectHead, engineKey)
              : Runs.verify(root.home(), run, expectHead);
      if (output.equals("json")) {
        out.println(StatusCommand.JSON.writeValueAsString(v));
      } else {
        if (head) {
          printHead(out, v);
        }
        if (verify) {
          printVerification(out, v, zip);
        } else if (!v.ok()) {
          out.println("evidence of run " + v.runId() + " does NOT verify: " + v.problem());
        }
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

  private static void printHead(PrintWriter out, Runs.Verification v) {
    out.println("run:     " + v.runId());
    out.println("records: " + v.records());
    out.println("head:    " + v.head());
    Runs.Checkpoint c = v.lastCheckpoint();
    if (c == null) {
      out.println("checkpoint: none yet (the run has not reached a gate decision or its end)");
      return;
    }
    out.println(
        "checkpoint: seq "
            + c.seq()
            + ", "
            + c.records()
            + " records, head "
            + c.head()
            + ", signed by engine key "
            + c.engineKey()
            + (c.verified() ? "" : " (does NOT verify)"));
    out.print(c.signature());
  }

  private static void printVerification(PrintWriter out, Runs.Verification v, boolean zip) {
    String key =
        v.engineKey() == null ? "no engine key" : "engine key " + fingerprintOf(v.engineKey());
    if (v.ok()) {
      out.println(
          "evidence of run "
              + v.runId()
              + " verifies: "
              + v.records()
              + " records, chain and artifacts intact, "
              + v.checkpoints().size()
              + (v.checkpoints().size() == 1 ? " checkpoint" : " checkpoints")
              + " signed by "
              + key
              + (v.statements() == 0
                  ? ""
                  : ", "
                      + v.statements()
                      + (v.statements() == 1 ? " person's statement" : " people's statements")
                      + " checked again under the allowed-signers file the run kept")
              + "; head "
              + v.head());
      if (zip) {
        out.println(
            "the export's engine key is "
                + v.engineKey()
                + ": compare its fingerprint with the one in the change ticket, or give"
                + " --engine-key");
      }
    } else {
      out.println(
          "evidence of run " + v.runId() + " does NOT verify (" + v.reason() + "): " + v.problem());
    }
  }

  private static String fingerprintOf(String keyLine) {
    return Runs.fingerprint(keyLine);
  }
}

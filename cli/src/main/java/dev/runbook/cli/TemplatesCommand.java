package dev.runbook.cli;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunbookEngine;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "templates",
    description = "Camunda Modeler element templates for the steps runbooks bind.",
    subcommands = {TemplatesCommand.Export.class})
final class TemplatesCommand implements Runnable {

  @ParentCommand RunbookCommand root;
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The file the templates go to; the Modeler loads every {@code *.json} in its folders. */
  static final String FILE = "runbook-steps.json";

  static final String HINT =
      "The Camunda Modeler loads element templates from .camunda/element-templates/ in a"
          + " diagram's folder or any folder above it, and from resources/element-templates/ in"
          + " its user config dir; export into one of those (e.g. runbook templates export"
          + " .camunda/element-templates) and reopen the diagram.";

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description =
          "Write one element template per step (JSON array) to DIR/"
              + FILE
              + ", replacing an older one; DIR is created when missing.")
  static final class Export implements Callable<Integer> {

    @ParentCommand TemplatesCommand parent;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "Directory to write " + FILE + " into.")
    Path dir;

    @Override
    public Integer call() {
      String json = RunbookEngine.elementTemplates(parent.root.options(RunListener.NONE));
      Path target = write(dir.toAbsolutePath().normalize(), json);
      PrintWriter out = spec.commandLine().getOut();
      out.println("wrote " + target);
      out.println(HINT);
      return Main.DONE;
    }
  }

  /**
   * Writes {@code json} to {@code dir/FILE} through a temporary file in {@code dir} renamed over
   * it, so a reader (the Modeler) never sees half a file and a failure leaves the old one.
   *
   * @throws BadInputException dir is a file or cannot be created or written; nothing is left behind
   */
  static Path write(Path dir, String json) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new BadInputException(
          "templates export: " + dir + " is a file, not a directory; give a directory");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      Path existing = dir.getParent();
      while (existing != null && !Files.exists(existing)) {
        existing = existing.getParent();
      }
      if (existing != null && !Files.isDirectory(existing)) {
        throw new BadInputException(
            "templates export: cannot create " + dir + ": " + existing + " is a file");
      }
      throw new BadInputException("templates export: cannot create " + dir + ": " + e);
    }
    Path target = dir.resolve(FILE);
    Path temp = null;
    try {
      temp = Files.createTempFile(dir, "." + FILE + ".", ".tmp");
      // Templates are no secret: readable like any file a team keeps beside its diagrams.
      Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
      try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)));
        ch.force(true);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return target;
    } catch (IOException e) {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // Reported below; a stray temporary file is named in it by its directory.
        }
      }
      throw new BadInputException(
          "templates export: cannot write " + target + " (is " + dir + " writable?): " + e);
    }
  }
}

package dev.runbook.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Headless Chromium for the browser tests (the HTML report, the runbooks drawn by bpmn-js). It is
 * never skipped: a machine without it fails with how to install it ({@code scripts/setup}).
 */
public final class Chromium {

  private static final Path BINARY = Path.of("/usr/bin/chromium");
  private static final long TIMEOUT_SECONDS = 90;

  private Chromium() {}

  /**
   * Runs {@code chromium --headless ARGS} with a fresh profile under {@code work}; returns its
   * stdout (what {@code --dump-dom} prints).
   *
   * @throws LabException when Chromium is missing, exits non-zero or runs past 90 s
   */
  public static String run(Path work, String... args) throws IOException, InterruptedException {
    if (!Files.isExecutable(BINARY)) {
      throw LabException.badInput(
          BINARY + " is missing: run scripts/setup (as root) to install chromium");
    }
    List<String> command =
        new ArrayList<>(
            List.of(
                BINARY.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--user-data-dir=" + Files.createTempDirectory(work, "profile")));
    command.addAll(List.of(args));
    Path stdout = Files.createTempFile(work, "chromium", ".out");
    Path stderr = Files.createTempFile(work, "chromium", ".err");
    Process p =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile())
            .start();
    if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw LabException.failed("chromium did not finish in " + TIMEOUT_SECONDS + " s: " + command);
    }
    if (p.exitValue() != 0) {
      throw LabException.failed(
          "chromium exited " + p.exitValue() + ": " + Files.readString(stderr));
    }
    return Files.readString(stdout, StandardCharsets.UTF_8);
  }
}

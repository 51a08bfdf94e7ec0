package dev.runbook.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The CLI in-process, on one runbook home. */
final class Cli {

  record Result(int code, String out, String err) {
    String runId() {
      Matcher m = Pattern.compile("run ([0-9a-f]{8}):").matcher(out);
      if (!m.find()) {
        throw new AssertionError("no run id in:\n" + out + err);
      }
      return m.group(1);
    }

    @Override
    public String toString() {
      return "exit " + code + "\n" + out + err;
    }
  }

  private final Path home;

  Cli(Path home) {
    this.home = home;
  }

  Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of("--home", home.toString()));
    all.addAll(List.of(args));
    int code =
        Main.run(
            new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
    return new Result(code, out.toString(), err.toString());
  }
}

package dev.runbook.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CLI in-process, on one runbook home. Public for the ITs of runbook packs that live in the
 * packs' packages (their helpers are package-private there).
 */
public final class Cli {

  public record Result(int code, String out, String err) {
    public String runId() {
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
  private final Path people;

  public Cli(Path home) {
    this(home, null);
  }

  /**
   * A CLI whose people sign with their own keys: a person's action ({@code --as NAME}) gets {@code
   * --sign-key PEOPLE/NAME} when that key exists and no other way to sign was given, as the lab's
   * people would type it.
   */
  public Cli(Path home, Path people) {
    this.home = home;
    this.people = people;
  }

  /**
   * The CLI in a JVM of its own on {@code home}: for a process to kill or an environment to set.
   */
  public static ProcessBuilder child(Path home, String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "--home",
                home.toString()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command);
  }

  private static final List<String> ACTIONS =
      List.of("run", "approve", "reject", "resume", "abort");

  public Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of("--home", home.toString()));
    all.addAll(List.of(args));
    int as = all.indexOf("--as");
    if (people != null
        && as > 0
        && as + 1 < all.size()
        && all.stream().anyMatch(ACTIONS::contains)
        && !all.contains("--sign-key")
        && !all.contains("--signature")
        && java.nio.file.Files.exists(people.resolve(all.get(as + 1)))) {
      all.addAll(List.of("--sign-key", people.resolve(all.get(as + 1)).toString()));
    }
    int code =
        Main.run(
            new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
    return new Result(code, out.toString(), err.toString());
  }
}

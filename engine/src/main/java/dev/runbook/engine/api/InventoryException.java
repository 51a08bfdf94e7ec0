package dev.runbook.engine.api;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** An inventory that cannot be used; {@link #problems()} lists every problem, not the first. */
public final class InventoryException extends RuntimeException {

  /**
   * One problem, where it is and what was expected.
   *
   * @param line 1-based line in the file, 0 when the problem is not at one place (file missing)
   */
  public record Problem(Path file, int line, int column, String message) {
    @Override
    public String toString() {
      return line > 0 ? file + ":" + line + ":" + column + ": " + message : file + ": " + message;
    }
  }

  private final List<Problem> problems;

  public InventoryException(List<Problem> problems) {
    super(
        problems.size() == 1
            ? "invalid inventory: " + problems.get(0)
            : "invalid inventory ("
                + problems.size()
                + " problems):\n"
                + problems.stream().map(p -> "  " + p).collect(Collectors.joining("\n")));
    this.problems = List.copyOf(problems);
  }

  public List<Problem> problems() {
    return problems;
  }
}

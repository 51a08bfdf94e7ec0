package dev.runbook.engine.internal.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides whether what a step is about to send is what the bound plan shows for that step and node.
 * The engine asks it before every command, upload and file write of every step, whatever the step's
 * effect: the plan a change board approved is the list of what may leave the engine.
 *
 * <p>A planned text may hold placeholders ({@code ⟨…⟩}) for what only the run knows. The run id,
 * the starter and the step's own inputs are known exactly when the step runs and are put in as the
 * renderer would have quoted them, so they must match to the byte. Any other placeholder (a value a
 * plan made without {@code --probe} could not read) matches the inside of one single-quoted shell
 * word, never a quote, so it can change a value but not add a word or a command; what it stood for
 * is returned, for the evidence.
 */
public final class PlanGuard {

  /** What the plan shows for the person who starts the run. */
  static final String STARTER = "⟨starter⟩";

  private static final Pattern PLACEHOLDER = Pattern.compile("⟨[^⟩\n]*⟩");

  /** What the run knows exactly when a step runs. */
  public record Known(String runId, String starter, Map<String, String> inputs) {
    public Known {
      inputs = Map.copyOf(inputs);
    }

    /** The exact value of a placeholder, or null when only the node can say. */
    String value(String placeholder) {
      String name = placeholder.substring(1, placeholder.length() - 1);
      if (placeholder.equals(dev.runbook.engine.api.PlanContext.RUN_ID)) {
        return runId;
      }
      if (placeholder.equals(STARTER)) {
        return starter;
      }
      return inputs.get(name);
    }
  }

  /** The answer: allowed, with what each open placeholder stood for; or refused, with why. */
  public record Verdict(boolean allowed, Map<String, String> resolved, String difference) {
    static Verdict allow(Map<String, String> resolved) {
      return new Verdict(true, Map.copyOf(resolved), "");
    }

    static Verdict refuse(String difference) {
      return new Verdict(false, Map.of(), difference);
    }
  }

  private PlanGuard() {}

  /**
   * @param planned what the plan shows for this step and node (commands, or transfer targets)
   * @param actual what the step is about to send, redacted as evidence keeps it
   */
  public static Verdict check(List<String> planned, String actual, Known known, boolean shell) {
    for (String p : planned) {
      Optional<Map<String, String>> m = match(p, actual, known, shell);
      if (m.isPresent()) {
        return Verdict.allow(m.get());
      }
    }
    if (planned.isEmpty()) {
      return Verdict.refuse("the plan shows nothing of this kind for this step and node");
    }
    return Verdict.refuse(PlanDiff.lines(nearest(planned, actual), actual));
  }

  /**
   * The open placeholders' values when {@code actual} is {@code planned} filled in, else empty.
   *
   * @param shell whether the texts are shell commands (values inside single quotes) or plain text
   *     (paths of a transfer)
   */
  static Optional<Map<String, String>> match(
      String planned, String actual, Known known, boolean shell) {
    StringBuilder re = new StringBuilder();
    List<String> open = new ArrayList<>();
    Matcher m = PLACEHOLDER.matcher(planned);
    int last = 0;
    while (m.find()) {
      re.append(Pattern.quote(planned.substring(last, m.start())));
      String value = known.value(m.group());
      if (value != null) {
        // Inside '…' as the shell format writes it: every ' of the value as '\''.
        re.append(Pattern.quote(shell ? value.replace("'", "'\\''") : value));
      } else {
        open.add(m.group());
        re.append(shell ? "([^'\n]*)" : "([^\n]*)");
      }
      last = m.end();
    }
    re.append(Pattern.quote(planned.substring(last)));
    Matcher a = Pattern.compile(re.toString(), Pattern.DOTALL).matcher(actual);
    if (!a.matches()) {
      return Optional.empty();
    }
    Map<String, String> resolved = new LinkedHashMap<>();
    for (int i = 0; i < open.size(); i++) {
      String before = resolved.putIfAbsent(open.get(i), a.group(i + 1));
      if (before != null && !before.equals(a.group(i + 1))) {
        return Optional.empty(); // one placeholder, two values: not what the plan shows
      }
    }
    return Optional.of(resolved);
  }

  /** The planned text sharing the most lines with {@code actual}, to show the difference. */
  private static String nearest(List<String> planned, String actual) {
    List<String> lines = actual.lines().toList();
    String best = planned.get(0);
    long bestShared = -1;
    for (String p : planned) {
      long shared = p.lines().filter(lines::contains).count();
      if (shared > bestShared) {
        best = p;
        bestShared = shared;
      }
    }
    return best;
  }
}

package dev.runbook.engine.internal.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * A line diff of two plans (or two entries of one) as indented JSON: what a person reads when a run
 * refuses to go on because its plan changed.
 */
public final class PlanDiff {

  private static final int CONTEXT = 3;

  private PlanDiff() {}

  /**
   * Lines only in {@code before} start with "- ", only in {@code after} with "+ ", with context; ""
   * if equal.
   */
  public static String of(Object before, Object after) {
    return lines(PlanStore.pretty(before), PlanStore.pretty(after));
  }

  /** The same diff of two texts, line by line (a planned command and the one a step would send). */
  public static String lines(String before, String after) {
    List<String> a = List.of(before.split("\n", -1));
    List<String> b = List.of(after.split("\n", -1));
    int[][] lcs = new int[a.size() + 1][b.size() + 1];
    for (int i = a.size() - 1; i >= 0; i--) {
      for (int j = b.size() - 1; j >= 0; j--) {
        lcs[i][j] =
            a.get(i).equals(b.get(j))
                ? lcs[i + 1][j + 1] + 1
                : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    List<String> ops = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < a.size() || j < b.size()) {
      if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
        ops.add("  " + a.get(i));
        i++;
        j++;
      } else if (j < b.size() && (i == a.size() || lcs[i][j + 1] >= lcs[i + 1][j])) {
        ops.add("+ " + b.get(j++));
      } else {
        ops.add("- " + a.get(i++));
      }
    }
    // Changed lines with three lines of context each side, like diff -U3.
    List<String> out = new ArrayList<>();
    int last = -1;
    for (int k = 0; k < ops.size(); k++) {
      boolean near = false;
      for (int d = Math.max(0, k - CONTEXT); d <= Math.min(ops.size() - 1, k + CONTEXT); d++) {
        near |= !ops.get(d).startsWith("  ");
      }
      if (near) {
        if (last >= 0 && k > last + 1) {
          out.add("...");
        }
        out.add(ops.get(k));
        last = k;
      }
    }
    return String.join("\n", out);
  }
}

package dev.runbook.engine.internal.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.engine.internal.template.ShellOutputFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the guard lets leave, on texts as the planner and the shell format write them. */
class PlanGuardTest {

  private static final PlanGuard.Known KNOWN =
      new PlanGuard.Known("0a1b2c3d", "alice", Map.of("sha256", "ab'cd"));

  private static PlanGuard.Verdict check(String planned, String actual) {
    return PlanGuard.check(List.of(planned), actual, KNOWN, true);
  }

  @Test
  void theRunIdTheStarterAndInputsMustBeExactlyTheKnownValuesQuotedAsTheShellFormatQuotesThem() {
    String planned = "mkdir -- '/var/lib/etcd-restore-⟨run⟩' && echo '⟨starter⟩' '⟨sha256⟩'";
    String sent =
        "mkdir -- "
            + ShellOutputFormat.quote("/var/lib/etcd-restore-0a1b2c3d")
            + " && echo 'alice' "
            + ShellOutputFormat.quote("ab'cd");
    PlanGuard.Verdict v = check(planned, sent);
    assertThat(v.allowed()).as(v.difference()).isTrue();
    assertThat(v.resolved()).isEmpty();
    assertThat(check(planned, sent.replace("0a1b2c3d", "ffffffff")).allowed()).isFalse();
    assertThat(check(planned, sent.replace("alice", "mallory")).allowed()).isFalse();
  }

  @Test
  void anOpenPlaceholderStandsForOneQuotedWordAndWhatItStoodForIsReturned() {
    String planned = "cat -- '⟨etcd-data hostPath on cp-1⟩/member/snap/db'";
    PlanGuard.Verdict v = check(planned, "cat -- '/var/lib/etcd/member/snap/db'");
    assertThat(v.allowed()).isTrue();
    assertThat(v.resolved()).containsEntry("⟨etcd-data hostPath on cp-1⟩", "/var/lib/etcd");
  }

  @Test
  void anOpenPlaceholderCannotCloseItsQuoteOrAddALine() {
    String planned = "cat -- '⟨file⟩'";
    assertThat(check(planned, "cat -- '/x'; rm -rf / #'").allowed()).isFalse();
    assertThat(check(planned, "cat -- '/x'\\''; rm -rf / #'").allowed()).isFalse();
    assertThat(check(planned, "cat -- '/x\nrm -rf /'").allowed()).isFalse();
  }

  @Test
  void onePlaceholderTwiceMustStandForOneValue() {
    String planned = "mv -- '⟨dir⟩/a' '⟨dir⟩/b'";
    assertThat(check(planned, "mv -- '/x/a' '/x/b'").allowed()).isTrue();
    assertThat(check(planned, "mv -- '/x/a' '/etc/b'").allowed()).isFalse();
  }

  @Test
  void aRefusalShowsTheDifferenceAgainstTheNearestPlannedText() {
    PlanGuard.Verdict v =
        PlanGuard.check(
            List.of("echo one\necho two", "ls /\necho three"),
            "echo one\necho two; touch /tmp/x",
            KNOWN,
            true);
    assertThat(v.allowed()).isFalse();
    assertThat(v.difference()).contains("- echo two").contains("+ echo two; touch /tmp/x");
    assertThat(PlanGuard.check(List.of(), "echo", KNOWN, true).difference())
        .contains("shows nothing");
  }

  @Test
  void transfersArePlainTextAValueWithAQuoteIsTakenAsItIs() {
    assertThat(
            PlanGuard.check(List.of("/tmp/⟨sha256⟩ → /x"), "/tmp/ab'cd → /x", KNOWN, false)
                .allowed())
        .isTrue();
  }
}

package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import dev.runbook.engine.api.WaitProgress;
import java.time.Duration;

/**
 * Promotes the learner to a voting member once it has caught up. etcd refuses the promotion while
 * the learner's log is behind the leader's, so the step asks again every second, showing how far
 * the learner's raft index is behind, until it is promoted or the wait runs out.
 */
@Doc(
    "Promotes the new learner to a voting member, asking again every second while etcd says it has not caught up with the leader, within a bounded wait.")
final class ReplacePromote extends EtcdReplaceStep<ReplacePromote.Input, ReplacePromote.Output> {

  static final Duration EVERY = Duration.ofSeconds(1);

  record Input(
      @Doc(value = "The name of the member being replaced.", required = true) String member,
      @Doc(value = "The learner's id (hex).", required = true) String learnerId,
      @Doc(
              value = "How long to wait for it to catch up, as an ISO-8601 duration such as PT5M.",
              required = true)
          String timeout) {
    Input {
      Replace.required("member", member, "learnerId", learnerId);
      Long.parseUnsignedLong(learnerId, 16);
      Restore.duration(timeout, "timeout");
    }
  }

  /**
   * @param attempts how many promotions were asked (etcd refuses those before the catch-up)
   */
  record Output(int attempts, long waitedMillis) {}

  ReplacePromote() {
    // A learner already promoted is left as it is: running again is safe.
    super("etcdReplacePromote", Input.class, Effect.MUTATING, Rerun.SAFE);
  }

  @Override
  Output replace(Input input, StepContext context) {
    Duration timeout = Restore.duration(input.timeout(), "timeout");
    Inventory inv = context.inventory();
    Inventory.Member member = Replace.member(inv, input.member());
    long start = System.nanoTime();
    int attempts = 0;
    String last = "";
    try (EtcdAccess etcd = EtcdAccess.of(context)) {
      while (true) {
        MemberClient c = Replace.healthyOther(etcd, inv, member.name());
        MemberClient.Listed l =
            c.members().stream()
                .filter(x -> x.id().equals(input.learnerId()))
                .findFirst()
                .orElse(null);
        if (l == null) {
          throw new RunbookError(
              ErrorCode.STEP_FAILED,
              "the learner " + input.learnerId() + " is not listed any more");
        }
        if (!l.learner()) {
          return new Output(attempts, (System.nanoTime() - start) / 1_000_000);
        }
        attempts++;
        try {
          c.promote(input.learnerId());
          continue; // listed again above: the promotion shows there
        } catch (EtcdUnreachable e) {
          // "can only promote a learner member which is in sync with leader": not yet.
          last = e.getMessage();
        }
        Duration waited = Duration.ofNanos(System.nanoTime() - start);
        if (waited.compareTo(timeout) > 0) {
          throw new RunbookError(
              ErrorCode.WAIT_TIMED_OUT,
              member.name()
                  + " was not promoted within "
                  + timeout.toSeconds()
                  + " s ("
                  + attempts
                  + " attempts): "
                  + last
                  + behind(etcd, c, member));
        }
        context.progress(
            new WaitProgress(
                "waiting for the learner to catch up", 0, 1, "promoted", waited, timeout));
        ReplaceStart.sleep(EVERY);
      }
    }
  }

  /** How far the learner's raft index is behind the member asked, for the message. */
  private static String behind(EtcdAccess etcd, MemberClient leader, Inventory.Member learner) {
    try {
      long l = etcd.member(learner).status().raftIndex();
      long o = leader.status().raftIndex();
      return "; raft index "
          + l
          + " on "
          + learner.name()
          + ", "
          + o
          + " on "
          + leader.member().name();
    } catch (EtcdUnreachable e) {
      return "; " + learner.name() + " does not answer: " + e.getMessage();
    }
  }

  @Override
  public void plan(PlanContext plan) {
    plan.note(
        "through a healthy member other than "
            + plan.input("member")
            + " (jetcd), every "
            + EVERY.toSeconds()
            + " s while etcd says the learner has not caught up, at most "
            + plan.input("timeout"));
    plan.etcdRequest(MemberClient.promoteRequest(plan.input("learnerId")));
  }
}

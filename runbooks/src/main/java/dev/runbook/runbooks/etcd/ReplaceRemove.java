package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;

/**
 * Removes the failed member from the cluster by its id, through a healthy member (never the failed
 * one), and checks the member list no longer holds it. From here the old member cannot come back:
 * etcd never lets a removed id rejoin, so its old data dir is only kept for a look.
 */
@Doc(
    "Removes the member to replace from the cluster by its id, through a healthy member, and checks the member list no longer holds it. Its old data can never rejoin afterwards.")
final class ReplaceRemove extends EtcdReplaceStep<ReplaceRemove.Input, ReplaceRemove.Output> {

  record Input(
      @Doc(value = "The name of the member being replaced.", required = true) String member,
      @Doc(value = "Its id in the member list (hex), as the preflight read it.", required = true)
          String memberId) {
    Input {
      Replace.required("member", member, "memberId", memberId);
      Long.parseUnsignedLong(memberId, 16);
    }
  }

  /**
   * @param removed whether this attempt removed it (false: an earlier attempt had)
   * @param through the member the removal went to
   */
  record Output(boolean removed, String through) {}

  ReplaceRemove() {
    // The step removes only what is still listed, so running it again is safe.
    super("etcdReplaceRemove", Input.class, Effect.DESTRUCTIVE, Rerun.SAFE);
  }

  @Override
  Output replace(Input input, StepContext context) {
    try (EtcdAccess etcd = EtcdAccess.of(context)) {
      MemberClient c = Replace.healthyOther(etcd, context.inventory(), input.member());
      boolean listed = listed(c, input.memberId());
      if (listed) {
        context.progress(
            "removing "
                + input.member()
                + " ("
                + input.memberId()
                + ") through "
                + c.member().name());
        c.removeMember(input.memberId());
      }
      if (listed(c, input.memberId())) {
        throw new RunbookError(
            ErrorCode.STEP_FAILED,
            input.memberId() + " is still in the member list after its removal");
      }
      return new Output(listed, c.member().name());
    }
  }

  private static boolean listed(MemberClient c, String id) {
    return c.members().stream().anyMatch(l -> l.id().equals(id));
  }

  @Override
  public void plan(PlanContext plan) {
    plan.note(
        "through a healthy member other than "
            + plan.input("member")
            + " (jetcd), only while the member list still holds it; then reads the member list:"
            + " it must no longer hold it");
    plan.etcdRequest(MemberClient.removeRequest(plan.input("memberId")));
  }
}

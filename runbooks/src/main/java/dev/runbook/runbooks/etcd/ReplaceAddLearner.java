package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Adds the member back as a learner with its peer URL, through a healthy member, and says the
 * --initial-cluster it must start with: every member now listed, itself included. A learner does
 * not vote, so the quorum does not grow until it has caught up and is promoted.
 */
@Doc(
    "Adds the member back as a learner with the same peer URL, through a healthy member, and returns the --initial-cluster it must start with.")
final class ReplaceAddLearner
    extends EtcdReplaceStep<ReplaceAddLearner.Input, ReplaceAddLearner.Output> {

  record Input(
      @Doc(value = "The name of the member being replaced.", required = true) String member,
      @Doc(value = "Its old id (hex): it must not be listed any more.", required = true)
          String memberId) {
    Input {
      Replace.required("member", member, "memberId", memberId);
    }
  }

  /**
   * @param learnerId the new member's id (hex)
   * @param initialCluster name=peerURL for every listed member, the new one included
   */
  record Output(String learnerId, String initialCluster) {}

  ReplaceAddLearner() {
    // A learner already added with our peer URL is taken as it is: running again adds no other.
    super("etcdReplaceAddLearner", Input.class, Effect.MUTATING, Rerun.SAFE);
  }

  @Override
  Output replace(Input input, StepContext context) {
    Inventory inv = context.inventory();
    Inventory.Member member = Replace.member(inv, input.member());
    String peer = Replace.peerUrl(member);
    try (EtcdAccess etcd = EtcdAccess.of(context)) {
      MemberClient c = Replace.healthyOther(etcd, inv, member.name());
      MemberClient.Listed there = Replace.byPeerUrl(c.members(), peer);
      if (there != null && there.id().equals(input.memberId())) {
        throw new RunbookError(
            ErrorCode.STEP_FAILED, "the old member " + input.memberId() + " is still listed");
      }
      if (there == null) {
        context.progress("adding " + member.name() + " back as a learner at " + peer);
        there = addWhenHealthy(c, peer, context);
      } else if (!there.learner()) {
        throw new RunbookError(
            ErrorCode.STEP_FAILED,
            "a voting member "
                + there.id()
                + " already has the peer URL "
                + peer
                + ": someone added it by hand; look at the member list");
      }
      return new Output(there.id(), initialCluster(c.members(), member));
    }
  }

  /**
   * How long the add waits for etcd to call the cluster healthy. With its strict reconfiguration
   * check, etcd refuses a member add ("unhealthy cluster", gRPC UNAVAILABLE) until the leader has
   * been connected to every voter for 5 s, which a removal of the leader, or a leader elected just
   * before, does not yet give. Seen in CI right after the removal.
   */
  static final java.time.Duration HEALTHY_WITHIN = java.time.Duration.ofSeconds(30);

  private static MemberClient.Listed addWhenHealthy(
      MemberClient c, String peer, StepContext context) {
    long deadline = System.nanoTime() + HEALTHY_WITHIN.toNanos();
    while (true) {
      try {
        return c.addLearner(peer);
      } catch (EtcdUnreachable e) {
        if (!e.unavailable() || System.nanoTime() > deadline) {
          throw e;
        }
        context.progress("etcd refuses the add for now (" + e.getMessage() + "); asking again");
        ReplaceStart.sleep(java.time.Duration.ofSeconds(1));
      }
    }
  }

  /** Every listed member as name=peerURL; the unstarted learner has no name yet: it is ours. */
  static String initialCluster(List<MemberClient.Listed> list, Inventory.Member member) {
    List<String> parts = new ArrayList<>();
    for (MemberClient.Listed l : list) {
      String name = l.name().isEmpty() ? member.name() : l.name();
      for (String url : l.peerUrls()) {
        parts.add(name + "=" + url);
      }
    }
    return String.join(",", parts);
  }

  @Override
  public void plan(PlanContext plan) {
    Inventory.Member m = Replace.member(plan.inventory(), plan.input("member"));
    plan.note(
        "through a healthy member other than "
            + m.name()
            + " (jetcd), unless a learner with that peer URL is already listed (asked again for up"
            + " to "
            + HEALTHY_WITHIN.toSeconds()
            + " s while etcd calls the cluster unhealthy); the --initial-cluster for the new member"
            + " is every member then listed");
    plan.etcdRequest(MemberClient.addLearnerRequest(Replace.peerUrl(m)));
  }
}

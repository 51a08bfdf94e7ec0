package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import dev.runbook.engine.api.WaitProgress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks every member's health, reads the member list, and picks the member to snapshot: the leader
 * when it is healthy, else the healthy voter with the highest raft index; never a learner (its data
 * may lag). Members that are down are skipped and the evidence says why.
 */
@Doc(
    "Checks every member's health and picks the member to snapshot: the healthy leader, else the healthy voter with the highest raft index; never a learner.")
final class PickSnapshotSource
    extends DeclaredStep<PickSnapshotSource.Input, PickSnapshotSource.Output> {

  record Input() {}

  /**
   * @param source the member to snapshot
   * @param why why that one
   * @param skipped members not considered, with the reason
   * @param statuses what every healthy member said about itself
   * @param memberList the cluster's member list, as the source sees it
   * @param access how the engine reached etcd
   */
  record Output(
      String source,
      String why,
      Map<String, String> skipped,
      List<MemberClient.Status> statuses,
      List<MemberClient.Listed> memberList,
      String access) {}

  PickSnapshotSource() {
    super("etcdPickSnapshotSource", Input.class, Effect.READ_ONLY);
  }

  @Override
  public Output run(Input input, StepContext context) {
    Map<String, String> skipped = new LinkedHashMap<>();
    List<MemberClient.Status> healthy = new ArrayList<>();
    try (EtcdAccess etcd = EtcdAccess.of(context)) {
      List<Inventory.Member> members = context.inventory().members();
      // As a wait: the console shows it only when the members are slow to answer.
      context.progress(
          new WaitProgress(
              "asking " + String.join(", ", members.stream().map(Inventory.Member::name).toList()),
              0,
              members.size(),
              "answered",
              java.time.Duration.ZERO,
              null));
      // Every member at once: one after the other, each member's connection (TLS check, client,
      // first call) waited for the previous one's.
      EachMember.inParallel(members, m -> ask(etcd, m))
          .forEach(
              (name, answer) -> {
                if (answer.status() == null) {
                  skipped.put(name, answer.skipped());
                } else {
                  healthy.add(answer.status());
                }
              });
      if (healthy.isEmpty()) {
        throw new RunbookError(
            ErrorCode.ETCD_NOT_HEALTHY,
            "no healthy voting member to snapshot; skipped: " + skipped);
      }
      MemberClient.Status pick =
          healthy.stream()
              .filter(MemberClient.Status::leader)
              .findFirst()
              .orElseGet(
                  () ->
                      healthy.stream()
                          .max(Comparator.comparingLong(MemberClient.Status::raftIndex))
                          .orElseThrow());
      String why =
          pick.leader()
              ? "the leader"
              : "no healthy leader answered; the healthy voter with the highest raft index ("
                  + pick.raftIndex()
                  + ")";
      List<MemberClient.Listed> list =
          etcd.member(context.inventory().member(pick.name()).orElseThrow()).members();
      return new Output(pick.name(), why, skipped, healthy, list, etcd.describe());
    }
  }

  /** A member's status when it can be the source, or why it is skipped. */
  private record Answer(MemberClient.Status status, String skipped) {}

  private static Answer ask(EtcdAccess etcd, Inventory.Member m) {
    try {
      MemberClient c = etcd.member(m);
      c.health();
      MemberClient.Status s = c.status();
      if (!s.errors().isEmpty()) {
        return new Answer(null, "unhealthy: reports " + s.errors());
      }
      if (s.learner()) {
        return new Answer(null, "learner: not a voting member, its data may lag");
      }
      return new Answer(s, null);
    } catch (EtcdUnreachable e) {
      return new Answer(null, e.reason().name().toLowerCase() + ": " + e.getMessage());
    }
  }

  @Override
  public void plan(PlanContext plan) {
    plan.note(
        "asks every member through jetcd ("
            + plan.inventory().etcd().access().mode()
            + " access) for its health and status and picks a healthy voting member");
  }
}

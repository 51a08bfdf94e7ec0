package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Proves the replacement: the member list is the inventory (names and peer URLs), with the member
 * under its name and peer URL but a new id, and no learner; every member healthy; every member at
 * the leader's revision (asked again for a while: a write in flight lands on the members one after
 * the other); and the marker read from the new member's own store, as the preflight read it.
 */
@Doc(
    "Checks the replaced member: member list equals the inventory with a new id for it and no learner, every member healthy, every revision equal to the leader's, the marker read from the new member's own store.")
final class ReplaceValidate extends EtcdReplaceStep<ReplaceValidate.Input, ReplaceValidate.Output> {

  record Input(
      @Doc(value = "The name of the member replaced.", required = true) String member,
      @Doc(value = "Its id before the run (hex).", required = true) String memberId,
      @Doc(value = "Whether the preflight read the marker key.", defaultValue = "false")
          boolean markerRead,
      @Doc("The marker's value the preflight read.") String marker,
      @Doc(
              value = "How long to wait for health and revisions, as an ISO-8601 duration.",
              required = true)
          String timeout) {
    Input {
      Replace.required("member", member, "memberId", memberId);
      marker = marker == null ? "" : marker;
      Restore.duration(timeout, "timeout");
    }
  }

  record Output(
      String newId,
      String leader,
      long revision,
      List<MemberClient.Status> statuses,
      String marker) {}

  ReplaceValidate() {
    super("etcdReplaceValidate", Input.class, Effect.READ_ONLY);
  }

  @Override
  Output replace(Input input, StepContext context) {
    Duration timeout = Restore.duration(input.timeout(), "timeout");
    Inventory inv = context.inventory();
    Inventory.Member member = Replace.member(inv, input.member());
    List<String> problems = new ArrayList<>();
    try (EtcdAccess etcd = EtcdAccess.of(context)) {
      long start = System.nanoTime();
      List<MemberClient.Status> statuses;
      MemberClient.Status leader;
      while (true) {
        statuses = ClusterHealth.await(context, etcd, inv.members(), timeout);
        leader = statuses.stream().filter(MemberClient.Status::leader).findFirst().orElse(null);
        long rev = leader == null ? -1 : leader.revision();
        if (leader != null && statuses.stream().allMatch(s -> s.revision() == rev)) {
          break;
        }
        if (Duration.ofNanos(System.nanoTime() - start).compareTo(timeout) > 0) {
          problems.add(
              "the members' revisions differ from the leader's: "
                  + statuses.stream().map(s -> s.name() + " " + s.revision()).toList());
          break;
        }
        ReplaceStart.sleep(Duration.ofMillis(250));
      }
      MemberClient mine = etcd.member(member);
      List<MemberClient.Listed> list = mine.members();
      String newId = "";
      for (Inventory.Member m : inv.members()) {
        MemberClient.Listed l = Replace.byPeerUrl(list, Replace.peerUrl(m));
        if (l == null || !l.name().equals(m.name())) {
          problems.add(
              "the member list does not hold "
                  + m.name()
                  + " at "
                  + m.peerUrl()
                  + ": "
                  + ReplacePreflight.describe(list));
        } else if (m.name().equals(member.name())) {
          newId = l.id();
          if (l.id().equals(input.memberId())) {
            problems.add(member.name() + " still has its old id " + l.id());
          }
        }
      }
      if (list.size() != inv.members().size()) {
        problems.add(
            "the member list has " + list.size() + " members: " + ReplacePreflight.describe(list));
      }
      list.stream()
          .filter(MemberClient.Listed::learner)
          .forEach(l -> problems.add(l.name() + " (" + l.id() + ") is still a learner"));
      String marker = "";
      Inventory.Marker wanted = inv.validate() == null ? null : inv.validate().marker();
      if (wanted != null && input.markerRead()) {
        String v = mine.getLocal(wanted.key());
        marker = v == null ? "" : v;
        if (!marker.equals(input.marker())) {
          problems.add(
              "the marker "
                  + wanted.key()
                  + " reads '"
                  + marker
                  + "' on "
                  + member.name()
                  + ", not '"
                  + input.marker()
                  + "' as before the run");
        }
      }
      if (!problems.isEmpty()) {
        throw new RunbookError(
            ErrorCode.VALIDATION_FAILED,
            member.name()
                + " is not replaced as it should be:\n- "
                + String.join("\n- ", problems));
      }
      return new Output(newId, leader.name(), leader.revision(), statuses, marker);
    }
  }

  @Override
  public void plan(PlanContext plan) {
    plan.note(
        "waits until every member is healthy and at the leader's revision (jetcd), at most "
            + plan.input("timeout")
            + "; the member list must be the inventory with a new id for "
            + plan.input("member")
            + " and no learner; reads the marker from "
            + plan.input("member")
            + "'s own store (a serializable read)");
  }
}

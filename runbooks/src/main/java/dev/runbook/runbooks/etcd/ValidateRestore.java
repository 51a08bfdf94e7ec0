package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Checks the restored cluster before the API servers come back: every member healthy; one cluster
 * id; the member list is the inventory (names and peer URLs, no learners); every member at the same
 * revision, at least the snapshot's plus the bump; the key count is the snapshot's; the marker key,
 * when the inventory names one, holds its text. Every mismatch is listed at once.
 */
@Doc(
    "Checks the restored cluster before the API servers come back: all members healthy, one cluster id, the inventory's members, the snapshot's revision (plus the bump) and key count, the marker key.")
final class ValidateRestore extends DeclaredStep<ValidateRestore.Input, ValidateRestore.Output> {

  record Input(
      @Doc(value = "The revision the snapshot holds.", required = true) Long snapshotRevision,
      @Doc(value = "The number of keys the snapshot holds.", required = true) Long snapshotKeys,
      @Doc(value = "The revision bump used on restore; 0 for none.", defaultValue = "0")
          long bumpRevision) {
    Input {
      // Absent, a primitive would read as 0 and the check would compare against revision 0.
      if (snapshotRevision == null || snapshotKeys == null) {
        throw new IllegalArgumentException("snapshotRevision and snapshotKeys are required");
      }
    }
  }

  record Output(
      String clusterId,
      long revision,
      long keys,
      List<MemberClient.Listed> members,
      String marker) {}

  ValidateRestore() {
    super("etcdValidateRestore", Input.class, Effect.READ_ONLY);
  }

  @Override
  public Output run(Input input, StepContext context) {
    List<String> problems = new ArrayList<>();
    Inventory inv = context.inventory();
    try (EtcdAccess etcd = EtcdAccess.of(context)) {
      List<MemberClient.Status> statuses = new ArrayList<>();
      for (Inventory.Member m : context.nodes()) {
        MemberClient c = etcd.member(m);
        c.health();
        statuses.add(c.status());
      }
      Set<String> ids =
          statuses.stream().map(MemberClient.Status::clusterId).collect(Collectors.toSet());
      if (ids.size() != 1) {
        problems.add("the members report " + ids.size() + " cluster ids " + ids);
      }
      MemberClient first = etcd.member(context.nodes().get(0));
      List<MemberClient.Listed> listed = first.members();
      Set<String> want = new TreeSet<>();
      inv.members().forEach(m -> want.add(m.name() + "=" + m.peerUrl()));
      Set<String> have = new TreeSet<>();
      for (MemberClient.Listed l : listed) {
        l.peerUrls().forEach(u -> have.add(l.name() + "=" + u));
        if (l.learner()) {
          problems.add(l.name() + " is a learner");
        }
      }
      if (!want.equals(have)) {
        problems.add("the member list is " + have + ", the inventory " + want);
      }
      long expected = input.snapshotRevision() + input.bumpRevision();
      Set<Long> revisions =
          statuses.stream().map(MemberClient.Status::revision).collect(Collectors.toSet());
      long revision = statuses.get(0).revision();
      if (revisions.size() != 1) {
        problems.add("the members are at different revisions " + revisions);
      }
      if (revision < expected) {
        problems.add(
            "revision "
                + revision
                + " is below the snapshot's "
                + input.snapshotRevision()
                + (input.bumpRevision() > 0 ? " plus the bump " + input.bumpRevision() : ""));
      }
      long keys = first.countKeys();
      if (keys != input.snapshotKeys()) {
        problems.add("the cluster holds " + keys + " keys, the snapshot " + input.snapshotKeys());
      }
      String marker = "";
      Inventory.Marker wanted = inv.validate() == null ? null : inv.validate().marker();
      if (wanted != null) {
        String v = first.get(wanted.key());
        marker = v == null ? "" : v;
        if (v == null || !v.contains(wanted.contains())) {
          problems.add(
              "the marker "
                  + wanted.key()
                  + " reads '"
                  + (v == null ? "(missing)" : v)
                  + "', expected it to contain '"
                  + wanted.contains()
                  + "'");
        }
      }
      if (!problems.isEmpty()) {
        throw new RunbookError(
            ErrorCode.VALIDATION_FAILED,
            "the restored cluster is not what the snapshot holds: " + String.join("; ", problems));
      }
      return new Output(statuses.get(0).clusterId(), revision, keys, listed, marker);
    } catch (EtcdUnreachable e) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED, "the restored cluster: " + e.getMessage());
    }
  }

  @Override
  public void plan(PlanContext plan) {
    plan.note(
        "checks through jetcd: every member healthy, one cluster id, the member list equals the"
            + " inventory, the same revision everywhere of at least the snapshot's plus the bump,"
            + " the snapshot's key count"
            + (plan.inventory().validate() == null || plan.inventory().validate().marker() == null
                ? ""
                : ", and the marker " + plan.inventory().validate().marker().key()));
  }
}

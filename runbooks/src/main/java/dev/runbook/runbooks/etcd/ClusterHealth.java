package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import dev.runbook.engine.api.WaitProgress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Waits for every member to pass a linearizable read (quorum and a leader) and report status. */
final class ClusterHealth {

  private static final Duration POLL = Duration.ofMillis(250);

  private ClusterHealth() {}

  /**
   * @return every member's status, once all are healthy
   * @throws RunbookError WAIT_TIMED_OUT naming each member still unhealthy and why
   */
  static List<MemberClient.Status> await(
      StepContext context, EtcdAccess etcd, List<Inventory.Member> members, Duration timeout) {
    return await(context, etcd, members, timeout, () -> {});
  }

  /**
   * Like {@link #await(StepContext, EtcdAccess, List, Duration)}, calling {@code between} after
   * each round that found a member unhealthy: a watch that may end the wait by throwing.
   */
  static List<MemberClient.Status> await(
      StepContext context,
      EtcdAccess etcd,
      List<Inventory.Member> members,
      Duration timeout,
      Runnable between) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    Map<String, String> failing = new LinkedHashMap<>();
    while (true) {
      failing.clear();
      List<MemberClient.Status> ok = new ArrayList<>();
      // Every member at once: a member that accepts connections but does not serve yet holds its
      // check up to the client's deadline (5 s), and one after the other those deadlines added up.
      EachMember.inParallel(members, m -> check(etcd, m))
          .forEach(
              (name, r) -> {
                if (r.status() != null) {
                  ok.add(r.status());
                } else {
                  failing.put(name, r.failure());
                }
              });
      if (failing.isEmpty()) {
        return ok;
      }
      between.run();
      if (System.nanoTime() > deadline) {
        throw new RunbookError(
            ErrorCode.WAIT_TIMED_OUT,
            "etcd is not healthy on every member after " + timeout.toSeconds() + " s: " + failing);
      }
      context.progress(
          new WaitProgress(
              "waiting for quorum",
              ok.size(),
              members.size(),
              "healthy",
              Duration.ofNanos(System.nanoTime() - start),
              timeout));
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RunbookError(ErrorCode.STEP_FAILED, "interrupted while waiting for etcd");
      }
    }
  }

  /** A member's status, or why it is not healthy. */
  record Check(MemberClient.Status status, String failure) {}

  static Check check(EtcdAccess etcd, Inventory.Member m) {
    try {
      MemberClient c = etcd.member(m);
      c.health();
      return new Check(c.status(), null);
    } catch (EtcdUnreachable e) {
      return new Check(null, e.getMessage());
    }
  }
}

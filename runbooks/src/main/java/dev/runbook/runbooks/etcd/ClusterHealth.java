package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
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
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, String> failing = new LinkedHashMap<>();
    while (true) {
      failing.clear();
      List<MemberClient.Status> ok = new ArrayList<>();
      for (Inventory.Member m : members) {
        try {
          MemberClient c = etcd.member(m);
          c.health();
          ok.add(c.status());
        } catch (EtcdUnreachable e) {
          failing.put(m.name(), e.getMessage());
        }
      }
      if (failing.isEmpty()) {
        return ok;
      }
      if (System.nanoTime() > deadline) {
        throw new RunbookError(
            ErrorCode.WAIT_TIMED_OUT,
            "etcd is not healthy on every member after " + timeout.toSeconds() + " s: " + failing);
      }
      context.progress("waiting for etcd on " + String.join(", ", failing.keySet()));
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RunbookError(ErrorCode.STEP_FAILED, "interrupted while waiting for etcd");
      }
    }
  }
}

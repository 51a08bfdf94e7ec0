package dev.runbook.engine.api;

import java.util.List;

/**
 * Where a run stands after a command drove it as far as it could go without a person.
 *
 * @param gate the gate waiting for people when {@link RunState#WAITING} or RECONCILE, else null
 */
public record RunOutcome(String runId, RunState state, String message, PendingGate gate) {

  /**
   * @param activityId the gate's BPMN id: the GATE argument of {@code approve}
   * @param approvals who approved so far
   * @param releases names of the steps the gate releases
   * @param expiresAt ISO instant when the gate fails closed, or null
   * @param planSha256 the plan an approval approves (the run's bound plan), or null
   * @param unsigned the inventory says {@code approval.identity: unsigned}: approvals are names as
   *     typed, proven by no key
   */
  public record PendingGate(
      String activityId,
      String name,
      List<String> approvals,
      int approversRequired,
      String role,
      boolean starterMayApprove,
      List<String> releases,
      String expiresAt,
      String planSha256,
      boolean unsigned) {

    public PendingGate(
        String activityId,
        String name,
        List<String> approvals,
        int approversRequired,
        String role,
        boolean starterMayApprove,
        List<String> releases,
        String expiresAt,
        String planSha256) {
      this(
          activityId,
          name,
          approvals,
          approversRequired,
          role,
          starterMayApprove,
          releases,
          expiresAt,
          planSha256,
          false);
    }
  }
}

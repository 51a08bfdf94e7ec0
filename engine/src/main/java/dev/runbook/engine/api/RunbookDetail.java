package dev.runbook.engine.api;

import java.util.List;

/**
 * A runbook as {@code runbook show} explains it: its activities in process order, what each step
 * does and touches, who may pass each gate, and where every error leads. Read from the BPMN and the
 * steps known, without booting the engine.
 */
public record RunbookDetail(RunbookInfo runbook, List<Activity> activities) {

  /**
   * A task or a gate.
   *
   * @param kind {@code step}, {@code gate} or {@code task} (a task bound to no known step)
   * @param step the step's bean name; null for a gate
   * @param effect the step's effect; null for a gate or an unknown step
   * @param gate the gate's rules; null for a step
   * @param next where the activity leads when it succeeds (or is approved): names of the nodes
   * @param onError where each boundary event leads
   */
  public record Activity(
      String id,
      String name,
      String kind,
      String documentation,
      String step,
      Effect effect,
      GateRules gate,
      List<String> next,
      List<ErrorPath> onError) {}

  /**
   * @param role the inventory role every approver must hold, or null for anyone
   */
  public record GateRules(int approvers, String role, boolean starterMayApprove) {}

  /**
   * @param trigger the error code caught, {@code any error}, or {@code timer} and its duration
   * @param leadsTo name and id of the node the boundary event's flow reaches
   */
  public record ErrorPath(String event, String name, String trigger, String leadsTo) {}
}

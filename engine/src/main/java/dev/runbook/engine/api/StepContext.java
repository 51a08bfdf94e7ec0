package dev.runbook.engine.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What a step may use while it runs. Everything it does through here is recorded in evidence by the
 * engine; a step never writes evidence itself.
 */
public interface StepContext {

  String runId();

  Inventory inventory();

  /** The run's parameters (as given with {@code -p}, defaults applied). */
  Map<String, String> parameters();

  /** The members this task targets (its {@code nodes} input: all, or named ones). */
  List<Inventory.Member> nodes();

  /**
   * Renders a command template (shell-quoted interpolations) with the run's model plus {@code
   * model}: {@code run}, {@code params}, {@code inventory} and, per node, {@code node}.
   */
  String render(String template, Map<String, Object> model);

  /**
   * Runs a command on a node, streaming its output to the console and recording command and result
   * in evidence. Returns whatever the exit status; throws {@link RemoteFailure} otherwise.
   */
  CommandResult exec(String node, String command, Duration timeout);

  /** Like {@link #exec}, but a non-zero exit status throws {@link FailureReason#NON_ZERO_EXIT}. */
  default CommandResult check(String node, String command, Duration timeout) {
    CommandResult r = exec(node, command, timeout);
    if (!r.ok()) {
      throw new RemoteFailure(
          FailureReason.NON_ZERO_EXIT,
          node,
          "exit status " + r.exitStatus() + (r.stderr().isBlank() ? "" : ": " + r.stderr().strip()),
          r,
          null);
    }
    return r;
  }

  /**
   * The remote shell for file transfer; commands go through {@link #exec}. An upload or write
   * leaves only when the run's plan shows it for this step and node ({@link PlanContext#upload},
   * {@link PlanContext#write}).
   */
  RemoteShell shell();

  /**
   * Asks before a request that changes the etcd cluster (member add, remove, promote) leaves for
   * etcd through {@code member}: it goes only when the bound plan shows it for this step ({@link
   * PlanContext#etcdRequest}), and is recorded first ({@code transfer.sent}, kind {@code etcd}).
   * The pack's etcd client asks this before each such request, so no step sends one unapproved.
   *
   * @throws RunbookError STEP_FAILED, after a {@code plan.refused} record, when it is not planned
   */
  void etcdRequest(String member, String request);

  /**
   * Says what the step read live that its plan may have read too ({@link PlanContext#discovered}
   * with the same node and what; a file's digest): the step goes on only if it is what the bound
   * plan says, and otherwise fails before it changes anything, with the difference in evidence. A
   * value the plan did not read is recorded as resolved.
   */
  void confirm(String node, String what, String value);

  /**
   * What an earlier run of this engine home recorded for one of its steps: the outputs of that
   * step's last {@code done} finish, once the run's evidence verifies (chain, artifacts and
   * checkpoints under this home's engine key), so a step can trust a digest another run recorded.
   *
   * @return empty when this home holds no such run, or the run has no such step done
   */
  default java.util.Optional<Recorded> recorded(String runId, String activityId) {
    return java.util.Optional.empty();
  }

  /**
   * A step's outputs as another run recorded them.
   *
   * @param verified the run's evidence verified; when not, {@code problem} says why and {@code
   *     outputs} must not be trusted
   * @param outputs each output as text (numbers and booleans as JSON writes them)
   */
  record Recorded(
      String runId,
      String activityId,
      boolean verified,
      String problem,
      java.util.Map<String, String> outputs) {}

  /** Keeps {@code content} as an artifact of the run (redacted if text, with its SHA-256). */
  void artifact(String name, byte[] content);

  /**
   * A line for the person at the console: what the step is doing now (not evidence). Work done on
   * every member at once says it once per member, e.g. {@code cp-1: restoring into X}; what a wait
   * is at goes to {@link #progress(WaitProgress)}, not here.
   */
  void progress(String message);

  /**
   * How far a wait has got (not evidence), e.g. 2 of 3 members healthy after 6 s of 180 s. Report
   * it on every poll: the console redraws it in place on a terminal and shows it only now and then
   * in a log.
   */
  void progress(WaitProgress wait);
}

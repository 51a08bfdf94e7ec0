package dev.runbook.engine.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a step sees while the engine plans a run ({@code runbook plan}, and before every MUTATING or
 * DESTRUCTIVE step of a run, to compare with the approved plan). A step describes here what its
 * {@link Step#run} will do, rendering its commands with {@link #render}: the same renderer and
 * model the run uses. Nothing here changes anything: {@link #read} runs read-only discovery
 * commands only when the plan was asked to probe, and otherwise answers empty.
 *
 * <p>Values only the run can know (the run id, what a node reports) appear as placeholders written
 * {@code ⟨what⟩}; with {@code --probe} what the nodes report is filled in and marked discovered.
 */
public interface PlanContext {

  /** The run id as the plan shows it: the placeholder {@code ⟨run⟩}. */
  String RUN_ID = "⟨run⟩";

  Inventory inventory();

  /** The run's parameters (as given with {@code -p}, defaults applied). */
  Map<String, String> parameters();

  /** The members this task targets (its {@code nodes} input). */
  List<Inventory.Member> nodes();

  /**
   * A declared input of the task: its value when it depends on parameters only, otherwise the
   * placeholder {@code ⟨name⟩} (an output of an earlier step, known when the run gets there).
   */
  String input(String name);

  /** Renders a command template exactly as {@link StepContext#render} does in the run. */
  String render(String template, Map<String, Object> model);

  /** A command the step sends to {@code node}, as rendered. */
  void command(String node, String command);

  /** Something the step does that is not a node command (a transfer, an etcd call, a wait). */
  void note(String text);

  /** A file change on a node, as a unified diff. */
  void diff(String node, String diff);

  /**
   * What a read-only discovery command prints on {@code node}: run over SSH when the plan probes
   * (and cached, so steps asking the same share one answer), empty otherwise. The step must only
   * pass commands that change nothing.
   */
  Optional<String> read(String node, String command);

  /**
   * A value read from a node at run time, for the plan: {@code found} when the probe found it
   * (recorded as discovered), else the placeholder {@code ⟨what⟩}.
   */
  String discovered(String node, String what, Optional<String> found);

  /** Says the step does not describe its commands; the plan shows that ({@link Step#plan}). */
  void undescribed();
}

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

  /** Something the step does that is not a node command or a transfer (an etcd call, a wait). */
  void note(String text);

  /**
   * A local file the step uploads to {@code node} ({@link RemoteShell#upload}); the run may upload
   * only what its plan shows.
   */
  void upload(String node, String localPath, String remotePath);

  /**
   * A file the step writes on {@code node} ({@link RemoteShell#write}), with the SHA-256 of its
   * content (or a placeholder when only the run makes it); the run may write only what its plan
   * shows.
   */
  void write(String node, String path, String contentSha256);

  /**
   * A request that changes the etcd cluster (member add, remove, promote) the step sends through a
   * member, in the words {@link StepContext#etcdRequest} will say it; the run may send only what
   * its plan shows.
   */
  void etcdRequest(String request);

  /**
   * A read-only command the step's {@link Step#probe} sends to {@code node} (only when resuming a
   * step that was in flight when an engine process died). A run sends only planned commands, probes
   * included.
   */
  void probe(String node, String command);

  /**
   * Something the step will send that this plan cannot show: it depends on what a node reports and
   * the plan did not read the nodes. The plan says so, and no run is bound to such a plan (the
   * engine could not check what the step sends); {@code --probe} shows it.
   */
  void unknown(String what);

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

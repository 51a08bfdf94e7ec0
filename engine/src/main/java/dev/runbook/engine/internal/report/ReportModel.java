package dev.runbook.engine.internal.report;

import java.util.List;

/**
 * What a report shows, built from a run's evidence by {@link ReportBuilder} and rendered by the
 * templates {@code report/report.md.ftl} and {@code report/report.html.ftlh}. Every string comes
 * from evidence or a runbook and is escaped by the template's output format; fields are null where
 * evidence has nothing to say.
 *
 * @param evidence the result of verifying the evidence; reports show a failure before anything else
 * @param pendingGate the gate the run waits at, or null
 * @param timeline what happened, in evidence order
 * @param diagram the runbook's flow with the path taken, or null when it cannot be drawn
 * @param diagramNote why there is no diagram, or what to bear in mind about it
 * @param identity {@code signed} or {@code unsigned} as run.started says; null for a run from
 *     before signed identities
 * @param allowedSignersSha256 of the allowed-signers file the run started with, when signed
 * @param downtime from the stop of the control plane to it serving again, from evidence times
 * @param chart the steps per node on a time axis, or null when no step started
 */
public record ReportModel(
    String runId,
    String runbook,
    String cluster,
    String startedBy,
    String startedAt,
    String state,
    String endedAt,
    String endedBy,
    String message,
    List<Entry> parameters,
    String inventory,
    String inventorySha256,
    String planSha256,
    Check evidence,
    String pendingGate,
    List<Event> timeline,
    List<Decision> decisions,
    List<Artifact> artifacts,
    List<Diff> diffs,
    List<Facts> files,
    Diagram diagram,
    String diagramNote,
    String identity,
    String allowedSignersSha256,
    Downtime downtime,
    Chart chart) {

  /**
   * How long the cluster did not serve.
   *
   * @param stopped the run stopped the control plane; when false the other fields are null
   * @param from when the stop step started
   * @param to when the step that brought it back (start of the control plane, or the rollback)
   *     ended; null while it is still down as far as evidence says
   * @param by the step that brought it back, or null
   * @param duration from {@code from} to {@code to}, or to the last record when still down
   */
  public record Downtime(boolean stopped, String from, String to, String by, String duration) {}

  /**
   * A per-node timeline as an SVG: one lane per node, a bar per step on it, gates and waits as
   * bands across every lane. Geometry in pixels.
   *
   * @param span from the first record drawn to the last, for people
   */
  public record Chart(
      int width, int height, String span, List<Lane> lanes, List<Mark> marks, List<Tick> ticks) {}

  /** A node's lane; {@code engine host} for steps that ran on no node. */
  public record Lane(String node, int y, int h, List<Bar> bars) {}

  /**
   * One step on a lane.
   *
   * @param outcome done, failed, running, ... (also the bar's CSS class)
   */
  public record Bar(int x, int w, String label, String title, String outcome) {}

  /**
   * A gate (pending to decided) or a wait (a reconcile stop to its resume), drawn across the lanes.
   *
   * @param kind gate or wait
   */
  public record Mark(String kind, int x, int w, String label, String title) {}

  public record Tick(int x, String label) {}

  public record Entry(String key, String value) {}

  /**
   * @param lastHash the hash of the last record: keep it in the ticket, the file must still end
   *     with it
   * @param engineKey the fingerprint of the engine key checkpoints were checked against, or null
   * @param checkpoints the signed checkpoints read, each with whether it verified
   */
  public record Check(
      boolean ok,
      int records,
      String problem,
      String lastHash,
      String engineKey,
      List<Checkpoint> checkpoints) {}

  /**
   * A signed checkpoint of the evidence.
   *
   * @param engineKey the fingerprint of the key that signed it
   * @param verified its count, head and signature held under the engine key
   */
  public record Checkpoint(
      long seq, long records, String head, String engineKey, boolean verified, String by) {}

  /**
   * One line of the timeline.
   *
   * @param kind step, gate, decision, reconcile, resumed or ended
   * @param status the step's outcome, the decision, or the run's outcome
   * @param commands for a step: the commands it sent, in order
   * @param outputs for a step: its outputs, each value as text (JSON for a structure)
   */
  public record Event(
      int seq,
      String at,
      String kind,
      String activityId,
      String name,
      String detail,
      String duration,
      String status,
      List<Command> commands,
      List<Entry> outputs) {}

  /**
   * A command sent to a node and what came back.
   *
   * @param firstLine the command's first non-blank line, to name it; the whole is in {@code
   *     command}
   * @param exitStatus null when no command.finished was recorded (the run stopped in between)
   */
  public record Command(
      int seq,
      String node,
      String host,
      String hostKey,
      String sentAt,
      String command,
      String firstLine,
      Integer exitStatus,
      String duration,
      String failure,
      Output stdout,
      Output stderr) {}

  /**
   * @param length the length of the whole output, in characters
   * @param truncated only the first {@link ReportBuilder#OUTPUT_LIMIT} characters are in {@code
   *     text}; the whole output is in evidence.jsonl
   */
  public record Output(String text, int length, boolean truncated) {}

  /**
   * @param approvals approvals so far and required, as {@code 1 of 2}
   * @param keyFingerprint the key whose signed statement was verified before the decision; null
   *     when the run is unsigned
   */
  public record Decision(
      String at,
      String activityId,
      String gate,
      String decision,
      String by,
      String role,
      String comment,
      String planSha256,
      String approvals,
      String keyFingerprint) {}

  public record Artifact(String activityId, String name, String path, long size, String sha256) {}

  /**
   * A change shown as a diff.
   *
   * @param source where it comes from: an artifact's path, or a step's output
   * @param lines the lines, each with its kind: add, del, hunk, file or ctx
   */
  public record Diff(String title, String source, String text, List<DiffLine> lines) {}

  public record DiffLine(String kind, String text) {}

  /** A file a step reported with its digest (e.g. a snapshot), with everything said about it. */
  public record Facts(String title, String activityId, List<Entry> entries) {}

  /** The runbook drawn as an SVG: geometry for the template, in pixels. */
  public record Diagram(int width, int height, List<Shape> shapes, List<Edge> edges) {}

  /**
   * A node of the diagram.
   *
   * @param kind start, end, task, gate, gateway, event, boundary or subprocess (a box drawn under
   *     the nodes it holds, its label in its top left corner)
   * @param r the radius, for events
   * @param visited the run went through it
   */
  public record Shape(
      String id,
      String kind,
      String title,
      int x,
      int y,
      int w,
      int h,
      int cx,
      int cy,
      int r,
      List<Label> labels,
      boolean visited) {}

  public record Label(int x, int y, String text) {}

  /**
   * A sequence flow as an SVG polyline.
   *
   * @param exception it leaves a boundary event (an error, a rejection, a timeout)
   */
  public record Edge(String id, String points, boolean taken, boolean exception) {}
}

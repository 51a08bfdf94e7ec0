package dev.runbook.engine.internal.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What a run of a runbook will do on an inventory, step by step and node by node, as reviewers read
 * it and approve its hash. Built by {@link Planner}; everything in it is data, so its canonical
 * JSON (records in declaration order, map keys sorted, no whitespace) hashes the same on every
 * machine.
 *
 * @param runbook the process id
 * @param runbookSha256 of the BPMN file the plan was made from
 * @param probed whether read-only probes on the nodes filled in discovered values
 * @param parameters every parameter, defaults applied
 * @param steps in process order: the main path first, then each branch (error, rejection, rollback)
 * @param reads the discovery commands a probe ran and what they printed (replayed, not re-run, when
 *     a run re-renders its plan)
 * @param templates every command template the steps render, by name, with the SHA-256 of its text:
 *     a run pins them, and a later process with other templates is refused
 * @param engine what the engine itself sends to the nodes, not a step (the node lock before the
 *     first step that changes a node, its release at the end): empty for a runbook that changes
 *     nothing on the nodes
 */
public record Plan(
    String runbook,
    String runbookSha256,
    boolean probed,
    Map<String, String> parameters,
    Target target,
    List<Entry> steps,
    List<Read> reads,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> templates,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<EngineAction> engine) {

  // Fields added since plans were first stored are left out of the canonical form when empty, so a
  // plan stored by an earlier release keeps its hash.
  public Plan {
    templates = templates == null ? Map.of() : templates;
    engine = engine == null ? List.of() : engine;
  }

  /**
   * Commands the engine sends on its own account.
   *
   * @param action {@code node-lock} or {@code node-unlock}
   * @param before the step it comes before ({@code node-lock}: the first step that changes a node,
   *     and any other such step the run reaches without holding it); null for {@code node-unlock},
   *     sent when the run ends
   * @param commands one per node
   */
  public record EngineAction(String action, String before, List<Command> commands) {}

  /** The engine's action named {@code action}, or null when the plan has none. */
  public EngineAction engineAction(String action) {
    return engine.stream().filter(a -> a.action().equals(action)).findFirst().orElse(null);
  }

  /**
   * The part of the inventory the plan depends on (not the engine host's own key files).
   *
   * @param identity {@code signed} or {@code unsigned} (null when the inventory does not say)
   * @param allowedSignersSha256 of the allowed-signers file: who may approve is part of what is
   *     approved
   */
  public record Target(
      String cluster,
      String sshUser,
      int sshPort,
      boolean sudo,
      String topology,
      String manifestDir,
      String dataDir,
      List<Node> nodes,
      String identity,
      String allowedSignersSha256) {}

  public record Node(
      String name, String host, String clientUrl, String peerUrl, String hostKeyFingerprint) {}

  /**
   * One element of the process.
   *
   * @param kind {@code step}, {@code gate}, {@code start}, {@code end}, {@code gateway}, {@code
   *     event}
   * @param path {@code main}, or the branch that reaches it, e.g. {@code on STEP_FAILED at
   *     Task_Restore}
   * @param outcome of an end event: {@code done}, {@code rolled-back}, ...
   * @param described false when the step does not describe its commands for a plan
   * @param probes read-only commands the step's probe sends, only when the step was in flight when
   *     an engine process died (resume asks it whether the change was made)
   * @param transfers files the step sends to a node (uploads and writes)
   * @param unknown what the plan cannot show without reading the nodes ({@code --probe}); a run is
   *     never bound to a plan with unknowns, since it could not check what the step sends
   * @param etcd the requests that change the etcd cluster (member add, remove, promote) the step
   *     sends through a member, as {@link dev.runbook.engine.api.PlanContext#etcdRequest} shows
   *     them; the run may send no other
   */
  public record Entry(
      String id,
      String kind,
      String name,
      String documentation,
      String path,
      String step,
      String effect,
      List<String> nodes,
      List<Command> commands,
      List<String> notes,
      List<Discovered> discovered,
      List<Diff> diffs,
      Gate gate,
      String outcome,
      List<Next> next,
      boolean described,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Command> probes,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Transfer> transfers,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> unknown,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> etcd) {
    public Entry {
      probes = probes == null ? List.of() : probes;
      transfers = transfers == null ? List.of() : transfers;
      unknown = unknown == null ? List.of() : unknown;
      etcd = etcd == null ? List.of() : etcd;
    }
  }

  public record Command(String node, String command) {}

  /**
   * A file the step sends to {@code node}.
   *
   * @param kind {@code upload} (a local file, streamed) or {@code write} (content the step made)
   * @param source for an upload the local path, for a write the SHA-256 of the content (or a
   *     placeholder when the run makes it)
   * @param target the path on the node
   */
  public record Transfer(String node, String kind, String source, String target) {}

  public record Discovered(String node, String what, String value) {}

  public record Diff(String node, String diff) {}

  /**
   * @param timeout the gate's timer, as written in the BPMN (an expression on a parameter is
   *     evaluated)
   * @param releases the names of the steps an approval lets run
   */
  public record Gate(
      int approvers,
      String role,
      boolean starterMayApprove,
      String timeout,
      List<String> releases) {}

  /**
   * @param when null for the normal flow; else what takes it ({@code error STEP_FAILED}, {@code
   *     timer}, a condition)
   */
  public record Next(String to, String when) {}

  public record Read(String node, String command, String output) {}

  static final ObjectMapper CANONICAL =
      JsonMapper.builder()
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .disable(SerializationFeature.INDENT_OUTPUT)
          .build();

  /** The canonical form the hash is computed over. */
  public byte[] canonical() {
    try {
      return CANONICAL.writeValueAsBytes(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** SHA-256 of {@link #canonical()}, lowercase hex: the plan hash reviewers approve. */
  public String sha256() {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The steps whose commands the plan cannot show (made without --probe where it needed one). */
  public List<Entry> incomplete() {
    return steps.stream().filter(e -> !e.unknown().isEmpty()).toList();
  }

  public Entry entry(String id) {
    return steps.stream().filter(e -> e.id().equals(id)).findFirst().orElse(null);
  }
}

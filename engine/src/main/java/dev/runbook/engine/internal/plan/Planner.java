package dev.runbook.engine.internal.plan;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.Step;
import dev.runbook.engine.internal.catalog.AbortPath;
import dev.runbook.engine.internal.catalog.Catalog;
import dev.runbook.engine.internal.catalog.Gates;
import dev.runbook.engine.internal.evidence.Redactor;
import dev.runbook.engine.internal.template.RenderException;
import dev.runbook.engine.internal.template.TemplateRenderer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.camunda.bpm.model.bpmn.instance.BoundaryEvent;
import org.camunda.bpm.model.bpmn.instance.EndEvent;
import org.camunda.bpm.model.bpmn.instance.ErrorEventDefinition;
import org.camunda.bpm.model.bpmn.instance.EventDefinition;
import org.camunda.bpm.model.bpmn.instance.FlowNode;
import org.camunda.bpm.model.bpmn.instance.Gateway;
import org.camunda.bpm.model.bpmn.instance.Process;
import org.camunda.bpm.model.bpmn.instance.SequenceFlow;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.StartEvent;
import org.camunda.bpm.model.bpmn.instance.TimerEventDefinition;
import org.camunda.bpm.model.bpmn.instance.UserTask;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputOutput;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputParameter;

/**
 * Makes the {@link Plan} of a runbook for an inventory and parameters: walks the process from its
 * start event (main path first, then every branch a boundary event opens) and asks each step to
 * describe itself through a {@link PlanContext}, which renders with the run's own renderer and
 * model. The run uses the same planner before each MUTATING or DESTRUCTIVE step, replaying the
 * plan's recorded probe output, so any difference is a change in what would be sent.
 */
public final class Planner {

  /** {@code ${name}}: a variable in an input, or the bean a task's delegateExpression names. */
  private static final Pattern SIMPLE = Pattern.compile("\\$\\{\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*}");

  /** Where discovery commands go: nowhere, the nodes (a probe), or a plan's recorded reads. */
  public interface Reader {
    Optional<String> read(String node, String command);

    boolean probes();

    Reader NONE =
        new Reader() {
          @Override
          public Optional<String> read(String node, String command) {
            return Optional.empty();
          }

          @Override
          public boolean probes() {
            return false;
          }
        };

    /** Answers with what a plan's probe recorded, and nothing else. */
    static Reader replay(Plan plan) {
      Map<String, String> recorded = new LinkedHashMap<>();
      plan.reads().forEach(r -> recorded.put(r.node() + "\n" + r.command(), r.output()));
      boolean probed = plan.probed();
      return new Reader() {
        @Override
        public Optional<String> read(String node, String command) {
          return Optional.ofNullable(recorded.get(node + "\n" + command));
        }

        @Override
        public boolean probes() {
          return probed;
        }
      };
    }
  }

  private final Catalog.Entry runbook;
  private final Map<String, Step<?, ?>> steps;
  private final Inventory inventory;
  private final Map<String, String> parameters;
  private final TemplateRenderer renderer;
  private final Reader reader;
  private final Redactor redactor;
  private final SecretDigest secrets;
  private final Map<String, Plan.Read> reads = new LinkedHashMap<>();
  private final Set<String> rendered = new java.util.TreeSet<>();

  private Planner(
      Catalog.Entry runbook,
      Map<String, Step<?, ?>> steps,
      Inventory inventory,
      Map<String, String> parameters,
      TemplateRenderer renderer,
      Reader reader,
      Redactor redactor,
      SecretDigest secrets) {
    this.runbook = runbook;
    this.steps = steps;
    this.inventory = inventory;
    this.parameters = parameters;
    this.renderer = renderer;
    this.reader = reader;
    this.redactor = redactor;
    this.secrets = secrets;
  }

  /**
   * @param redactor what the run's evidence redacts (secret parameters, the inventory's patterns)
   *     is redacted from the plan too: a plan is shown, pasted and stored
   * @param secrets how the plan records a secret parameter's value (a keyed digest, in the hash)
   * @throws BadInputException listing every step that cannot be described with these inputs
   */
  public static Plan plan(
      Catalog.Entry runbook,
      Map<String, Step<?, ?>> steps,
      Inventory inventory,
      Map<String, String> parameters,
      TemplateRenderer renderer,
      Reader reader,
      Redactor redactor,
      SecretDigest secrets) {
    return new Planner(runbook, steps, inventory, parameters, renderer, reader, redactor, secrets)
        .plan();
  }

  /**
   * The plan's entry for {@code activityId} alone, as {@link #plan} would describe it with these
   * inputs: the run's check of a step against its bound plan renders only the step about to run.
   *
   * @throws BadInputException when that step cannot be described with these inputs, or the runbook
   *     has no such activity
   */
  public static Plan.Entry entry(
      Catalog.Entry runbook,
      Map<String, Step<?, ?>> steps,
      Inventory inventory,
      Map<String, String> parameters,
      TemplateRenderer renderer,
      Reader reader,
      Redactor redactor,
      SecretDigest secrets,
      String activityId) {
    Planner p =
        new Planner(runbook, steps, inventory, parameters, renderer, reader, redactor, secrets);
    for (Map.Entry<FlowNode, String> e : p.order().entrySet()) {
      if (e.getKey().getId().equals(activityId)) {
        Plan.Entry entry;
        try {
          entry = p.entry(e.getKey(), e.getValue());
        } catch (IllegalArgumentException
            | RenderException
            | dev.runbook.engine.api.RunbookError ex) {
          throw new BadInputException(activityId + ": " + ex.getMessage());
        }
        return PlanStore.READER.convertValue(
            p.redact(PlanStore.READER.valueToTree(entry)), Plan.Entry.class);
      }
    }
    throw new BadInputException(runbook.id() + " has no activity " + activityId);
  }

  private Plan plan() {
    List<String> problems = new ArrayList<>();
    List<Plan.Entry> entries = new ArrayList<>();
    for (Map.Entry<FlowNode, String> e : order().entrySet()) {
      try {
        entries.add(entry(e.getKey(), e.getValue()));
      } catch (IllegalArgumentException
          | RenderException
          | dev.runbook.engine.api.RunbookError ex) {
        problems.add(e.getKey().getId() + ": " + ex.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new BadInputException(
          "cannot plan " + runbook.id() + ":\n  " + String.join("\n  ", problems));
    }
    Plan plan =
        new Plan(
            runbook.id(),
            sha256(runbook.bpmn()),
            reader.probes(),
            recordedParameters(),
            target(inventory),
            entries,
            List.copyOf(reads.values()),
            templates(),
            engineActions(entries));
    return redact(plan);
  }

  /**
   * The node lock the engine takes on every node before the first step that changes one, and its
   * release at the end, for the reviewer to see: none when no step changes a node.
   */
  private List<Plan.EngineAction> engineActions(List<Plan.Entry> entries) {
    Plan.Entry first = entries.stream().filter(LockCommands::changesNodes).findFirst().orElse(null);
    if (first == null) {
      return List.of();
    }
    List<Plan.Command> take = new ArrayList<>();
    List<Plan.Command> release = new ArrayList<>();
    Map<String, Object> takeModel =
        LockCommands.take(
            PlanContext.RUN_ID, LockCommands.HOME, LockCommands.HOST, LockCommands.SINCE);
    for (Inventory.Member m : inventory.nodes()) {
      take.add(new Plan.Command(m.name(), render(LockCommands.TAKE, takeModel)));
      release.add(
          new Plan.Command(
              m.name(), render(LockCommands.RELEASE, LockCommands.release(PlanContext.RUN_ID))));
    }
    return List.of(
        new Plan.EngineAction(LockCommands.TAKE_ACTION, first.id(), take),
        new Plan.EngineAction(LockCommands.RELEASE_ACTION, null, release));
  }

  private String render(String template, Map<String, Object> model) {
    rendered.add(template);
    return renderer.render(
        template,
        TemplateModel.of(PlanContext.RUN_ID, inventory, parameters, PlanGuard.STARTER, model));
  }

  /** The parameters as the plan records them: a secret one as its keyed digest, not redacted. */
  private Map<String, String> recordedParameters() {
    Map<String, String> out = new java.util.TreeMap<>(parameters);
    for (dev.runbook.engine.api.RunbookInfo.Parameter p : runbook.parameters()) {
      String value = parameters.get(p.name());
      if (p.secret() && value != null) {
        out.put(p.name(), secrets.of(p.name(), value));
      }
    }
    return out;
  }

  /** The templates the steps rendered, with the digest of the text this process read. */
  private Map<String, String> templates() {
    Map<String, String> out = new java.util.TreeMap<>();
    for (String name : rendered) {
      out.put(name, renderer.source(name).sha256());
    }
    return out;
  }

  /** Every string of the plan, redacted as evidence is. */
  private Plan redact(Plan plan) {
    com.fasterxml.jackson.databind.JsonNode tree = PlanStore.READER.valueToTree(plan);
    return PlanStore.READER.convertValue(redact(tree), Plan.class);
  }

  private com.fasterxml.jackson.databind.JsonNode redact(
      com.fasterxml.jackson.databind.JsonNode n) {
    if (n.isTextual()) {
      return com.fasterxml.jackson.databind.node.TextNode.valueOf(redactor.redact(n.asText()));
    }
    if (n.isArray()) {
      var out = PlanStore.READER.createArrayNode();
      n.forEach(c -> out.add(redact(c)));
      return out;
    }
    if (n.isObject()) {
      var out = PlanStore.READER.createObjectNode();
      n.fields().forEachRemaining(f -> out.set(f.getKey(), redact(f.getValue())));
      return out;
    }
    return n;
  }

  static Plan.Target target(Inventory inv) {
    return new Plan.Target(
        inv.cluster(),
        inv.ssh().user(),
        inv.ssh().port(),
        inv.ssh().sudo(),
        inv.etcd().topology(),
        inv.etcd().manifestDir(),
        inv.etcd().dataDir(),
        inv.members().stream()
            .map(
                m ->
                    new Plan.Node(
                        m.name(),
                        m.host(),
                        String.valueOf(m.clientUrl()),
                        String.valueOf(m.peerUrl()),
                        m.hostKeyFingerprint()))
            .toList(),
        inv.approval().identity(),
        inv.approval().allowedSignersSha256());
  }

  /**
   * Every flow node but boundary events (they show as the {@code next} of their task), in process
   * order: depth first along the normal flows from the start event, then each branch opened by a
   * boundary event of a node already listed.
   */
  private Map<FlowNode, String> order() {
    Map<FlowNode, String> order = new LinkedHashMap<>();
    Process process = runbook.process();
    for (StartEvent s : process.getChildElementsByType(StartEvent.class)) {
      walk(s, "main", order);
    }
    branches(order, 0);
    // The abort path last: what an abort past a DESTRUCTIVE step runs is part of what is approved.
    int from = order.size();
    AbortPath.of(process).flatMap(AbortPath::start).ifPresent(s -> walk(s, "on abort", order));
    branches(order, from);
    return order;
  }

  /** Adds the branches opened by boundary events of the nodes listed from index {@code from}. */
  private static void branches(Map<FlowNode, String> order, int from) {
    for (int i = from; i < order.size(); i++) {
      FlowNode n = new ArrayList<>(order.keySet()).get(i);
      for (BoundaryEvent b : boundaries(n)) {
        for (FlowNode t : Gates.next(b)) {
          walk(t, "on " + when(b) + " at " + n.getId(), order);
        }
      }
    }
  }

  private static void walk(FlowNode from, String path, Map<FlowNode, String> order) {
    Deque<FlowNode> stack = new ArrayDeque<>();
    stack.push(from);
    while (!stack.isEmpty()) {
      FlowNode n = stack.pop();
      if (order.containsKey(n)) {
        continue;
      }
      order.put(n, path);
      List<FlowNode> next = Gates.next(n);
      for (int i = next.size() - 1; i >= 0; i--) {
        stack.push(next.get(i));
      }
    }
  }

  private static List<BoundaryEvent> boundaries(FlowNode n) {
    return n.getModelInstance().getModelElementsByType(BoundaryEvent.class).stream()
        .filter(b -> b.getAttachedTo() == n)
        .toList();
  }

  private static String when(BoundaryEvent b) {
    for (EventDefinition d : b.getEventDefinitions()) {
      if (d instanceof ErrorEventDefinition err && err.getError() != null) {
        return "error " + err.getError().getErrorCode();
      }
      if (d instanceof TimerEventDefinition) {
        return "timer";
      }
    }
    return "event " + b.getId();
  }

  private Plan.Entry entry(FlowNode n, String path) {
    List<Plan.Next> next = new ArrayList<>();
    for (SequenceFlow f : n.getModelInstance().getModelElementsByType(SequenceFlow.class)) {
      if (f.getSource() == n) {
        next.add(
            new Plan.Next(
                f.getTarget().getId(),
                f.getConditionExpression() == null
                    ? null
                    : f.getConditionExpression().getTextContent().strip()));
      }
    }
    for (BoundaryEvent b : boundaries(n)) {
      for (FlowNode t : Gates.next(b)) {
        next.add(
            new Plan.Next(t.getId(), when(b) + (b.getName() == null ? "" : ": " + b.getName())));
      }
    }
    String name = n.getName() == null ? n.getId() : n.getName();
    String doc = Catalog.documentation(n);
    if (n instanceof ServiceTask task) {
      return step(task, name, doc, path, next);
    }
    if (n instanceof UserTask gate) {
      Gates.Rules rules = Gates.rules(gate);
      String timeout = null;
      for (BoundaryEvent b : boundaries(gate)) {
        for (EventDefinition d : b.getEventDefinitions()) {
          if (d instanceof TimerEventDefinition t && t.getTimeDuration() != null) {
            timeout = evaluate(t.getTimeDuration().getTextContent(), "timeout");
          }
        }
      }
      return new Plan.Entry(
          n.getId(),
          "gate",
          name,
          doc,
          path,
          null,
          null,
          List.of(),
          List.of(),
          List.of(),
          List.of(),
          List.of(),
          new Plan.Gate(
              rules.approvers(),
              rules.role(),
              rules.starterMayApprove(),
              timeout,
              Gates.releases(gate)),
          null,
          next,
          true,
          List.of(),
          List.of(),
          List.of(),
          List.of());
    }
    String kind =
        n instanceof StartEvent
            ? "start"
            : n instanceof EndEvent ? "end" : n instanceof Gateway ? "gateway" : "event";
    String outcome = n instanceof EndEvent ? Catalog.properties(n).get("outcome") : null;
    return new Plan.Entry(
        n.getId(), kind, name, doc, path, null, null, List.of(), List.of(), List.of(), List.of(),
        List.of(), null, outcome, next, true, List.of(), List.of(), List.of(), List.of());
  }

  private Plan.Entry step(
      ServiceTask task, String name, String doc, String path, List<Plan.Next> next) {
    String expr = task.getCamundaDelegateExpression();
    Matcher m = expr == null ? null : SIMPLE.matcher(expr.strip());
    String bean = m != null && m.matches() ? m.group(1) : null;
    Step<?, ?> step = bean == null ? null : steps.get(bean);
    if (step == null) {
      throw new IllegalArgumentException("no step named " + expr + " is known");
    }
    Map<String, String> inputs = new LinkedHashMap<>();
    CamundaInputOutput io =
        task.getExtensionElements() == null
            ? null
            : task.getExtensionElements()
                .getElementsQuery()
                .filterByType(CamundaInputOutput.class)
                .singleResult();
    if (io != null) {
      for (CamundaInputParameter p : io.getCamundaInputParameters()) {
        inputs.put(p.getCamundaName(), evaluate(p.getTextContent(), p.getCamundaName()));
      }
    }
    List<Inventory.Member> nodes = Nodes.of(inventory, inputs.remove(Nodes.INPUT));
    Context context = new Context(nodes, inputs);
    step.plan(context);
    return new Plan.Entry(
        task.getId(),
        "step",
        name,
        doc,
        path,
        step.name(),
        step.effect().name(),
        nodes.stream().map(Inventory.Member::name).toList(),
        List.copyOf(context.commands),
        List.copyOf(context.notes),
        List.copyOf(context.discovered),
        List.copyOf(context.diffs),
        null,
        null,
        next,
        context.described,
        List.copyOf(context.probes),
        List.copyOf(context.transfers),
        List.copyOf(context.unknown),
        List.copyOf(context.etcd));
  }

  /**
   * An input or timer expression: literal text as it is, {@code ${param}} as the parameter's value,
   * the run's own variables as the run sets them, anything else a placeholder.
   */
  String evaluate(String text, String name) {
    String t = text == null ? "" : text.strip();
    if (!t.contains("${") && !t.contains("#{")) {
      return t;
    }
    // Text with ${variable} parts: each must be a parameter or a variable the run sets at start.
    String rest = SIMPLE.matcher(t).replaceAll("");
    if (rest.contains("${") || rest.contains("#{")) {
      return "⟨" + name + "⟩";
    }
    Matcher m = SIMPLE.matcher(t);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = known(m.group(1));
      if (value == null) {
        return "⟨" + name + "⟩";
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  private String known(String variable) {
    if (parameters.containsKey(variable)) {
      return parameters.get(variable);
    }
    return switch (variable) {
      case "runId" -> PlanContext.RUN_ID;
      case "cluster" -> inventory.cluster();
      default -> null;
    };
  }

  private final class Context implements PlanContext {
    private final List<Inventory.Member> nodes;
    private final Map<String, String> inputs;
    final List<Plan.Command> commands = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    final List<Plan.Discovered> discovered = new ArrayList<>();
    final List<Plan.Diff> diffs = new ArrayList<>();
    final List<Plan.Command> probes = new ArrayList<>();
    final List<Plan.Transfer> transfers = new ArrayList<>();
    final List<String> unknown = new ArrayList<>();
    final List<String> etcd = new ArrayList<>();
    final Set<String> seen = new HashSet<>();
    boolean described = true;

    Context(List<Inventory.Member> nodes, Map<String, String> inputs) {
      this.nodes = nodes;
      this.inputs = inputs;
    }

    @Override
    public Inventory inventory() {
      return inventory;
    }

    @Override
    public Map<String, String> parameters() {
      return parameters;
    }

    @Override
    public List<Inventory.Member> nodes() {
      return nodes;
    }

    @Override
    public String input(String name) {
      String v = inputs.get(name);
      return v == null ? "⟨" + name + "⟩" : v;
    }

    @Override
    public String render(String template, Map<String, Object> model) {
      return Planner.this.render(template, model);
    }

    @Override
    public void command(String node, String command) {
      commands.add(new Plan.Command(node, command));
    }

    @Override
    public void note(String text) {
      notes.add(text);
    }

    @Override
    public void upload(String node, String localPath, String remotePath) {
      transfers.add(new Plan.Transfer(node, "upload", localPath, remotePath));
    }

    @Override
    public void write(String node, String path, String contentSha256) {
      transfers.add(new Plan.Transfer(node, "write", contentSha256, path));
    }

    @Override
    public void probe(String node, String command) {
      probes.add(new Plan.Command(node, command));
    }

    @Override
    public void etcdRequest(String request) {
      etcd.add(request);
    }

    @Override
    public void unknown(String what) {
      unknown.add(what);
    }

    @Override
    public void diff(String node, String diff) {
      diffs.add(new Plan.Diff(node, diff));
    }

    @Override
    public Optional<String> read(String node, String command) {
      String key = node + "\n" + command;
      Plan.Read done = reads.get(key);
      if (done != null) {
        return Optional.of(done.output());
      }
      Optional<String> out = reader.read(node, command);
      out.ifPresent(o -> reads.put(key, new Plan.Read(node, command, o)));
      return out;
    }

    @Override
    public String discovered(String node, String what, Optional<String> found) {
      if (found.isEmpty()) {
        return "⟨" + what + " on " + node + "⟩";
      }
      if (seen.add(node + "\n" + what)) {
        discovered.add(new Plan.Discovered(node, what, found.get()));
      }
      return found.get();
    }

    @Override
    public void undescribed() {
      described = false;
    }
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

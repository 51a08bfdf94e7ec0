package dev.runbook.engine.internal.run;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RemoteFailure;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.Step;
import dev.runbook.engine.api.StepOutcome;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;

/**
 * The one Camunda delegate: maps a task's declared inputs to the step's input record, runs the
 * step, records it in evidence and writes the output record's components back as local variables
 * (for the task's output mappings). The step itself never sees a Camunda type.
 */
public final class StepDelegate implements JavaDelegate {

  /** Input of every step task: which members it runs on ({@code all} or names, comma-separated). */
  public static final String NODES = dev.runbook.engine.internal.plan.Nodes.INPUT;

  static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .build();

  private final Step<Record, Record> step;
  private final Sessions sessions;

  @SuppressWarnings("unchecked")
  StepDelegate(Step<?, ?> step, Sessions sessions) {
    this.step = (Step<Record, Record>) step;
    this.sessions = sessions;
  }

  @Override
  public void execute(DelegateExecution execution) {
    RunSession session = sessions.get(execution.getProcessBusinessKey());
    String activityId = execution.getCurrentActivityId();
    String jobId = Driver.currentJob();
    // The database keeps secret values sealed; the step gets them opened, in memory only. One
    // that does not open stops here, before the step starts (SealedSecretException).
    Map<String, Object> inputs = new LinkedHashMap<>();
    execution
        .getVariablesLocal()
        .forEach((k, v) -> inputs.put(k, v instanceof String t ? session.sealer.open(t) : v));
    Object nodesInput = inputs.remove(NODES);
    // Before the step starts, so a refusal leaves no step in flight for a resume to probe.
    session.nodeLock.before(activityId);
    boolean inFlight = session.inFlight(activityId);
    int attempt = session.attempts(jobId, activityId) + 1;
    List<Inventory.Member> members = List.of();
    IllegalArgumentException badNodes = null;
    try {
      members = nodes(session.inventory, nodesInput);
    } catch (IllegalArgumentException e) {
      badNodes = e; // a task naming a member the inventory lacks: a recorded step failure below
    }
    session.emit(started(execution, jobId, attempt, members));
    long start = System.nanoTime();
    try {
      if (badNodes != null) {
        throw badNodes;
      }
      StepContextImpl context = new StepContextImpl(session, activityId, members, inputs);
      context.marked(step.effect() != dev.runbook.engine.api.Effect.READ_ONLY);
      Record input = JSON.convertValue(inputs, step.inputType());
      session.checkPlan(activityId);
      if (inFlight
          && step.effect() != dev.runbook.engine.api.Effect.READ_ONLY
          && !session.reconcileApproved(activityId)) {
        // A command sent before the engine stopped may still run on a node: wait for it first,
        // or the probe would see half a change and a retry would race it.
        Asked asked = ask(input, context);
        if (asked.probe() == Step.Probe.DONE) {
          finished(
              session,
              activityId,
              StepOutcome.ALREADY_DONE,
              start,
              Map.of(),
              null,
              null,
              "its probe found the change made before the engine stopped");
          return;
        }
        if (asked.probe() == Step.Probe.UNKNOWN) {
          throw reconcile(
              session,
              activityId,
              start,
              null,
              asked.why(
                  "the step was in flight when the engine stopped and its probe cannot tell"
                      + " whether it took effect"));
        }
      }
      Record output;
      try {
        output = step.run(input, context);
      } catch (RemoteFailure lost) {
        if (lost.reason() != dev.runbook.engine.api.FailureReason.CONNECTION_LOST
            || step.effect() == dev.runbook.engine.api.Effect.READ_ONLY) {
          throw lost;
        }
        // The command may have run, in part or whole: ask the step, as a resume would.
        String broke = lost.node() + ": the connection broke mid-command";
        Asked asked;
        try {
          asked = ask(input, context);
        } catch (RemoteFailure | RunbookError again) {
          asked =
              new Asked(
                  Step.Probe.UNKNOWN, broke + ", and its probe failed: " + again.getMessage());
        }
        if (asked.probe() == Step.Probe.DONE) {
          finished(
              session,
              activityId,
              StepOutcome.ALREADY_DONE,
              start,
              Map.of(),
              lost.reason(),
              null,
              broke + "; its probe found the change made");
          return;
        }
        if (asked.probe() == Step.Probe.UNKNOWN) {
          throw reconcile(
              session,
              activityId,
              start,
              lost.reason(),
              asked.why(broke + " and its probe cannot tell whether it took effect"));
        }
        finished(
            session,
            activityId,
            StepOutcome.INTERRUPTED,
            start,
            Map.of(),
            lost.reason(),
            null,
            broke + "; its probe found it safe to run again: running it once more");
        session.emit(started(execution, jobId, attempt + 1, members));
        start = System.nanoTime();
        // Once: a second failure, of any kind, takes the runbook's modelled failure path.
        output = step.run(input, context);
      }
      Map<String, Object> outputs = outputs(output);
      outputs.forEach((k, v) -> execution.setVariableLocal(k, processValue(session.stored(k, v))));
      finished(session, activityId, StepOutcome.DONE, start, outputs, null, null, null);
    } catch (RunbookError e) {
      finished(
          session,
          activityId,
          StepOutcome.FAILED,
          start,
          Map.of(),
          null,
          e.code().name(),
          e.getMessage());
      throw new BpmnError(e.code().name(), session.redact(e.getMessage()));
    } catch (RemoteFailure e) {
      finished(
          session,
          activityId,
          StepOutcome.FAILED,
          start,
          Map.of(),
          e.reason(),
          ErrorCode.STEP_FAILED.name(),
          e.getMessage());
      throw new BpmnError(ErrorCode.STEP_FAILED.name(), session.redact(e.getMessage()));
    } catch (ReconcileRequired e) {
      throw e;
    } catch (IllegalArgumentException e) {
      // A record constructor refused the task's inputs: the runbook or a parameter is wrong.
      String msg = "bad input for step " + step.name() + ": " + rootMessage(e);
      finished(
          session,
          activityId,
          StepOutcome.FAILED,
          start,
          Map.of(),
          null,
          ErrorCode.STEP_FAILED.name(),
          msg);
      throw new BpmnError(ErrorCode.STEP_FAILED.name(), session.redact(msg));
    } catch (BpmnError e) {
      throw e;
    } catch (RuntimeException e) {
      // Not a failure the step reported: Camunda keeps its message and trace in the database
      // (the failed job) and logs them, so they leave redacted as the evidence would be.
      throw Redacted.of(e, session::redact);
    }
  }

  /** What the probe of a step of unknown outcome found; {@code stillRuns} when it could not ask. */
  private record Asked(Step.Probe probe, String stillRuns) {
    String why(String otherwise) {
      return stillRuns != null ? stillRuns : otherwise;
    }
  }

  /**
   * Asks the probe of a step whose outcome is unknown (in flight when the engine stopped, or its
   * connection broke mid-command): first waits, bounded, until what the step sent has ended on its
   * nodes (a command outlives the engine and its connection), so the probe never sees half a
   * change; a command still running after that leaves it unknown.
   */
  private Asked ask(Record input, StepContextImpl context) {
    java.util.Optional<String> stillRuns = context.awaitEarlierCommands(RESUME_WAIT);
    if (stillRuns.isPresent()) {
      return new Asked(Step.Probe.UNKNOWN, stillRuns.get());
    }
    context.probing(true);
    try {
      return new Asked(step.probe(input, context), null);
    } finally {
      context.probing(false);
    }
  }

  /** Records that a person must decide (a reconcile gate), and the exception that stops there. */
  private ReconcileRequired reconcile(
      RunSession session,
      String activityId,
      long start,
      dev.runbook.engine.api.FailureReason failure,
      String why) {
    finished(session, activityId, StepOutcome.INTERRUPTED, start, Map.of(), failure, null, why);
    session.emit(new RunEvent.ReconcileRequired(activityId, step.name(), why));
    return new ReconcileRequired(activityId, why);
  }

  private RunEvent.StepStarted started(
      DelegateExecution execution, String jobId, int attempt, List<Inventory.Member> members) {
    return new RunEvent.StepStarted(
        execution.getCurrentActivityId(),
        execution.getCurrentActivityName(),
        step.name(),
        step.effect(),
        jobId,
        attempt,
        members.stream().map(Inventory.Member::name).toList());
  }

  private void finished(
      RunSession session,
      String activityId,
      StepOutcome outcome,
      long startNanos,
      Map<String, Object> outputs,
      dev.runbook.engine.api.FailureReason failure,
      String errorCode,
      String message) {
    if (outcome == StepOutcome.FAILED) {
      session.lastFailure = activityId + ": " + message;
    }
    session.emit(
        new RunEvent.StepFinished(
            activityId,
            step.name(),
            outcome,
            (System.nanoTime() - startNanos) / 1_000_000,
            outputs,
            failure,
            errorCode,
            message));
  }

  static List<Inventory.Member> nodes(Inventory inventory, Object spec) {
    return dev.runbook.engine.internal.plan.Nodes.of(inventory, spec);
  }

  /** Output components as process values: scalars as they are, anything else as JSON text. */
  static Map<String, Object> outputs(Record output) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (output == null) {
      return out;
    }
    Map<String, Object> raw = JSON.convertValue(output, HashMap.class);
    for (var e : raw.entrySet()) {
      Object v = e.getValue();
      if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean) {
        out.put(e.getKey(), v);
      } else {
        try {
          out.put(e.getKey(), JSON.writeValueAsString(v));
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
          throw new IllegalStateException(ex);
        }
      }
    }
    return out;
  }

  /**
   * Camunda keeps a string variable in a 4000-character column and fails the transaction beyond it;
   * a longer output (a rendered command per node, a diff) is kept as UTF-8 bytes instead. The
   * evidence always has it in full, as text.
   */
  static Object processValue(Object v) {
    if (v instanceof String s && s.length() > MAX_STRING_VARIABLE) {
      return org.camunda.bpm.engine.variable.Variables.byteArrayValue(
          s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    return v;
  }

  static final int MAX_STRING_VARIABLE = 4000;

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }

  /**
   * How long a resume waits on each node for a command the step sent before the engine stopped.
   * Every remote command is killed at its own timeout, so this is reached only when a node keeps
   * one running past that (or the step's commands have timeouts longer than this).
   */
  static final java.time.Duration RESUME_WAIT = java.time.Duration.ofMinutes(10);

  /** A step must not run again blindly: the run stops for a person (a reconcile gate). */
  static final class ReconcileRequired extends RuntimeException {
    final String activityId;

    ReconcileRequired(String activityId, String message) {
      super(message);
      this.activityId = activityId;
    }
  }
}

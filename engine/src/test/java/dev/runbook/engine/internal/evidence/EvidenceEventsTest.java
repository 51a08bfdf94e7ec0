package dev.runbook.engine.internal.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.api.Decision;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.StepOutcome;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every event the journal writes reads back as the same event (issue 18: typed evidence). */
class EvidenceEventsTest {

  @TempDir Path home;

  @Test
  void everyEventTypeWrittenReadsBackEqual() throws Exception {
    Path runDir = home.resolve("runs/r1");
    List<RunEvent> written = new ArrayList<>();
    for (Class<? extends RunEvent> c : EvidenceEvents.TYPES.values()) {
      if (c != RunEvent.Checkpoint.class) { // the journal writes those itself, below
        written.add(sample(c));
      }
    }
    try (EvidenceJournal journal =
        EvidenceJournal.open(runDir, Redactor.NONE, EngineKey.loadOrCreate(home))) {
      for (RunEvent e : written) {
        journal.append(e);
      }
    }
    List<EvidenceEvents.Recorded> read = EvidenceEvents.read(runDir);
    List<RunEvent> events = read.stream().map(EvidenceEvents.Recorded::event).toList();
    // The signing journal adds its checkpoints after decisions and the end.
    assertThat(events.stream().filter(e -> !(e instanceof RunEvent.Checkpoint)).toList())
        .containsExactlyElementsOf(written);
    assertThat(events).anyMatch(e -> e instanceof RunEvent.Checkpoint);
    assertThat(read).extracting(EvidenceEvents.Recorded::seq).doesNotHaveDuplicates();
    assertThat(read).allMatch(r -> r.at() != null);
    // Field for field, the checkpoints too: what was written is what the event holds.
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> records = EvidenceReader.read(runDir);
    for (int i = 0; i < records.size(); i++) {
      ObjectNode fields = records.get(i).deepCopy();
      fields.remove(List.of("seq", "at", "type", "prev", "hash"));
      ObjectNode back = json.valueToTree(events.get(i));
      back.remove(
          back.properties().stream()
              .filter(f -> f.getValue().isNull())
              .map(Map.Entry::getKey)
              .toList());
      // As text: the journal writes every integer as a long, Jackson an int as an int.
      assertThat(json.readTree(back.toString()))
          .as(records.get(i).path("type").asText())
          .isEqualTo(json.readTree(fields.toString()));
    }
  }

  @Test
  void fieldsOfOtherVersionsAreIgnoredOrNull() throws Exception {
    ObjectMapper json = new ObjectMapper();
    RunEvent.RunResumed e =
        (RunEvent.RunResumed)
            EvidenceEvents.of(
                    json.readTree(
                        "{\"seq\":4,\"at\":\"2026-12-03T10:00:00Z\",\"type\":\"run.resumed\","
                            + "\"by\":\"alice\",\"since\":\"a later field\"}"))
                .event();
    assertThat(e.by()).isEqualTo("alice");
    RunEvent.RunEnded end =
        (RunEvent.RunEnded)
            EvidenceEvents.of(
                    json.readTree("{\"seq\":5,\"type\":\"run.ended\",\"outcome\":\"done\"}"))
                .event();
    assertThat(end.outcome()).isEqualTo("done");
    assertThat(end.by()).isNull();
    assertThatThrownBy(
            () -> EvidenceEvents.of(json.readTree("{\"seq\":6,\"type\":\"run.teleported\"}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("record 6 has an unknown type: run.teleported");
  }

  @Test
  void readableLeavesOutWhatCannotBeAnEventAndKeepsTheRest() throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> records =
        List.of(
            json.readTree("{\"seq\":1,\"type\":\"run.teleported\"}"),
            // A list where the event has a number: altered by hand.
            json.readTree("{\"seq\":2,\"type\":\"step.started\",\"attempt\":[1]}"),
            json.readTree(
                "{\"seq\":3,\"at\":\"yesterday\",\"type\":\"run.resumed\",\"by\":\"bob\"}"),
            json.readTree(
                "{\"seq\":4,\"at\":\"2026-12-03T10:00:00.000Z\",\"type\":\"run.resumed\","
                    + "\"by\":\"eve\"}"));

    List<EvidenceEvents.Recorded> read = EvidenceEvents.readable(records);

    assertThat(read)
        .containsExactly(
            new EvidenceEvents.Recorded(3, null, new RunEvent.RunResumed("bob")),
            new EvidenceEvents.Recorded(
                4,
                java.time.Instant.parse("2026-12-03T10:00:00Z"),
                new RunEvent.RunResumed("eve")));
    assertThat(read.get(1).atText()).isEqualTo("2026-12-03T10:00:00.000Z");
    assertThatThrownBy(() -> EvidenceEvents.of(records.get(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aStepOutcomeReadsByItsLabelAndOneUnknownReadsAsFailed() throws Exception {
    ObjectMapper json = new ObjectMapper();
    String record = "{\"seq\":7,\"type\":\"step.finished\",\"activityId\":\"Task_A\",\"outcome\":";
    for (StepOutcome o : StepOutcome.values()) {
      RunEvent.StepFinished f =
          (RunEvent.StepFinished)
              EvidenceEvents.of(json.readTree(record + "\"" + o.label() + "\"}")).event();
      assertThat(f.outcome()).isEqualTo(o);
      assertThat(json.valueToTree(f).path("outcome").asText()).isEqualTo(o.label());
    }
    assertThat(StepOutcome.ALREADY_DONE).hasToString("already-done");
    // Evidence of another version stays readable, and what it means is not taken as done.
    RunEvent.StepFinished later =
        (RunEvent.StepFinished) EvidenceEvents.of(json.readTree(record + "\"half-done\"}")).event();
    assertThat(later.outcome()).isEqualTo(StepOutcome.FAILED);
    RunEvent.StepFinished none =
        (RunEvent.StepFinished)
            EvidenceEvents.of(json.readTree(record.replace(",\"outcome\":", "}"))).event();
    assertThat(none.outcome()).isNull();
  }

  @Test
  void aGateDecisionReadsByItsLabelAndOneUnknownReadsAsExpired() throws Exception {
    ObjectMapper json = new ObjectMapper();
    String record = "{\"seq\":8,\"type\":\"gate.decision\",\"activityId\":\"Gate_A\",\"decision\":";
    for (Decision d : Decision.values()) {
      RunEvent.GateDecision e =
          (RunEvent.GateDecision)
              EvidenceEvents.of(json.readTree(record + "\"" + d.label() + "\"}")).event();
      assertThat(e.decision()).isEqualTo(d);
      assertThat(json.valueToTree(e).path("decision").asText()).isEqualTo(d.label());
    }
    assertThat(Decision.APPROVED).hasToString("approved");
    // No approval and no rejection: what such a record always counted as.
    RunEvent.GateDecision later =
        (RunEvent.GateDecision) EvidenceEvents.of(json.readTree(record + "\"deferred\"}")).event();
    assertThat(later.decision()).isEqualTo(Decision.EXPIRED);
  }

  /** An event with a value of its own in every component. */
  private static RunEvent sample(Class<? extends RunEvent> c) throws Exception {
    RecordComponent[] components = c.getRecordComponents();
    Class<?>[] types = new Class<?>[components.length];
    Object[] values = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      types[i] = components[i].getType();
      values[i] = value(components[i], i);
    }
    Constructor<? extends RunEvent> k = c.getDeclaredConstructor(types);
    return k.newInstance(values);
  }

  private static Object value(RecordComponent c, int i) {
    Class<?> t = c.getType();
    String name = c.getName();
    if (t == String.class) {
      // Digests as the journal keeps them: 64 hex characters.
      return name.equals("sha256") || name.endsWith("Sha256")
          ? "ab".repeat(32)
          : name + " it's \"quoted\"\nline " + i;
    }
    if (t == long.class) {
      return 1000L + i;
    }
    if (t == int.class) {
      return 10 + i;
    }
    if (t == boolean.class) {
      return true;
    }
    if (t.isEnum()) {
      Object[] constants = t.getEnumConstants();
      return constants[i % constants.length];
    }
    if (t == List.class) {
      return List.of(name + "-a", name + "-b");
    }
    if (t == Map.class) {
      boolean strings =
          c.getGenericType() instanceof ParameterizedType p
              && p.getActualTypeArguments()[1] == String.class;
      return strings ? Map.of("k", name) : Map.of("k", name, "n", List.of("x"));
    }
    throw new IllegalStateException("no sample for " + c + " of " + t);
  }
}

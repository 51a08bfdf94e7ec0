package dev.runbook.engine.internal.evidence;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.api.RunEvent;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The evidence read back as the events it was written from: each record of evidence.jsonl becomes
 * its {@link RunEvent} (named by the record's {@code type}) with the journal's envelope beside it.
 * Code that asks what a run did reads fields of types, not strings out of JSON trees.
 *
 * <p>Reading is lenient where evidence is old: a field an earlier version wrote and the event no
 * longer has is ignored, a field it did not write yet is null. What the journal writes today comes
 * back equal (EvidenceEventsTest writes and reads every event type).
 */
public final class EvidenceEvents {

  /** A record as written: its place in the chain, its time, and the event. */
  public record Recorded(long seq, Instant at, RunEvent event) {
    /** The time as the record has it (milliseconds, UTC). */
    public String atText() {
      return at == null ? null : EvidenceJournal.AT.format(at);
    }
  }

  private static final ObjectMapper READER =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  /** Every event type by its record type, from the sealed family itself: none can be missed. */
  static final Map<String, Class<? extends RunEvent>> TYPES = types();

  private EvidenceEvents() {}

  /**
   * Every record of the run as its event, in file order (a torn last line is skipped, as by {@link
   * EvidenceReader#read}).
   *
   * @throws java.nio.file.NoSuchFileException if the run has no evidence.jsonl
   * @throws IllegalArgumentException for a record of a type no event has
   */
  public static List<Recorded> read(Path runDir) throws IOException {
    return of(EvidenceReader.read(runDir));
  }

  /** {@code records} as events, in their order. */
  public static List<Recorded> of(List<JsonNode> records) {
    List<Recorded> out = new ArrayList<>(records.size());
    for (JsonNode r : records) {
      out.add(of(r));
    }
    return out;
  }

  /**
   * {@code records} as events, leaving out what cannot be one: a record of a type no event has, or
   * with a field of another shape than the event's (a record altered by hand), and taking a time
   * that does not parse as unknown. For readers that must still answer on damaged evidence (the
   * report, the summary it shares with {@code status}): the evidence check names the damage, and
   * before typed events these readers skipped such records too.
   */
  public static List<Recorded> readable(List<JsonNode> records) {
    List<Recorded> out = new ArrayList<>(records.size());
    for (JsonNode r : records) {
      Recorded e = readable(r);
      if (e != null) {
        out.add(e);
      }
    }
    return out;
  }

  /** One record as its event, or null when it cannot be one; see {@link #readable(List)}. */
  public static Recorded readable(JsonNode record) {
    Class<? extends RunEvent> c = TYPES.get(record.path("type").asText());
    if (c == null) {
      return null;
    }
    RunEvent event;
    try {
      event = READER.convertValue(fields(record), c);
    } catch (IllegalArgumentException e) {
      return null;
    }
    Instant at;
    try {
      at = record.hasNonNull("at") ? Instant.parse(record.path("at").asText()) : null;
    } catch (DateTimeParseException e) {
      at = null;
    }
    return new Recorded(record.path("seq").asLong(), at, event);
  }

  /** One record as its event. */
  public static Recorded of(JsonNode record) {
    String type = record.path("type").asText();
    Class<? extends RunEvent> c = TYPES.get(type);
    if (c == null) {
      throw new IllegalArgumentException(
          "evidence record " + record.path("seq").asLong() + " has an unknown type: " + type);
    }
    return new Recorded(
        record.path("seq").asLong(),
        record.hasNonNull("at") ? Instant.parse(record.path("at").asText()) : null,
        READER.convertValue(fields(record), c));
  }

  /** The event's own fields: the record without the journal's envelope. */
  private static ObjectNode fields(JsonNode record) {
    ObjectNode fields = record.deepCopy();
    fields.remove(List.of("seq", "at", "type", "prev", "hash"));
    return fields;
  }

  private static Map<String, Class<? extends RunEvent>> types() {
    Map<String, Class<? extends RunEvent>> types = new TreeMap<>();
    for (Class<?> c : RunEvent.class.getPermittedSubclasses()) {
      Class<? extends RunEvent> event = c.asSubclass(RunEvent.class);
      Class<? extends RunEvent> clash = types.put(blank(event).type(), event);
      if (clash != null) {
        throw new IllegalStateException(clash + " and " + event + " share a type");
      }
    }
    return Map.copyOf(types);
  }

  /** An instance with every component empty, to ask its {@code type()} (a constant per class). */
  private static RunEvent blank(Class<? extends RunEvent> c) {
    RecordComponent[] components = c.getRecordComponents();
    Class<?>[] types = new Class<?>[components.length];
    Object[] values = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      types[i] = components[i].getType();
      values[i] = empty(types[i]);
    }
    try {
      Constructor<? extends RunEvent> k = c.getDeclaredConstructor(types);
      return k.newInstance(values);
    } catch (NoSuchMethodException
        | InstantiationException
        | IllegalAccessException
        | InvocationTargetException e) {
      throw new IllegalStateException("cannot make an empty " + c.getSimpleName(), e);
    }
  }

  private static Object empty(Class<?> type) {
    if (type == boolean.class) {
      return false;
    }
    if (type == long.class) {
      return 0L;
    }
    if (type == int.class) {
      return 0;
    }
    if (type == double.class) {
      return 0.0;
    }
    // Some events copy their lists, which a null would fail.
    if (type == List.class) {
      return List.of();
    }
    if (type == Map.class) {
      return Map.of();
    }
    return null;
  }
}

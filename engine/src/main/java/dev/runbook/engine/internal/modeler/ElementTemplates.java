package dev.runbook.engine.internal.modeler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.Step;
import dev.runbook.engine.internal.plan.Nodes;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Camunda 7 element templates for steps, made from the steps themselves (bean name, effect, input
 * record and their {@link Doc}s) so they cannot drift from the code: one per step, applying to a
 * service task, binding it exactly as the engine needs ({@code delegateExpression}, {@code
 * asyncBefore}) and offering one input parameter per input record component plus {@code nodes},
 * with its default ({@link Doc#defaultValue()}) as the value and, when required, not empty.
 */
public final class ElementTemplates {

  public static final String SCHEMA =
      "https://unpkg.com/@camunda/element-templates-json-schema/resources/schema.json";

  /** The id prefix of every template; the step's bean name follows it. */
  public static final String ID_PREFIX = "dev.runbook.";

  static final String NODES_DOC =
      "Which inventory members the step runs on: all (the default), first, none, or member names"
          + " separated by commas.";

  private static final ObjectMapper JSON = new ObjectMapper();

  private ElementTemplates() {}

  /** One template per step, in the order given. */
  public static List<Map<String, Object>> of(Collection<? extends Step<?, ?>> steps) {
    List<Map<String, Object>> templates = new ArrayList<>();
    for (Step<?, ?> step : steps) {
      templates.add(template(step));
    }
    return templates;
  }

  /** The templates as the JSON array the Modeler loads, pretty-printed, ending in a newline. */
  public static String json(Collection<? extends Step<?, ?>> steps) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(of(steps)) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("element templates do not serialize", e);
    }
  }

  /**
   * What the steps leave undescribed, one line each naming the step and what to annotate; empty
   * when every step and every input has its {@link Doc}.
   */
  public static List<String> undescribed(Collection<? extends Step<?, ?>> steps) {
    List<String> missing = new ArrayList<>();
    for (Step<?, ?> step : steps) {
      if (step.getClass().getAnnotation(Doc.class) == null) {
        missing.add(
            "step " + step.name() + ": add @Doc(\"what it does\") to " + step.getClass().getName());
      }
      for (RecordComponent c : step.inputType().getRecordComponents()) {
        if (c.getAnnotation(Doc.class) == null) {
          missing.add(
              "step "
                  + step.name()
                  + ": input "
                  + c.getName()
                  + ": add @Doc(\"what it means\") to that component of "
                  + step.inputType().getName());
        }
      }
    }
    return missing;
  }

  static Map<String, Object> template(Step<?, ?> step) {
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("$schema", SCHEMA);
    t.put("id", ID_PREFIX + step.name());
    t.put("name", label(step.name()));
    t.put("description", description(step));
    t.put("version", 1);
    t.put("appliesTo", List.of("bpmn:ServiceTask"));
    List<Map<String, Object>> properties = new ArrayList<>();
    properties.add(hidden("camunda:delegateExpression", "${" + step.name() + "}"));
    // Every step runs as its own job: a crash resumes at the step, not before the process start.
    properties.add(hidden("camunda:asyncBefore", true));
    for (RecordComponent c : step.inputType().getRecordComponents()) {
      Doc doc = c.getAnnotation(Doc.class);
      properties.add(
          input(
              c.getName(),
              (doc == null ? "" : doc.value()) + typeHint(c.getType()),
              doc != null && doc.required(),
              doc == null ? "" : doc.defaultValue()));
    }
    properties.add(input(Nodes.INPUT, NODES_DOC, false, ""));
    t.put("properties", properties);
    return t;
  }

  private static String description(Step<?, ?> step) {
    Doc doc = step.getClass().getAnnotation(Doc.class);
    return (doc == null ? "" : doc.value() + " ") + "Effect: " + effect(step.effect()) + ".";
  }

  private static String effect(Effect effect) {
    return switch (effect) {
      case READ_ONLY -> "READ_ONLY (reads only; a resume runs it again)";
      case MUTATING -> "MUTATING (changes something; a resume asks its probe first)";
      case DESTRUCTIVE -> "DESTRUCTIVE (only after an approval gate)";
    };
  }

  /** The Modeler shows every input as text; a non-text input says what it must hold. */
  private static String typeHint(Class<?> type) {
    if (type == long.class || type == Long.class || type == int.class || type == Integer.class) {
      return " A whole number.";
    }
    if (type == boolean.class || type == Boolean.class) {
      return " true or false.";
    }
    return "";
  }

  private static Map<String, Object> hidden(String property, Object value) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("type", "Hidden");
    p.put("value", value);
    p.put("binding", binding("property", property));
    return p;
  }

  private static Map<String, Object> input(
      String name, String description, boolean required, String defaultValue) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("label", name);
    p.put("description", description.strip());
    p.put("type", "String");
    if (!defaultValue.isEmpty()) {
      // The Modeler pre-fills it, so a drawn task shows what the step would use anyway.
      p.put("value", defaultValue);
    }
    p.put("binding", binding("camunda:inputParameter", name));
    if (required) {
      p.put("constraints", Map.of("notEmpty", true));
    }
    return p;
  }

  private static Map<String, Object> binding(String type, String name) {
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("type", type);
    b.put("name", name);
    return b;
  }

  /** {@code etcdTakeSnapshot} reads as "Etcd take snapshot". */
  static String label(String beanName) {
    String words = beanName.replaceAll("(?<=[a-z0-9])(?=[A-Z])", " ").toLowerCase(Locale.ROOT);
    return Character.toUpperCase(words.charAt(0)) + words.substring(1);
  }
}

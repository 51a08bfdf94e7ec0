package dev.runbook.runbooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Step;
import dev.runbook.engine.internal.modeler.ElementTemplates;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputOutput;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputParameter;
import org.junit.jupiter.api.Test;

/**
 * The Camunda Modeler element templates made from the shipped pack: every step has one, every step
 * and input is described, every input a shipped runbook gives a step is offered by its template,
 * and the JSON is valid against the element-templates schema (vendored under
 * src/test/resources/element-templates, see its README).
 */
class ElementTemplatesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<Step<?, ?>> steps = new EtcdRunbookPack().steps();

  private JsonNode templates() throws IOException {
    return JSON.readTree(ElementTemplates.json(steps));
  }

  private static Map<String, JsonNode> byId(JsonNode templates) {
    Map<String, JsonNode> byId = new HashMap<>();
    templates.forEach(t -> byId.put(t.get("id").asText(), t));
    return byId;
  }

  @Test
  void everyStepAndEveryInputIsDescribed() {
    // A new step fails here until its class and each component of its input record carry @Doc.
    assertThat(ElementTemplates.undescribed(steps)).isEmpty();
  }

  @Test
  void everyStepHasATemplateBindingItAsTheEngineNeeds() throws IOException {
    Map<String, JsonNode> byId = byId(templates());
    assertThat(byId).hasSize(steps.size());
    for (Step<?, ?> step : steps) {
      JsonNode t = byId.get("dev.runbook." + step.name());
      assertThat(t).as(step.name()).isNotNull();
      assertThat(t.get("appliesTo").toString()).isEqualTo("[\"bpmn:ServiceTask\"]");
      assertThat(t.get("description").asText())
          .as(step.name())
          .endsWith("Effect: " + step.effect().name() + descriptionTail(step))
          .hasSizeGreaterThan(40);
      Map<String, JsonNode> props = properties(t);
      assertThat(props.get("property:camunda:delegateExpression").get("value").asText())
          .isEqualTo("${" + step.name() + "}");
      assertThat(props.get("property:camunda:delegateExpression").get("type").asText())
          .isEqualTo("Hidden");
      assertThat(props.get("property:camunda:asyncBefore").get("value").asBoolean()).isTrue();
      List<String> inputs = new ArrayList<>();
      for (var c : step.inputType().getRecordComponents()) {
        inputs.add(c.getName());
        JsonNode p = props.get("camunda:inputParameter:" + c.getName());
        assertThat(p).as(step.name() + "." + c.getName()).isNotNull();
        assertThat(p.get("description").asText()).as(step.name() + "." + c.getName()).isNotBlank();
      }
      assertThat(props).containsKey("camunda:inputParameter:nodes");
      assertThat(props.keySet().stream().filter(k -> k.startsWith("camunda:inputParameter:")))
          .hasSize(inputs.size() + 1);
    }
  }

  private static String descriptionTail(Step<?, ?> step) {
    return switch (step.effect()) {
      case READ_ONLY -> " (reads only; a resume runs it again).";
      case MUTATING -> " (changes something; a resume asks its probe first).";
      case DESTRUCTIVE -> " (only after an approval gate).";
    };
  }

  @Test
  void requiredInputsAreMarkedNotEmpty() throws IOException {
    Map<String, JsonNode> props = properties(byId(templates()).get("dev.runbook.etcdTakeSnapshot"));
    assertThat(props.get("camunda:inputParameter:source").at("/constraints/notEmpty").asBoolean())
        .isTrue();
    assertThat(props.get("camunda:inputParameter:nodes").has("constraints")).isFalse();
    Map<String, JsonNode> verify =
        properties(byId(templates()).get("dev.runbook.etcdVerifySnapshot"));
    assertThat(verify.get("camunda:inputParameter:expectSha256").has("constraints")).isFalse();
  }

  /**
   * Sample values that every shipped input record accepts, so one input at a time can be left out
   * against an otherwise valid task. By name where a record checks the shape, else by type.
   */
  private static String sample(RecordComponent c) {
    Class<?> type = c.getType();
    if (type == long.class || type == Long.class || type == int.class || type == Integer.class) {
      return "1";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true";
    }
    if (c.getName().equals("timeout")) {
      return "PT2M";
    }
    if (c.getName().equals("sha256")) {
      return "a".repeat(64);
    }
    if (c.getName().equals("memberId") || c.getName().equals("learnerId")) {
      return "8e9e05c52164694d"; // a member id is hex
    }
    return "/var/lib/runbook-sample";
  }

  /** Binds the inputs as the engine does (StepDelegate): Jackson, absent primitives are zero. */
  private static final ObjectMapper BIND =
      com.fasterxml.jackson.databind.json.JsonMapper.builder()
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(
              com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .build();

  /**
   * The code is the one source of truth and {@code @Doc} must tell it as it is: an input marked
   * required is refused by the step's record when the task leaves it out, an optional one is not,
   * and what the record makes of an absent optional input is its {@code defaultValue} (empty when
   * absent stays null or empty text).
   */
  @Test
  void docRequiredAndDefaultAgreeWithWhatTheRecordDoes() throws Exception {
    List<String> wrong = new ArrayList<>();
    int required = 0;
    int defaults = 0;
    for (Step<?, ?> step : steps) {
      RecordComponent[] components = step.inputType().getRecordComponents();
      Map<String, Object> all = new java.util.LinkedHashMap<>();
      for (RecordComponent c : components) {
        all.put(c.getName(), sample(c));
      }
      try {
        BIND.convertValue(all, step.inputType());
      } catch (IllegalArgumentException e) {
        wrong.add(step.name() + ": the samples are refused, fix sample(): " + e.getMessage());
        continue;
      }
      for (RecordComponent c : components) {
        Doc doc = c.getAnnotation(Doc.class);
        String where = step.name() + "." + c.getName();
        Map<String, Object> without = new java.util.LinkedHashMap<>(all);
        without.remove(c.getName());
        c.getAccessor().setAccessible(true); // the records are package-private
        Object bound;
        try {
          bound = c.getAccessor().invoke(BIND.convertValue(without, step.inputType()));
        } catch (IllegalArgumentException refused) {
          if (!doc.required()) {
            wrong.add(where + ": refused when absent, so @Doc must say required = true");
          }
          required++;
          continue;
        }
        if (doc.required()) {
          wrong.add(where + ": @Doc says required, but the record accepts it absent");
        }
        String effective = bound == null ? "" : String.valueOf(bound);
        if (!effective.equals(doc.defaultValue())) {
          wrong.add(
              where
                  + ": absent, the record makes it '"
                  + effective
                  + "' but @Doc(defaultValue) says '"
                  + doc.defaultValue()
                  + "'");
        }
        if (!effective.isEmpty()) {
          defaults++;
        }
      }
    }
    assertThat(wrong).isEmpty();
    // Guards against a pack change making the check above pass on nothing.
    assertThat(required).isGreaterThan(10);
    assertThat(defaults).isGreaterThan(3);
  }

  @Test
  void aDefaultIsThePropertysValue() throws IOException {
    Map<String, JsonNode> props = properties(byId(templates()).get("dev.runbook.remoteCheck"));
    assertThat(props.get("camunda:inputParameter:timeoutSeconds").get("value").asText())
        .isEqualTo("60");
    assertThat(props.get("camunda:inputParameter:template").has("value")).isFalse();
  }

  /** Properties keyed by binding: {@code type:name}. */
  private static Map<String, JsonNode> properties(JsonNode template) {
    Map<String, JsonNode> props = new HashMap<>();
    template
        .get("properties")
        .forEach(
            p ->
                props.put(
                    p.at("/binding/type").asText() + ":" + p.at("/binding/name").asText(), p));
    return props;
  }

  @Test
  void everyInputAShippedRunbookGivesAStepIsInItsTemplate() throws IOException {
    Map<String, JsonNode> byId = byId(templates());
    Set<String> missing = new TreeSet<>();
    int checked = 0;
    for (String resource : new EtcdRunbookPack().bpmnResources()) {
      BpmnModelInstance model;
      try (InputStream in = Files.newInputStream(Path.of("src/main/resources", resource))) {
        model = Bpmn.readModelFromStream(in);
      }
      for (ServiceTask task : model.getModelElementsByType(ServiceTask.class)) {
        String expr = task.getCamundaDelegateExpression();
        if (expr == null) {
          continue;
        }
        String bean = expr.replaceAll("^\\$\\{(.*)}$", "$1");
        JsonNode t = byId.get("dev.runbook." + bean);
        assertThat(t).as(resource + " " + task.getId() + " binds " + bean).isNotNull();
        Map<String, JsonNode> props = properties(t);
        for (CamundaInputOutput io :
            task.getExtensionElements()
                .getElementsQuery()
                .filterByType(CamundaInputOutput.class)
                .list()) {
          for (CamundaInputParameter in : io.getCamundaInputParameters()) {
            checked++;
            if (!props.containsKey("camunda:inputParameter:" + in.getCamundaName())) {
              missing.add(resource + " " + task.getId() + ": " + bean + "." + in.getCamundaName());
            }
          }
        }
      }
    }
    assertThat(missing).isEmpty();
    // Guards against a BPMN change making the check above pass on nothing.
    assertThat(checked).isGreaterThan(40);
  }

  @Test
  void theTemplatesAreValidAgainstTheElementTemplatesSchema() throws IOException {
    String schemaText;
    try (InputStream in = getClass().getResourceAsStream("/element-templates/schema.json")) {
      schemaText = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    Schema schema =
        SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7)
            .getSchema(schemaText, InputFormat.JSON);
    List<Error> errors = schema.validate(ElementTemplates.json(steps), InputFormat.JSON);
    assertThat(errors).isEmpty();
    // The schema does reject a broken template (the validator is not passing everything).
    String broken = ElementTemplates.json(steps).replaceFirst("\"bpmn:ServiceTask\"", "42");
    assertThat(schema.validate(broken, InputFormat.JSON)).isNotEmpty();
  }
}

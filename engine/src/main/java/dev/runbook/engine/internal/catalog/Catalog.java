package dev.runbook.engine.internal.catalog;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.RunbookInfo;
import dev.runbook.engine.api.RunbookPack;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.Documentation;
import org.camunda.bpm.model.bpmn.instance.FlowElement;
import org.camunda.bpm.model.bpmn.instance.Process;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperties;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperty;
import org.camunda.bpm.model.xml.instance.ModelElementInstance;

/**
 * The runbooks available: every BPMN file of the packs on the classpath, then those of {@code
 * --runbooks DIR} (which replace a shipped one with the same id). Reading them needs only the BPMN
 * model API, not the engine, so {@code list} answers fast.
 */
public final class Catalog {

  /** One runbook: its BPMN bytes and what was read from them. */
  public record Entry(String id, String source, byte[] bpmn, BpmnModelInstance model) {

    public Process process() {
      return model.getModelElementsByType(Process.class).iterator().next();
    }

    public RunbookInfo info() {
      Process p = process();
      return new RunbookInfo(
          id, p.getName() == null ? id : p.getName(), documentation(p), source, parameters());
    }

    /**
     * Parameters are declared on the process as camunda properties: {@code param.NAME} (its
     * documentation), {@code param.NAME.default} (present and empty: leaving it empty means "not
     * used"), {@code param.NAME.required}, {@code param.NAME.secret}, and its type ({@link
     * ParameterType}: {@code param.NAME.type}, {@code .min}, {@code .max}, {@code .pattern}).
     */
    public List<RunbookInfo.Parameter> parameters() {
      Map<String, String> props = properties(process());
      List<RunbookInfo.Parameter> params = new ArrayList<>();
      for (String name : parameterNames(props)) {
        String key = "param." + name;
        params.add(
            new RunbookInfo.Parameter(
                name,
                props.get(key),
                defaultOf(props, key),
                Boolean.parseBoolean(props.get(key + ".required")),
                Boolean.parseBoolean(props.get(key + ".secret")),
                spec(props, name)
                    .map(ParameterType.Spec::describe)
                    .orElse(props.get(key + ".type"))));
      }
      return params;
    }

    /**
     * Each parameter's type and bounds; a parameter whose {@code .type} is not a known word is
     * missing here (the lint reports it).
     */
    public Map<String, ParameterType.Spec> parameterSpecs() {
      Map<String, String> props = properties(process());
      Map<String, ParameterType.Spec> specs = new TreeMap<>();
      for (String name : parameterNames(props)) {
        spec(props, name).ifPresent(s -> specs.put(name, s));
      }
      return specs;
    }

    private static List<String> parameterNames(Map<String, String> props) {
      return props.keySet().stream()
          .filter(k -> k.startsWith("param.") && k.indexOf('.', 6) < 0)
          .map(k -> k.substring(6))
          .toList();
    }

    /** The model API reads {@code value=""} as no value; a declared empty default is "". */
    private static String defaultOf(Map<String, String> props, String key) {
      return props.containsKey(key + ".default")
          ? Objects.requireNonNullElse(props.get(key + ".default"), "")
          : null;
    }

    private static Optional<ParameterType.Spec> spec(Map<String, String> props, String name) {
      String key = "param." + name;
      return ParameterType.of(props.getOrDefault(key + ".type", "string"))
          .map(
              t ->
                  new ParameterType.Spec(
                      t,
                      props.get(key + ".min"),
                      props.get(key + ".max"),
                      props.get(key + ".pattern")));
    }
  }

  private final Map<String, Entry> entries;

  private Catalog(Map<String, Entry> entries) {
    this.entries = entries;
  }

  /** The runbook packs on the classpath. */
  public static List<RunbookPack> packs() {
    List<RunbookPack> packs = new ArrayList<>();
    ServiceLoader.load(RunbookPack.class).forEach(packs::add);
    return packs;
  }

  public static Catalog load(Collection<RunbookPack> packs, Path runbooksDir) {
    Map<String, Entry> entries = new TreeMap<>();
    for (RunbookPack pack : packs) {
      for (String resource : pack.bpmnResources()) {
        try (InputStream in = pack.getClass().getClassLoader().getResourceAsStream(resource)) {
          if (in == null) {
            throw new IllegalStateException("runbook pack resource missing: " + resource);
          }
          Entry e = parse("classpath:" + resource, in.readAllBytes());
          entries.put(e.id(), e);
        } catch (IOException ex) {
          throw new UncheckedIOException(ex);
        }
      }
    }
    if (runbooksDir != null) {
      if (!Files.isDirectory(runbooksDir)) {
        throw new BadInputException(
            "--runbooks " + runbooksDir + " is not a directory: give a directory of .bpmn files");
      }
      try (Stream<Path> files = Files.list(runbooksDir)) {
        for (Path f : files.filter(f -> f.toString().endsWith(".bpmn")).sorted().toList()) {
          Entry e = parse(f.toString(), Files.readAllBytes(f));
          entries.put(e.id(), e);
        }
      } catch (IOException ex) {
        throw new UncheckedIOException(ex);
      }
    }
    return new Catalog(entries);
  }

  public static Entry parse(String source, byte[] bytes) {
    BpmnModelInstance model;
    try {
      model = Bpmn.readModelFromStream(new ByteArrayInputStream(bytes));
    } catch (RuntimeException e) {
      throw new BadInputException(source + " is not a valid BPMN file: " + e.getMessage());
    }
    Collection<Process> processes = model.getModelElementsByType(Process.class);
    if (processes.size() != 1) {
      throw new BadInputException(
          source + " has " + processes.size() + " processes: a runbook file holds exactly one");
    }
    return new Entry(processes.iterator().next().getId(), source, bytes, model);
  }

  public List<Entry> entries() {
    return List.copyOf(entries.values());
  }

  public Entry get(String id) {
    Entry e = entries.get(id);
    if (e == null) {
      throw new BadInputException(
          "unknown runbook '"
              + id
              + "': known runbooks are "
              + entries.keySet()
              + " (runbook list)");
    }
    return e;
  }

  /** The text of an element's first {@code <documentation>}, stripped; "" when it has none. */
  public static String documentation(ModelElementInstance element) {
    if (element instanceof FlowElement fe) {
      return fe.getDocumentations().stream()
          .map(Documentation::getTextContent)
          .map(String::strip)
          .findFirst()
          .orElse("");
    }
    if (element instanceof Process p) {
      return p.getDocumentations().stream()
          .map(Documentation::getTextContent)
          .map(String::strip)
          .findFirst()
          .orElse("");
    }
    return "";
  }

  /** An element's camunda:properties as a map (later duplicates win). */
  public static Map<String, String> properties(org.camunda.bpm.model.bpmn.instance.BaseElement e) {
    Map<String, String> props = new TreeMap<>();
    if (e.getExtensionElements() == null) {
      return props;
    }
    for (CamundaProperties ps :
        e.getExtensionElements().getElementsQuery().filterByType(CamundaProperties.class).list()) {
      for (CamundaProperty p : ps.getCamundaProperties()) {
        props.put(p.getCamundaName(), p.getCamundaValue());
      }
    }
    return props;
  }
}

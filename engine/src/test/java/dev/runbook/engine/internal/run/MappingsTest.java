package dev.runbook.engine.internal.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.junit.jupiter.api.Test;

/** The mappings a home without history parses: Camunda's, less history and unused features. */
class MappingsTest {

  private static final Pattern MAPPER = Pattern.compile("entity/(\\w+)\\.xml");

  @Test
  void keepsTheRuntimeMappersInCamundasOrderAndDropsHistoryCmmnAndDmn() throws Exception {
    List<String> all;
    try (InputStream in =
        ProcessEngineConfigurationImpl.class
            .getClassLoader()
            .getResourceAsStream(ProcessEngineConfigurationImpl.DEFAULT_MYBATIS_MAPPING_FILE)) {
      all = mappers(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    List<String> kept;
    try (InputStream in = Mappings.withoutHistory()) {
      kept = mappers(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    assertThat(kept)
        .contains(
            "Commons",
            "Authorization",
            "Tenant",
            "Execution",
            "Job",
            "JobDefinition",
            "Task",
            "VariableInstance",
            "Incident",
            "ProcessDefinition",
            "Deployment",
            "Resource",
            "Property",
            "EventSubscription",
            "IdentityLink")
        .noneMatch(m -> m.startsWith("Historic") || m.startsWith("Case"))
        .noneMatch(m -> m.startsWith("Decision"));
    // Cross-references resolve because Camunda orders its files so: the kept ones keep that order.
    assertThat(all).containsSubsequence(kept);
    assertThat(kept.size()).isLessThan(all.size() / 2);
  }

  private static List<String> mappers(String xml) {
    Matcher m = MAPPER.matcher(xml);
    List<String> names = new java.util.ArrayList<>();
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }
}

package dev.runbook.engine.internal.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.internal.evidence.EvidenceEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The outputs a step reads back from another run ({@code StepContext.recorded}): its last done
 * finish, each output as text, numbers and structures as JSON writes them.
 */
class RecordedOutputsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<EvidenceEvents.Recorded> events(String... records) throws Exception {
    List<JsonNode> nodes = new ArrayList<>();
    for (String r : records) {
      nodes.add(JSON.readTree(r));
    }
    return EvidenceEvents.of(nodes);
  }

  @Test
  void theLastDoneFinishGivesItsOutputsAsText() throws Exception {
    List<EvidenceEvents.Recorded> events =
        events(
            "{\"seq\":1,\"type\":\"step.finished\",\"activityId\":\"Task_Backup\","
                + "\"outcome\":\"done\",\"outputs\":{\"sha256\":\"old\"}}",
            "{\"seq\":2,\"type\":\"step.finished\",\"activityId\":\"Task_Backup\","
                + "\"outcome\":\"done\",\"outputs\":{\"sha256\":\"ab12\",\"size\":4096,"
                + "\"ratio\":1.5,\"kept\":true,\"none\":null,\"nodes\":[\"cp-1\",\"cp-2\"],"
                + "\"per\":{\"cp-1\":3}}}",
            // A later failure and another step's finish do not count.
            "{\"seq\":3,\"type\":\"step.finished\",\"activityId\":\"Task_Backup\","
                + "\"outcome\":\"failed\",\"outputs\":{\"sha256\":\"bad\"}}",
            "{\"seq\":4,\"type\":\"step.finished\",\"activityId\":\"Task_Other\","
                + "\"outcome\":\"done\",\"outputs\":{\"sha256\":\"other\"}}");

    Map<String, String> outputs = StepContextImpl.doneOutputs(events, "Task_Backup");

    assertThat(outputs)
        .containsExactly(
            Map.entry("sha256", "ab12"),
            Map.entry("size", "4096"),
            Map.entry("ratio", "1.5"),
            Map.entry("kept", "true"),
            Map.entry("none", "null"),
            Map.entry("nodes", "[\"cp-1\",\"cp-2\"]"),
            Map.entry("per", "{\"cp-1\":3}"));
  }

  @Test
  void aStepThatNeverFinishedDoneHasNoOutputs() throws Exception {
    List<EvidenceEvents.Recorded> events =
        events(
            "{\"seq\":1,\"type\":\"step.finished\",\"activityId\":\"Task_Backup\","
                + "\"outcome\":\"failed\",\"outputs\":{}}",
            "{\"seq\":2,\"type\":\"step.finished\",\"activityId\":\"Task_Backup\","
                + "\"outcome\":\"done\"}");

    assertThat(StepContextImpl.doneOutputs(events.subList(0, 1), "Task_Backup")).isNull();
    assertThat(StepContextImpl.doneOutputs(events, "Task_Backup")).isEmpty();
  }
}

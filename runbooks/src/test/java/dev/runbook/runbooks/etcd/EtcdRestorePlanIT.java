package dev.runbook.runbooks.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.RunbookPlan;
import dev.runbook.lab.LabInstance;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden files: the probed plan of etcd-restore on the lab, for 1 and 3 members on etcd 3.4 and
 * 3.5, held in src/test/resources/golden. A change to any command template, step, runbook or the
 * lab shows here as a diff to review; {@code -Dgolden.update=true} rewrites the files (then read
 * the diff before committing it).
 */
class EtcdRestorePlanIT {

  // The fixture's own digest (sha256sum src/test/resources/snapshots/etcd-3.4-one-key.db): the
  // plan reads the snapshot and refuses one that is not the expected.
  static final Map<String, String> PARAMS =
      Map.of(
          "snapshot", "/tmp/runbook-golden/etcd-snapshot-lab.db",
          "expectSha256", "8b731b799c32570e4b0e94b28286208fc324fdd99df2946759a7fedaf76a3c75");

  @TempDir Path tmp;

  static Stream<Arguments> labs() {
    return Stream.of(
        Arguments.of("3.4", 1),
        Arguments.of("3.4", 3),
        Arguments.of("3.5", 1),
        Arguments.of("3.5", 3));
  }

  @ParameterizedTest(name = "etcd {0}, {1} member(s)")
  @MethodSource("labs")
  void theProbedPlanMatchesItsGoldenFile(String etcd, int members) throws Exception {
    snapshotOnTheEngineHost();
    try (LabInstance lab = LabInstance.up(members, etcd)) {
      EngineOptions options = EngineOptions.of(tmp.resolve("home"));
      RunbookPlan plan = RunbookEngine.plan(options, "etcd-restore", lab.inventory(), PARAMS, true);
      RunbookPlan again =
          RunbookEngine.plan(options, "etcd-restore", lab.inventory(), PARAMS, true);
      assertThat(again.sha256()).as("same inputs, same hash").isEqualTo(plan.sha256());
      String tool = etcd.equals("3.4") ? "etcdctl" : "etcdutl";
      assertThat(plan.markdown())
          .contains("| cp-1 | restore tool | " + tool + " |")
          .contains("| cp-1 | etcd-data hostPath | /var/lib/etcd |")
          .contains("+      path: /var/lib/etcd-restore-⟨run⟩")
          .doesNotContain("plan with --probe");
      // 3.4's etcdctl has no --bump-revision, so the plan (like the run) leaves it out.
      if (etcd.equals("3.4")) {
        assertThat(plan.markdown()).doesNotContain("--bump-revision '");
      } else {
        assertThat(plan.markdown()).contains("--bump-revision '1000000000'");
      }
      String name = "etcd-restore-" + etcd + "-" + members + ".md";
      String actual = normalize(plan.markdown());
      Path golden = Path.of("src/test/resources/golden", name);
      if (Boolean.getBoolean("golden.update")) {
        Files.writeString(golden, actual, StandardCharsets.UTF_8);
      }
      assertThat(golden).as("golden file " + golden + " (-Dgolden.update=true writes it)").exists();
      assertThat(actual).isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
    }
  }

  /**
   * The hash covers what the probe read, and each lab up makes new certificates only the hash sees;
   * the golden file holds everything a reviewer reads, with the hash lines masked. Each lab holds
   * the loopback block that was free when it came up (127.N.0.11, ...), so N is masked too.
   */
  static String normalize(String markdown) {
    return markdown
        .replaceAll("[0-9a-f]{64}", "<sha256>")
        .replaceAll("\\b127\\.\\d{1,3}\\.0\\.(1\\d)\\b", "127.⟨lab⟩.0.$1");
  }

  /**
   * The plan reads and binds the snapshot on the engine host, so it must exist: a small real one
   * (etcd 3.4, one key), at a fixed path so that the golden files name it.
   */
  private static void snapshotOnTheEngineHost() throws java.io.IOException {
    Path to = Path.of(PARAMS.get("snapshot"));
    java.nio.file.Files.createDirectories(to.getParent());
    Path part = java.nio.file.Files.createTempFile(to.getParent(), "snapshot", ".part");
    try (var in = EtcdRestorePlanIT.class.getResourceAsStream("/snapshots/etcd-3.4-one-key.db")) {
      java.nio.file.Files.copy(in, part, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    java.nio.file.Files.move(
        part,
        to,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}

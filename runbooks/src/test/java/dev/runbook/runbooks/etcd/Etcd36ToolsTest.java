package dev.runbook.runbooks.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.internal.template.RenderException;
import dev.runbook.engine.internal.template.TemplateRenderer;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tool detection and the restore command on an etcd 3.6 node, where {@code etcdctl snapshot
 * restore} is gone and only etcdutl restores. No package reachable here ships etcd 3.6, so the
 * node's tools are stand-ins replaying the recorded {@code --help} and {@code version} output in
 * src/test/resources/etcd-3.6 (each file's header says where its text comes from); the commands are
 * the real templates, rendered by the engine's renderer and run under {@code sh -c} with a PATH
 * holding only the stand-ins and the few system tools the commands call.
 */
class Etcd36ToolsTest {

  private static final String VERSION = "3.6.14";

  private final TemplateRenderer renderer = new TemplateRenderer(null);

  @TempDir Path tmp;
  private Path bin;
  private Path log;

  record Result(int exit, String stdout, String stderr) {}

  @BeforeEach
  void pathWithTheSystemToolsTheCommandsUse() throws IOException {
    bin = Files.createDirectory(tmp.resolve("bin"));
    log = tmp.resolve("calls.log");
    Files.writeString(log, "");
    for (String tool : List.of("sed", "grep", "head")) {
      executable(bin.resolve(tool), "#!/bin/sh\nexec /usr/bin/" + tool + " \"$@\"\n");
    }
  }

  @Test
  void anEtcd36NodeRestoresWithEtcdutlAndCanBumpTheRevision() throws Exception {
    install("etcd", "etcdctl", "etcdutl");

    Result r = run("detect-tools.ftl", Map.of());

    assertThat(r.exit()).as("exit (stderr: %s)", r.stderr()).isZero();
    assertThat(r.stderr()).isEmpty();
    assertThat(KeyValues.parse(r.stdout()))
        .containsEntry("etcd", bin.resolve("etcd").toString())
        .containsEntry("etcdctl", bin.resolve("etcdctl").toString())
        .containsEntry("etcdutl", bin.resolve("etcdutl").toString())
        .containsEntry("etcdctlVersion", VERSION)
        .containsEntry("etcdVersion", VERSION)
        .containsEntry("restoreTool", "etcdutl")
        .containsEntry("bumpRevision", "true")
        .containsEntry("markCompacted", "true");
  }

  @Test
  void theVersionComesFromEtcdctlWhenEtcdIsNotOnThePath() throws Exception {
    // kubeadm's etcd runs in its container: the node itself has only the client tools.
    install("etcdctl", "etcdutl");

    Map<String, String> keys = KeyValues.parse(run("detect-tools.ftl", Map.of()).stdout());

    assertThat(keys)
        .containsEntry("etcd", "")
        .containsEntry("etcdVersion", VERSION)
        .containsEntry("restoreTool", "etcdutl");
  }

  @Test
  void etcdctl36AloneIsRefusedNamingTheEtcdutlToInstallAndNothingElseRuns() throws Exception {
    install("etcd", "etcdctl");

    Result r = run("detect-tools.ftl", Map.of());

    assertThat(r.exit()).isEqualTo(1);
    Map<String, String> keys = KeyValues.parse(r.stdout());
    assertThat(keys)
        .containsEntry("etcdctl", bin.resolve("etcdctl").toString())
        .containsEntry("etcdutl", "")
        .containsEntry("etcdctlVersion", VERSION)
        .containsEntry("restoreTool", "")
        .containsEntry("bumpRevision", "false")
        .containsEntry("markCompacted", "false");
    // What is wrong and how to fix it, in the step's error (the command's stderr)...
    assertThat(r.stderr())
        .contains(
            bin.resolve("etcdctl") + " is etcdctl " + VERSION,
            "has no 'snapshot restore' (etcd 3.6 removed it from etcdctl",
            "install etcdutl " + VERSION + ", the same version as etcdctl, on this node");
    // ...and in the restore's preflight, which reads the same keys.
    assertThat(DetectTools.noRestoreTool(keys))
        .isEqualTo(
            bin.resolve("etcdctl")
                + " is etcdctl 3.6.14, which has no snapshot restore (etcd 3.6 removed it from"
                + " etcdctl; only etcdutl restores a snapshot), and there is no etcdutl on PATH:"
                + " install etcdutl 3.6.14, the same version as etcdctl, on this node");
    // Detection only asked: versions and help, nothing that writes.
    assertThat(Files.readAllLines(log))
        .containsExactly("etcdctl version", "etcd --version", "etcdctl snapshot restore --help");
  }

  @Test
  void theRestoreOfAMemberOn36UsesOnlyFlagsEtcdutl36HasAndBumpsWithMarkCompacted()
      throws Exception {
    install("etcdctl", "etcdutl");
    Map<String, String> tools = KeyValues.parse(run("detect-tools.ftl", Map.of()).stdout());
    Path snapshot = Files.writeString(tmp.resolve("etcd-restore-run1.db"), "snapshot");
    Path part = tmp.resolve("etcd-restore-run1.part");
    Inventory.Member a = member("cp-1", "10.0.0.1");
    Inventory inventory = inventory(a, member("cp-2", "10.0.0.2"), member("cp-3", "10.0.0.3"));
    Map<String, Object> model =
        RestoreMembers.restoreModel(
            tools.get("restoreTool"),
            tools.get(tools.get("restoreTool")),
            snapshot.toString(),
            part.toString(),
            a,
            inventory,
            "run1",
            1_000_000_000L);
    String command = renderer.render("commands/etcd/restore.ftl", model);
    assertThat(command)
        .contains("'" + bin.resolve("etcdutl") + "' snapshot restore")
        .doesNotContain("ETCDCTL_API", "--skip-hash-check");
    Files.writeString(log, "");

    Result r = sh(command);

    assertThat(r.exit()).as("exit (stderr: %s)", r.stderr()).isZero();
    assertThat(KeyValues.parse(r.stdout())).containsExactly(Map.entry("restored", part.toString()));
    assertThat(part.resolve("member/snap")).isDirectory();
    assertThat(Files.readAllLines(log))
        .containsExactly(
            "etcdutl snapshot restore "
                + snapshot
                + " --data-dir "
                + part
                + " --name cp-1"
                + " --initial-cluster"
                + " cp-1=https://10.0.0.1:2380,cp-2=https://10.0.0.2:2380,cp-3=https://10.0.0.3:2380"
                + " --initial-cluster-token etcd-restore-run1"
                + " --initial-advertise-peer-urls https://10.0.0.1:2380"
                + " --bump-revision 1000000000 --mark-compacted");
  }

  @Test
  void aRestoreToolThatExitsZeroWithoutRestoringFailsTheCommand() throws Exception {
    // etcdctl 3.6 answers `snapshot restore` with its usage and exit 0; were it ever chosen, the
    // command must fail rather than report a restore that wrote nothing.
    install("etcdctl");
    Path snapshot = Files.writeString(tmp.resolve("etcd-restore-run1.db"), "snapshot");
    Path part = tmp.resolve("etcd-restore-run1.part");
    Inventory.Member a = member("cp-1", "10.0.0.1");
    Map<String, Object> model =
        RestoreMembers.restoreModel(
            "etcdctl",
            bin.resolve("etcdctl").toString(),
            snapshot.toString(),
            part.toString(),
            a,
            inventory(a),
            "run1",
            0L);

    Result r = sh(renderer.render("commands/etcd/restore.ftl", model));

    assertThat(r.exit()).as("exit (stderr: %s)", r.stderr()).isEqualTo(4);
    assertThat(r.stdout()).doesNotContain("restored=");
    assertThat(r.stderr()).contains("wrote no member dir", "nothing was restored", "use etcdutl");
  }

  @Test
  void theRehearsalRestoreOn36NamesNeitherBumpNorMarkCompacted() throws Exception {
    install("etcdctl", "etcdutl");
    Path snapshotDir = Files.createDirectories(tmp.resolve("scratch/etcd-rehearsal-run1"));
    Files.writeString(snapshotDir.resolve("snapshot.db"), "snapshot");
    Scratch s = Scratch.of(tmp.resolve("scratch").toString(), "run1");
    assertThat(s.snapshot()).isEqualTo(snapshotDir.resolve("snapshot.db").toString());

    Result r =
        run(
            "restore.ftl",
            RehearsalRestore.restoreModel(
                "etcdutl", bin.resolve("etcdutl").toString(), s, "32380", "run1"));

    assertThat(r.exit()).as("exit (stderr: %s)", r.stderr()).isZero();
    assertThat(Path.of(s.dataDir()).resolve("member/wal")).isDirectory();
    assertThat(Files.readString(log)).doesNotContain("--bump-revision", "--mark-compacted");
  }

  @Test
  void aBumpAlwaysGoesWithMarkCompacted() {
    Map<String, Object> model =
        new HashMap<>(
            RehearsalRestore.restoreModel(
                "etcdutl", "/usr/local/bin/etcdutl", Scratch.of("/var/tmp", "r"), "32380", "r"));
    model.put("bumpRevision", 5L);
    // Without markCompacted: etcdutl 3.6 would refuse a lone --bump-revision, so it is not sent.
    assertThat(renderer.render("commands/etcd/restore.ftl", model))
        .contains("--bump-revision '5' \\\n  --mark-compacted >&2");

    model.put("markCompacted", false);
    assertThatThrownBy(() -> renderer.render("commands/etcd/restore.ftl", model))
        .isInstanceOf(RenderException.class)
        .hasMessageContaining("--bump-revision goes with --mark-compacted");
  }

  @Test
  void onlyEtcdctl36AndLaterLackSnapshotRestore() {
    assertThat(DetectTools.withoutSnapshotRestore("3.6.0")).isTrue();
    assertThat(DetectTools.withoutSnapshotRestore("3.6.14")).isTrue();
    assertThat(DetectTools.withoutSnapshotRestore("3.10.1")).isTrue();
    assertThat(DetectTools.withoutSnapshotRestore("4.0.0")).isTrue();
    assertThat(DetectTools.withoutSnapshotRestore("3.5.16")).isFalse();
    assertThat(DetectTools.withoutSnapshotRestore("3.4.23")).isFalse();
    assertThat(DetectTools.withoutSnapshotRestore("")).isFalse();
    // etcdctl 3.5 without etcdutl, or no tool at all: the general refusal, as before 3.6.
    assertThat(
            DetectTools.noRestoreTool(
                Map.of("etcdctl", "/usr/bin/etcdctl", "etcdutl", "", "etcdctlVersion", "3.5.16")))
        .isEqualTo("no etcdutl, and no etcdctl with snapshot restore, on PATH");
    assertThat(DetectTools.noRestoreTool(Map.of("etcdctl", "", "etcdutl", "")))
        .isEqualTo("no etcdutl, and no etcdctl with snapshot restore, on PATH");
  }

  // --- the stand-ins ------------------------------------------------------------------------

  /** Puts the 3.6 stand-ins for {@code tools} on the PATH. */
  private void install(String... tools) throws IOException, URISyntaxException {
    Path fixtures = Path.of(Etcd36ToolsTest.class.getResource("/etcd-3.6").toURI());
    String script = Files.readString(fixtures.resolve("fake-tool.sh"), UTF_8);
    for (String tool : tools) {
      executable(
          bin.resolve(tool),
          script
              .replace("@TOOL@", tool)
              .replace("@FIXTURES@", fixtures.toString())
              .replace("@LOG@", log.toString()));
    }
  }

  private static void executable(Path file, String text) throws IOException {
    Files.writeString(file, text, UTF_8);
    assertThat(file.toFile().setExecutable(true)).isTrue();
  }

  private static Inventory.Member member(String name, String ip) {
    return new Inventory.Member(
        name,
        ip,
        URI.create("https://" + ip + ":2379"),
        URI.create("https://" + ip + ":2380"),
        null);
  }

  private static Inventory inventory(Inventory.Member... members) {
    return new Inventory(null, "c", null, null, List.of(members), null, Map.of(), List.of());
  }

  // --- running commands ---------------------------------------------------------------------

  @SuppressWarnings("unchecked")
  private Result run(String template, Map<String, ?> model) throws Exception {
    return sh(renderer.render("commands/etcd/" + template, (Map<String, Object>) model));
  }

  /** {@code sh -c script} with only the stand-ins' dir as PATH; output through files. */
  private Result sh(String script) throws Exception {
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", script);
    pb.environment().keySet().removeIf(k -> k.startsWith("ETCD"));
    pb.environment().put("PATH", bin.toString());
    pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("sh -c finishes:\n%s", script).isTrue();
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }
}

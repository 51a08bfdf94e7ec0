package dev.runbook.runbooks.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.runbook.engine.internal.template.RenderException;
import dev.runbook.engine.internal.template.TemplateRenderer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node-side commands of the etcd-restore-rehearsal runbook (templates/commands/etcd), rendered
 * with the engine's renderer and run locally under {@code sh -c} against real etcd 3.4 and 3.5
 * binaries (3.4.23, 3.5.16 and 3.5.30, the lab's): a source etcd on 127.0.0.202 is snapshotted, the
 * snapshot restored and served by a throwaway etcd on 127.0.0.1, checked, and torn down.
 */
class RehearsalCommandsTest {

  private static final Path ETCD_34 = Path.of("/usr/bin");
  private static final Path ETCD_35 = Path.of("/var/cache/runbook-lab/etcd-3.5.16/usr/bin");
  private static final Path ETCD_3530 = Path.of("/var/cache/runbook-lab/etcd-3.5.30/usr/bin");
  private static final String SYSTEM_PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final String SOURCE_HOST = "127.0.0.202";
  private static final String MARKER_KEY = "/rehearsal/marker";

  /** Newlines (one trailing), quotes, a NUL and a byte that is not UTF-8: all must survive. */
  private static final byte[] MARKER_VALUE = {
    'r', 'u', 'n', '\'', 'x', '"', '\n', '$', '(', 'i', 'd', ')', 0, (byte) 0xff, ' ', '\n'
  };

  private static final int OTHER_KEYS = 97;
  private static final int ALL_KEYS = OTHER_KEYS + 3; // 2 namespaces and the marker
  private static final Pattern REVISION = Pattern.compile("\"revision\":(\\d+)");

  private final TemplateRenderer renderer = new TemplateRenderer(null);
  private final List<Process> processes = new ArrayList<>();
  private final List<Path> pidFiles = new ArrayList<>();

  @TempDir Path tmp;

  record Result(int exit, String stdout, String stderr) {
    Map<String, String> keys() {
      Map<String, String> keys = new LinkedHashMap<>();
      for (String line : stdout.split("\n")) {
        if (line.isEmpty()) {
          continue;
        }
        int eq = line.indexOf('=');
        assertThat(eq).as("stdout line '%s' is key=value", line).isPositive();
        assertThat(keys.put(line.substring(0, eq), line.substring(eq + 1)))
            .as("key %s printed once", line.substring(0, eq))
            .isNull();
      }
      return keys;
    }

    Result ok() {
      assertThat(exit).as("exit status (stderr: %s)", stderr).isZero();
      return this;
    }
  }

  @AfterEach
  void killEverythingStarted() throws IOException {
    for (Process p : processes) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    for (Path pidFile : pidFiles) {
      if (Files.exists(pidFile)) {
        String pid = Files.readString(pidFile).strip();
        if (pid.matches("\\d+")) {
          ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
    }
  }

  @Test
  void rehearsalWithEtcd34() throws Exception {
    rehearse(ETCD_34, "3.4.23", "etcdctl", false, null);
  }

  @Test
  void rehearsalWithEtcd35BumpsTheRevision() throws Exception {
    rehearse(ETCD_35, "3.5.16", "etcdutl", true, 1000L);
  }

  @Test
  void rehearsalWithEtcd3530BumpsTheRevision() throws Exception {
    rehearse(ETCD_3530, "3.5.30", "etcdutl", true, 1000L);
  }

  private void rehearse(
      Path bin, String version, String restoreTool, boolean canBump, Long bumpRevision)
      throws Exception {
    requireEtcd(bin);
    Path snapshot = tmp.resolve("source.db");
    long sourceRevision = sourceSnapshot(bin, snapshot);

    Map<String, String> tools = run(bin, "detect-tools.ftl", Map.of()).ok().keys();
    assertThat(tools)
        .containsEntry("etcd", bin.resolve("etcd").toString())
        .containsEntry("etcdctl", bin.resolve("etcdctl").toString())
        .containsEntry("etcdVersion", version)
        .containsEntry("restoreTool", restoreTool)
        .containsEntry("bumpRevision", String.valueOf(canBump))
        .containsEntry("markCompacted", String.valueOf(canBump));

    Map<String, String> free =
        run(bin, "free-ports.ftl", Map.of("avoid", List.of(2379, 2380), "count", 2)).ok().keys();
    List<Integer> ports =
        Arrays.stream(free.get("ports").split(",")).map(Integer::valueOf).toList();
    assertThat(ports).hasSize(2).doesNotHaveDuplicates().allMatch(p -> p >= 32379 && p <= 32999);
    int clientPort = ports.get(0);
    int peerPort = ports.get(1);
    String peerUrl = "http://127.0.0.1:" + peerPort;

    Path scratch = Files.createDirectory(tmp.resolve("etcd-rehearsal-" + version));
    Path dataDir = scratch.resolve("data");
    Map<String, Object> restore = new HashMap<>();
    restore.put("tool", tools.get("restoreTool"));
    restore.put("toolPath", tools.get(restoreTool));
    restore.put("snapshot", snapshot.toString());
    restore.put("dataDir", dataDir.toString());
    restore.put("name", "rehearsal");
    restore.put("initialCluster", "rehearsal=" + peerUrl);
    restore.put("peerUrl", peerUrl);
    restore.put("token", "rehearsal-token");
    restore.put("bumpRevision", bumpRevision);
    restore.put("markCompacted", true);
    assertThat(run(bin, "restore.ftl", restore).ok().keys())
        .containsExactly(Map.entry("restored", dataDir.toString()));
    assertThat(dataDir.resolve("member")).isDirectory();

    Path pidFile = scratch.resolve("etcd.pid");
    pidFiles.add(pidFile);
    Map<String, String> started =
        run(
                bin,
                "throwaway-start.ftl",
                Map.of(
                    "etcd", tools.get("etcd"),
                    "dataDir", dataDir.toString(),
                    "name", "rehearsal",
                    "clientPort", clientPort,
                    "peerPort", peerPort,
                    "logFile", scratch.resolve("etcd.log").toString(),
                    "pidFile", pidFile.toString()))
            .ok()
            .keys();
    String endpoint = "http://127.0.0.1:" + clientPort;
    assertThat(started).containsOnlyKeys("pid", "endpoint").containsEntry("endpoint", endpoint);
    long pid = Long.parseLong(started.get("pid"));
    assertThat(Files.readString(pidFile).strip()).isEqualTo(started.get("pid"));
    assertThat(alive(pid)).isTrue();
    assertThat(listening(pid))
        .as("the throwaway listens on loopback only, without a metrics listener")
        .containsExactlyInAnyOrder("127.0.0.1:" + clientPort, "127.0.0.1:" + peerPort);

    Map<String, String> check =
        run(
                bin,
                "throwaway-check.ftl",
                Map.of(
                    "etcdctl", tools.get("etcdctl"), "endpoint", endpoint, "markerKey", MARKER_KEY))
            .ok()
            .keys();
    long expectedRevision = sourceRevision + (bumpRevision == null ? 0 : bumpRevision);
    assertThat(check)
        .containsEntry("healthy", "true")
        .containsEntry("revision", String.valueOf(expectedRevision))
        .containsEntry("keys", String.valueOf(ALL_KEYS))
        .containsEntry("namespaces", "2")
        .containsEntry("markerFound", "true");
    assertThat(Base64.getDecoder().decode(check.get("marker"))).isEqualTo(MARKER_VALUE);

    // A marker key that reads like options is a key: "get -marker" would be refused as the
    // shorthand flags -m -a -r..., and "--prefix" would leave get without a key.
    sh(
            pathFor(bin),
            "ETCDCTL_API=3 etcdctl --endpoints " + endpoint + " put -- -marker dashed >/dev/null",
            null)
        .ok();
    Map<String, String> dashed =
        run(
                bin,
                "throwaway-check.ftl",
                Map.of(
                    "etcdctl", tools.get("etcdctl"), "endpoint", endpoint, "markerKey", "-marker"))
            .ok()
            .keys();
    assertThat(dashed).containsEntry("markerFound", "true");
    assertThat(Base64.getDecoder().decode(dashed.get("marker")))
        .isEqualTo("dashed".getBytes(UTF_8));
    assertThat(
            run(
                    bin,
                    "throwaway-check.ftl",
                    Map.of(
                        "etcdctl",
                        tools.get("etcdctl"),
                        "endpoint",
                        endpoint,
                        "markerKey",
                        "--prefix"))
                .ok()
                .keys())
        .containsEntry("markerFound", "false");

    Map<String, String> stopModel =
        Map.of(
            "pidFile", pidFile.toString(),
            "dataDir", dataDir.toString(),
            "scratchDir", scratch.toString());
    assertThat(run(bin, "throwaway-stop.ftl", stopModel).ok().keys())
        .containsExactly(
            Map.entry("stopped", String.valueOf(pid)), Map.entry("removed", scratch.toString()));
    assertThat(alive(pid)).as("throwaway etcd %d is gone", pid).isFalse();
    assertThat(scratch).doesNotExist();
    assertThat(run(bin, "throwaway-stop.ftl", stopModel).ok().keys())
        .containsExactly(Map.entry("stopped", "already"), Map.entry("removed", "already"));
  }

  @Test
  void throwawayStartFailsWithTheLogTailAndLeavesNothingRunning() throws Exception {
    Path scratch = Files.createDirectories(tmp.resolve("etcd-rehearsal-busy"));
    Path dataDir = Files.createDirectories(scratch.resolve("data/member"));
    Path pidFile = scratch.resolve("etcd.pid");
    pidFiles.add(pidFile);
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Result result =
          run(
              ETCD_34,
              "throwaway-start.ftl",
              Map.of(
                  "etcd", ETCD_34.resolve("etcd").toString(),
                  "dataDir", dataDir.getParent().toString(),
                  "name", "rehearsal",
                  "clientPort", taken.getLocalPort(),
                  "peerPort", freePorts("127.0.0.1", 1)[0],
                  "logFile", scratch.resolve("etcd.log").toString(),
                  "pidFile", pidFile.toString()));

      assertThat(result.exit()).isEqualTo(1);
      assertThat(result.stdout()).isEmpty();
      assertThat(result.stderr())
          .contains("did not become healthy", "address already in use", "did not start");
      assertThat(pidFile).doesNotExist();
      try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
        assertThat(
                all.filter(ProcessHandle::isAlive)
                    .map(h -> h.info().commandLine().orElse(""))
                    .filter(c -> c.contains(dataDir.getParent().toString())))
            .isEmpty();
      }
    }
  }

  @Test
  void restoreRefusesAnExistingDataDirAndLeavesItAlone() throws Exception {
    Path dataDir = Files.createDirectories(tmp.resolve("etcd-rehearsal-x/data"));
    Files.writeString(dataDir.resolve("keep"), "precious");
    Map<String, Object> model = new HashMap<>();
    model.put("tool", "etcdctl");
    model.put("toolPath", ETCD_34.resolve("etcdctl").toString());
    model.put("snapshot", tmp.resolve("no-such-snapshot.db").toString());
    model.put("dataDir", dataDir.toString());
    model.put("name", "rehearsal");
    model.put("initialCluster", "rehearsal=http://127.0.0.1:32380");
    model.put("peerUrl", "http://127.0.0.1:32380");
    model.put("token", "t");

    Result result = run(ETCD_34, "restore.ftl", model);

    assertThat(result.exit()).isEqualTo(3);
    assertThat(result.stdout()).isEmpty();
    assertThat(result.stderr())
        .contains("refusing to restore into existing dir", dataDir.toString());
    try (Stream<Path> files = Files.list(dataDir)) {
      assertThat(files).containsExactly(dataDir.resolve("keep"));
    }
    assertThat(Files.readString(dataDir.resolve("keep"))).isEqualTo("precious");
  }

  @Test
  void restoreRendersOnlyTheFlagsAsked() {
    Map<String, Object> model = new HashMap<>();
    model.put("tool", "etcdutl");
    model.put("toolPath", "/usr/local/bin/etcdutl");
    model.put("snapshot", "/var/tmp/s.db");
    model.put("dataDir", "/var/lib/etcd-new");
    model.put("name", "a");
    model.put("initialCluster", "a=https://10.0.0.1:2380,b=https://10.0.0.2:2380");
    model.put("peerUrl", "https://10.0.0.1:2380");
    model.put("token", "tok");
    assertThat(renderer.render("commands/etcd/restore.ftl", model))
        .contains("'/usr/local/bin/etcdutl' snapshot restore '/var/tmp/s.db'")
        .doesNotContain("ETCDCTL_API", "--bump-revision", "--mark-compacted", "--skip-hash-check");

    model.put("bumpRevision", 1000000000L);
    model.put("markCompacted", true);
    assertThat(renderer.render("commands/etcd/restore.ftl", model))
        .contains("--bump-revision '1000000000' \\\n  --mark-compacted");

    model.put("tool", "etcdctl");
    model.put("toolPath", "/usr/bin/etcdctl");
    model.remove("bumpRevision");
    assertThat(renderer.render("commands/etcd/restore.ftl", model))
        .contains("ETCDCTL_API=3 '/usr/bin/etcdctl' snapshot restore")
        .doesNotContain("--mark-compacted");

    model.put("tool", "etcdadm");
    assertThatThrownBy(() -> renderer.render("commands/etcd/restore.ftl", model))
        .isInstanceOf(RenderException.class)
        .hasMessageContaining("tool must be etcdutl or etcdctl");
  }

  @Test
  void stopRefusesAScratchDirNotNamedEtcdRehearsal() throws Exception {
    Path scratch = Files.createDirectories(tmp.resolve("var-lib-etcd"));
    Files.writeString(scratch.resolve("keep"), "precious");
    Process sleep = sleep();

    Result result =
        run(
            ETCD_34,
            "throwaway-stop.ftl",
            Map.of(
                "pidFile", writePidFile(sleep.pid()).toString(),
                "dataDir", scratch.resolve("data").toString(),
                "scratchDir", scratch.toString()));

    assertThat(result.exit()).isEqualTo(2);
    assertThat(result.stdout()).isEmpty();
    assertThat(result.stderr()).contains("refusing", "etcd-rehearsal-*");
    assertThat(scratch.resolve("keep")).hasContent("precious");
    assertThat(sleep.isAlive()).isTrue();
  }

  @Test
  void stopDoesNotKillAProcessThatIsNotTheThrowawayEtcd() throws Exception {
    Path scratch = Files.createDirectories(tmp.resolve("etcd-rehearsal-abc"));
    Process sleep = sleep();

    Result result =
        run(
                ETCD_34,
                "throwaway-stop.ftl",
                Map.of(
                    "pidFile", writePidFile(sleep.pid()).toString(),
                    "dataDir", scratch.resolve("data").toString(),
                    "scratchDir", scratch.toString()))
            .ok();

    assertThat(sleep.isAlive()).isTrue();
    assertThat(result.stderr()).contains("pid " + sleep.pid(), "not killing it");
    assertThat(result.keys())
        .containsExactly(Map.entry("stopped", "already"), Map.entry("removed", scratch.toString()));
  }

  @Test
  void freePortsSkipsListenersAndTheAvoidList() throws Exception {
    // Hold every port of the range but three: two are avoided, one is left.
    List<ServerSocket> held = new ArrayList<>();
    try {
      InetAddress loopback = InetAddress.getByName("127.0.0.1");
      for (int port = 32379; port <= 32999; port++) {
        if (port != 32500 && port != 32501 && port != 32502) {
          try {
            held.add(new ServerSocket(port, 1, loopback));
          } catch (IOException inUse) {
            // somebody else has it: just as good
          }
        }
      }
      assertThat(
              run(ETCD_34, "free-ports.ftl", Map.of("avoid", List.of(32500, 32502), "count", 1))
                  .ok()
                  .keys())
          .containsExactly(Map.entry("ports", "32501"));
      Result tooFew =
          run(ETCD_34, "free-ports.ftl", Map.of("avoid", List.of(32500, 32502), "count", 2));
      assertThat(tooFew.exit()).isEqualTo(1);
      assertThat(tooFew.stderr()).contains("only 1 of 2");
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
  }

  @Test
  void detectToolsFailsNamingWhatToInstallWhenThereIsNoRestoreTool() throws Exception {
    Path bin = Files.createDirectory(tmp.resolve("bin"));
    for (String tool : List.of("sed", "grep", "head")) {
      Path wrapper = bin.resolve(tool);
      Files.writeString(wrapper, "#!/bin/sh\nexec /usr/bin/" + tool + " \"$@\"\n");
      wrapper.toFile().setExecutable(true);
    }

    Result result = runOnPath(bin.toString(), "detect-tools.ftl", Map.of());

    assertThat(result.exit()).isEqualTo(1);
    assertThat(result.keys())
        .containsEntry("etcd", "")
        .containsEntry("etcdctl", "")
        .containsEntry("etcdutl", "")
        .containsEntry("restoreTool", "")
        .containsEntry("bumpRevision", "false");
    assertThat(result.stderr()).contains("install etcdutl");
  }

  // --- the source cluster -------------------------------------------------------------------

  /**
   * Starts a source etcd on 127.0.0.202, fills it, saves a snapshot and stops it.
   *
   * @return the source's revision when the snapshot was saved
   */
  private long sourceSnapshot(Path bin, Path snapshot) throws Exception {
    int[] ports = freePorts(SOURCE_HOST, 2);
    String client = "http://" + SOURCE_HOST + ":" + ports[0];
    String peer = "http://" + SOURCE_HOST + ":" + ports[1];
    Path log = tmp.resolve("source.log");
    Process source =
        new ProcessBuilder(
                bin.resolve("etcd").toString(),
                "--name",
                "source",
                "--data-dir",
                tmp.resolve("source").toString(),
                "--listen-client-urls",
                client,
                "--advertise-client-urls",
                client,
                "--listen-peer-urls",
                peer,
                "--initial-advertise-peer-urls",
                peer,
                "--initial-cluster",
                "source=" + peer)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(log.toFile())
            .redirectErrorStream(true)
            .start();
    processes.add(source);

    String ctl = "ETCDCTL_API=3 etcdctl --endpoints " + client + " ";
    sh(
            pathFor(bin),
            "i=0; until "
                + ctl
                + "endpoint health >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 100 ] || exit 1;"
                + " sleep 0.1; done",
            null)
        .ok();
    sh(
            pathFor(bin),
            ctl
                + "put /registry/namespaces/default d >/dev/null && "
                + ctl
                + "put /registry/namespaces/kube-system k >/dev/null && "
                + "i=0; while [ $i -lt "
                + OTHER_KEYS
                + " ]; do "
                + ctl
                + "put /registry/pods/default/pod-$i v$i >/dev/null || exit 1; i=$((i+1)); done",
            null)
        .ok();
    sh(pathFor(bin), ctl + "put " + MARKER_KEY + " >/dev/null", MARKER_VALUE).ok();
    String status = sh(pathFor(bin), ctl + "endpoint status -w json", null).ok().stdout();
    Matcher revision = REVISION.matcher(status);
    assertThat(revision.find()).as("revision in %s", status).isTrue();
    sh(pathFor(bin), ctl + "snapshot save " + snapshot + " >/dev/null", null).ok();

    source.destroy();
    assertThat(source.waitFor(10, TimeUnit.SECONDS)).as("source etcd stops").isTrue();
    return Long.parseLong(revision.group(1));
  }

  private static int[] freePorts(String host, int count) throws IOException {
    ServerSocket[] sockets = new ServerSocket[count];
    int[] ports = new int[count];
    try {
      for (int i = 0; i < count; i++) {
        sockets[i] = new ServerSocket(0, 1, InetAddress.getByName(host));
        ports[i] = sockets[i].getLocalPort();
      }
    } finally {
      for (ServerSocket s : sockets) {
        if (s != null) {
          s.close();
        }
      }
    }
    return ports;
  }

  // --- running commands ---------------------------------------------------------------------

  private static void requireEtcd(Path bin) {
    for (String tool : List.of("etcd", "etcdctl")) {
      if (!Files.isExecutable(bin.resolve(tool))) {
        fail(
            bin.resolve(tool)
                + " is missing: this test needs the etcd binaries there (the lab's etcd cache)");
      }
    }
  }

  /** PATH finding the tools in {@code bin} first. */
  private static String pathFor(Path bin) {
    return bin + ":" + SYSTEM_PATH;
  }

  private Result run(Path bin, String template, Map<String, ?> model) throws Exception {
    return runOnPath(pathFor(bin), template, model);
  }

  @SuppressWarnings("unchecked")
  private Result runOnPath(String path, String template, Map<String, ?> model) throws Exception {
    String script = renderer.render("commands/etcd/" + template, (Map<String, Object>) model);
    return sh(path, script, null);
  }

  /**
   * Runs {@code sh -c script} with exactly {@code path} as PATH, as the SSH step would: stdout and
   * stderr are pipes read to their end, so a background process that keeps them open makes this
   * fail instead of hang.
   */
  private Result sh(String path, String script, byte[] stdin) throws Exception {
    var pb = new ProcessBuilder("sh", "-c", script);
    pb.environment().keySet().removeIf(k -> k.startsWith("ETCD"));
    pb.environment().put("PATH", path);
    if (stdin == null) {
      pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    }
    Process p = pb.start();
    processes.add(p);
    if (stdin != null) {
      try (var in = p.getOutputStream()) {
        in.write(stdin);
      }
    }
    CompletableFuture<String> out =
        CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
    CompletableFuture<String> err =
        CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    Duration limit = Duration.ofSeconds(60);
    if (!p.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
      fail("sh -c did not finish within " + limit + ":\n" + script);
    }
    try {
      return new Result(
          p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError(
          "sh -c ended but its stdout/stderr stayed open (a background process without"
              + " redirections?):\n"
              + script,
          e);
    }
  }

  private static String readAll(InputStream in) {
    try (in) {
      var buffer = new ByteArrayOutputStream();
      in.transferTo(buffer);
      return buffer.toString(UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Process sleep() throws IOException {
    Process sleep = new ProcessBuilder("sleep", "60").start();
    processes.add(sleep);
    return sleep;
  }

  private Path writePidFile(long pid) throws IOException {
    return Files.writeString(tmp.resolve("other.pid"), pid + "\n");
  }

  /** The local addresses {@code pid} listens on (TCP), from {@code ss -Htlnp}. */
  private List<String> listening(long pid) throws Exception {
    Result ss = sh(SYSTEM_PATH, "ss -Htlnp", null).ok();
    return ss.stdout()
        .lines()
        .filter(line -> line.contains("pid=" + pid + ","))
        .map(line -> line.trim().split("\\s+")[3])
        .toList();
  }

  /** Alive: in /proc and not a zombie (nobody may reap an orphan here). */
  private static boolean alive(long pid) throws IOException {
    Path stat = Path.of("/proc", String.valueOf(pid), "stat");
    if (!Files.exists(stat)) {
      return false;
    }
    try {
      String s = Files.readString(stat);
      return s.charAt(s.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException gone) {
      return false;
    }
  }
}

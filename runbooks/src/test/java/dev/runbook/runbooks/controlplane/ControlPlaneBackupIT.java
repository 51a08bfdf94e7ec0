package dev.runbook.runbooks.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.Identity;
import dev.runbook.engine.api.Reports;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.RunbookPlan;
import dev.runbook.engine.api.Runs;
import dev.runbook.lab.LabInstance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * control-plane-backup on a 3-member lab: one archive per node that openssl and tar open to the
 * node's own bytes, a manifest that matches the node, a wrong key and a damaged archive told apart,
 * a certificate near its end a warning and past the failure threshold a failed run, and no private
 * key anywhere in evidence, console or report. cp-2 carries a front-proxy client certificate that
 * ends in 10 days.
 */
class ControlPlaneBackupIT {

  static final ObjectMapper JSON = new ObjectMapper();
  static final String NEAR = "/etc/kubernetes/pki/front-proxy-client.crt";
  static LabInstance lab;
  @TempDir static Path tmp;
  static Path key;

  @BeforeAll
  static void up() throws Exception {
    lab = LabInstance.up(3, "3.5");
    key = Openssl.keyFile(tmp, "archive.key");
    Path pki = lab.nodePath(2, "/etc/kubernetes/pki");
    Openssl.cert(pki, "front-proxy-client", "/CN=front-proxy-client", "DNS:front-proxy", 10);
  }

  @AfterAll
  static void down() {
    lab.close();
  }

  /** What the console got: every event, notice and output line the engine gave its listener. */
  static final class Console implements RunListener {
    final StringBuilder text = new StringBuilder();
    final List<String> notices = new ArrayList<>();

    @Override
    public synchronized void event(RunEvent event) {
      text.append(event).append('\n');
    }

    @Override
    public synchronized void output(String node, boolean stderr, String line) {
      text.append(node).append("| ").append(line).append('\n');
    }

    @Override
    public synchronized void notice(String message) {
      notices.add(message);
      text.append(message).append('\n');
    }
  }

  private RunOutcome run(Path home, Console console, Map<String, String> params) {
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home).withListener(console))) {
      return engine.start(
          "control-plane-backup",
          lab.inventory(),
          params,
          "alice",
          null,
          new Identity.KeyFile(lab.people().resolve("alice"), null));
    }
  }

  @Test
  void everyNodeIsArchivedAsOnTheNodeAndOpensWithOpensslWhileNoKeyLeaks() throws Exception {
    Path home = tmp.resolve("home-done");
    Path backups = tmp.resolve("backups");
    Console console = new Console();
    RunOutcome done =
        run(home, console, Map.of("backupDir", backups.toString(), "keyFile", key.toString()));
    assertThat(done.state()).as(done.message() + "\n" + console.text).isEqualTo(RunState.DONE);
    assertThat(Runs.verify(home, done.runId()).ok()).isTrue();

    JsonNode archived = outputs(home, done.runId(), "Task_ArchiveControlPlaneFiles");
    Map<String, Path> archives = new LinkedHashMap<>();
    structure(archived.path("archives"))
        .fields()
        .forEachRemaining(f -> archives.put(f.getKey(), Path.of(f.getValue().asText())));
    assertThat(archives).as(archived.toString()).containsOnlyKeys("cp-1", "cp-2", "cp-3");
    try (Stream<Path> files = Files.list(backups)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tar.enc")))
          .hasSize(3)
          .allMatch(n -> n.startsWith("control-plane-lab-cp-") && n.contains(done.runId()));
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(backups)))
        .isEqualTo("rwx------");

    for (int n = 1; n <= 3; n++) {
      Path archive = archives.get("cp-" + n);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(archive)))
          .isEqualTo("rw-------");
      assertThat(structure(archived.path("sha256")).path("cp-" + n).asText())
          .isEqualTo(ArchiveCipher.sha256(Files.readAllBytes(archive)));
      Openssl.check(backups, List.of("sha256sum", "-c", archive.getFileName() + ".sha256"));
      Path out = Files.createDirectories(tmp.resolve("opened-cp-" + n));
      Path tar = out.resolve("archive.tar");
      Openssl.check(out, Openssl.decrypt(archive, key, tar));
      Openssl.check(out, List.of("tar", "-xpf", tar.toString(), "--numeric-owner"));
      JsonNode manifest = JSON.readTree(out.resolve(ControlPlaneArchive.MANIFEST).toFile());
      assertThat(manifest.path("node").asText()).isEqualTo("cp-" + n);
      assertTheManifestIsTheNode(n, manifest, out);
      assertThat(
              JSON.readTree(
                  artifact(home, done.runId(), "control-plane-manifest-cp-" + n + ".json")))
          .isEqualTo(manifest);
    }

    // The warning: cp-2's front-proxy client certificate ends in 10 days (warn at 30, fail at 7).
    JsonNode checked = outputs(home, done.runId(), "Task_CheckArchivesAndCertificates");
    assertThat(checked.path("warnings").asLong()).isEqualTo(1);
    assertThat(checked.path("failures").asLong()).isZero();
    assertThat(structure(checked.path("certificates")).get(0).asText())
        .startsWith("WARN cp-2 " + NEAR + ": CN=front-proxy-client SANs DNS:front-proxy");
    assertThat(console.notices)
        .anyMatch(l -> l.contains(" checked; 1 end within 30 days (warn), 0 within 7 days (fail)"))
        .anyMatch(l -> l.startsWith("  WARN cp-2 " + NEAR));
    JsonNode report = JSON.readTree(artifact(home, done.runId(), CheckControlPlaneArchives.REPORT));
    assertThat(report.path("warnDays").asInt()).isEqualTo(30);
    List<String> sources = new ArrayList<>();
    report
        .path("certificates")
        .forEach(c -> sources.add(c.path("node").asText() + " " + c.path("source").asText()));
    assertThat(sources)
        .contains(
            "cp-1 /etc/kubernetes/pki/etcd/server.crt",
            "cp-3 /etc/kubernetes/pki/ca.crt",
            "cp-1 /etc/kubernetes/admin.conf client-certificate-data",
            "cp-2 /etc/kubernetes/kubelet.conf client-certificate-data");
    String html = Reports.render(EngineOptions.of(home), done.runId(), Reports.Format.HTML).text();
    String md = Reports.render(EngineOptions.of(home), done.runId(), Reports.Format.MD).text();
    assertThat(html).contains(CheckControlPlaneArchives.REPORT).contains("front-proxy-client");

    // No private key, nor the archive's passphrase, anywhere a person or a file could read it.
    List<String> secrets = secrets();
    assertThat(secrets).hasSizeGreaterThan(3 * 8);
    Map<String, String> places = new LinkedHashMap<>();
    places.put("evidence", String.join("\n", Runs.records(home, done.runId())));
    places.put("console", console.text.toString());
    places.put("html report", html);
    places.put("markdown report", md);
    try (Stream<Path> files = Files.walk(home.resolve("runs").resolve(done.runId()))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        places.put(f.toString(), Files.readString(f, StandardCharsets.ISO_8859_1));
      }
    }
    places.forEach(
        (where, text) -> {
          assertThat(text).as(where).doesNotContain("PRIVATE KEY");
          for (String s : secrets) {
            assertThat(text).as(where).doesNotContain(s);
          }
        });

    // A wrong key and a damaged archive: each its own clear error, with the engine and openssl.
    Path other = Openssl.keyFile(tmp, "other.key");
    Path cp1 = archives.get("cp-1");
    assertThatThrownBy(() -> ControlPlaneArchive.open(cp1, other))
        .isInstanceOfSatisfying(
            ArchiveException.class,
            e -> assertThat(e.reason()).isEqualTo(ArchiveException.Reason.WRONG_KEY));
    assertThat(Openssl.run(tmp, Openssl.decrypt(cp1, other, tmp.resolve("wrong.tar"))).output())
        .contains("bad decrypt");
    Path damaged = Files.createDirectories(tmp.resolve("damaged")).resolve(cp1.getFileName());
    byte[] bytes = Files.readAllBytes(cp1);
    bytes[bytes.length / 3] ^= 0x40;
    Files.write(damaged, bytes);
    for (String side : List.of(".sha256", ".hmac")) {
      Files.copy(
          cp1.resolveSibling(cp1.getFileName() + side),
          damaged.resolveSibling(damaged.getFileName() + side));
    }
    assertThatThrownBy(() -> ControlPlaneArchive.open(damaged, key))
        .isInstanceOfSatisfying(
            ArchiveException.class,
            e -> assertThat(e.reason()).isEqualTo(ArchiveException.Reason.DAMAGED))
        .hasMessageContaining(damaged.toString());
    assertThat(
            Openssl.run(
                    damaged.getParent(),
                    List.of("sha256sum", "-c", damaged.getFileName() + ".sha256"))
                .exit())
        .isNotZero();
  }

  @Test
  void aCertificateWithinTheFailureThresholdFailsTheRunAndTheArchivesStay() throws Exception {
    Path home = tmp.resolve("home-fail");
    Path backups = tmp.resolve("backups-fail");
    Console console = new Console();
    RunOutcome failed =
        run(
            home,
            console,
            Map.of(
                "backupDir", backups.toString(), "keyFile", key.toString(), "certFailDays", "15"));
    assertThat(failed.state()).as(failed.message()).isEqualTo(RunState.FAILED);
    assertThat(failed.message()).contains("1 certificate(s) end within 15 days").contains(NEAR);
    try (Stream<Path> files = Files.list(backups)) {
      assertThat(files.filter(p -> p.toString().endsWith(".tar.enc"))).hasSize(3);
    }
    JsonNode report =
        JSON.readTree(artifact(home, failed.runId(), CheckControlPlaneArchives.REPORT));
    assertThat(report.path("certificates").get(0).path("status").asText()).isEqualTo("FAIL");
    assertThat(Runs.verify(home, failed.runId()).ok()).isTrue();
  }

  @Test
  void aNodeWithoutItsPkiDirFailsTheRunNamingTheNode() throws Exception {
    // kubeadm's certificatesDir elsewhere, or a node rebuilt without it: a dir no node has.
    Path backups = tmp.resolve("backups-nopki");
    RunOutcome failed =
        run(
            tmp.resolve("home-nopki"),
            new Console(),
            Map.of(
                "backupDir",
                backups.toString(),
                "keyFile",
                key.toString(),
                "pkiDir",
                "/etc/kubernetes/no-pki"));
    assertThat(failed.state()).as(failed.message()).isEqualTo(RunState.FAILED);
    assertThat(failed.message())
        .contains("cp-1: the PKI directory /etc/kubernetes/no-pki is missing on this node");
    try (Stream<Path> files = Files.list(backups)) {
      assertThat(files).isEmpty();
    }
  }

  /**
   * control-plane-restore-files: cp-3 loses its PKI and a kubeconfig changes; the plan lists every
   * file, bob approves alice's run, every file comes back with its bytes, mode and owner, what was
   * there is set aside, and cp-3's etcd, stopped and started by its kubelet on the way, is healthy,
   * and its API server stand-in, gone while the PKI was, starts again and writes its lease.
   */
  @Test
  void aNodesFilesComeBackFromItsArchiveBehindAGateWithWhatWasThereSetAside() throws Exception {
    Path home = tmp.resolve("home-restore");
    RunOutcome backup =
        run(
            home,
            new Console(),
            Map.of(
                "backupDir", tmp.resolve("backups-restore").toString(), "keyFile", key.toString()));
    assertThat(backup.state()).as(backup.message()).isEqualTo(RunState.DONE);
    Path archive =
        Path.of(
            structure(
                    outputs(home, backup.runId(), "Task_ArchiveControlPlaneFiles").path("archives"))
                .path("cp-3")
                .asText());
    ControlPlaneArchive.Opened archived = ControlPlaneArchive.open(archive, key);

    Path pki = lab.nodePath(3, "/etc/kubernetes/pki");
    try (Stream<Path> walk = Files.walk(pki)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    Files.writeString(lab.nodePath(3, "/etc/kubernetes/admin.conf"), "changed\n");
    // Without its client certificate cp-3's API server stand-in loses etcd and exits, and each
    // restart by the kubelet fails at once; it writes its lease only when it starts against etcd.
    // Its lease is removed, so the lease coming back shows an API server started on the restored
    // files.
    awaitApiServer(3, false);
    String lease = "/registry/masterleases/" + lab.address(3);
    assertThat(lab.etcdctl(1, "del", lease).exitCode()).isZero();

    Map<String, String> params =
        Map.of("archive", archive.toString(), "node", "cp-3", "keyFile", key.toString());
    java.util.function.Function<Map<String, String>, RunbookPlan> restorePlan =
        p ->
            RunbookEngine.plan(
                EngineOptions.of(home), "control-plane-restore-files", lab.inventory(), p, false);
    RunbookPlan plan = restorePlan.apply(params);
    for (ControlPlaneArchive.FileEntry f : archived.manifest().files()) {
      assertThat(plan.markdown()).contains(f.path() + " mode " + f.mode());
    }
    // Another node's archive, or the wrong key: bad input at the plan, nothing made or sent.
    Map<String, String> otherNode = new LinkedHashMap<>(params);
    otherNode.put("node", "cp-2");
    assertThatThrownBy(() -> restorePlan.apply(otherNode))
        .isInstanceOf(dev.runbook.engine.api.BadInputException.class)
        .hasMessageContaining("holds the files of node cp-3 of cluster lab, not of cp-2");
    Map<String, String> wrongKey = new LinkedHashMap<>(params);
    wrongKey.put("keyFile", Openssl.keyFile(tmp, "wrong-restore.key").toString());
    assertThatThrownBy(() -> restorePlan.apply(wrongKey))
        .isInstanceOf(dev.runbook.engine.api.BadInputException.class)
        .hasMessageContaining("CPB-004");
    Console console = new Console();
    RunOutcome waiting;
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home).withListener(console))) {
      waiting =
          engine.start(
              "control-plane-restore-files",
              lab.inventory(),
              params,
              "alice",
              null,
              new Identity.KeyFile(lab.people().resolve("alice"), null));
    }
    assertThat(waiting.state()).as(waiting.message()).isEqualTo(RunState.WAITING);
    assertThat(waiting.gate().activityId()).isEqualTo("Gate_ApproveRestoreFiles");
    // The kubelet makes the etcd-certs hostPath again (DirectoryOrCreate), empty.
    if (Files.exists(pki)) {
      try (Stream<Path> walk = Files.walk(pki)) {
        assertThat(walk.filter(Files::isRegularFile)).isEmpty();
      }
    }
    RunOutcome done;
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home).withListener(console))) {
      done =
          engine.approve(
              waiting.runId(),
              "Gate_ApproveRestoreFiles",
              "bob",
              "archive of cp-3 read",
              new Identity.KeyFile(lab.people().resolve("bob"), null));
    }
    assertThat(done.state()).as(done.message() + "\n" + console.text).isEqualTo(RunState.DONE);

    for (ControlPlaneArchive.FileEntry f : archived.manifest().files()) {
      Path onNode = lab.nodePath(3, f.path());
      if (f.linkTarget() != null) {
        assertThat(Files.readSymbolicLink(onNode)).hasToString(f.linkTarget());
        continue;
      }
      assertThat(onNode).as(f.path()).hasBinaryContent(archived.contents().get(f.path()));
      int mode = (Integer) Files.getAttribute(onNode, "unix:mode") & 07777;
      assertThat(Integer.toOctalString(mode)).as(f.path()).isEqualTo(f.mode());
      assertThat(Files.getAttribute(onNode, "unix:uid")).as(f.path()).isEqualTo(f.uid());
    }
    assertThat(lab.nodePath(3, "/etc/kubernetes/.admin.conf.runbook-aside-" + done.runId()))
        .hasContent("changed\n");
    assertThat(
            lab.nodePath(3, "/etc/kubernetes/manifests/.etcd.yaml.runbook-aside-" + done.runId()))
        .exists();
    try (Stream<Path> files = Files.list(lab.nodePath(3, "/etc/kubernetes/manifests"))) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")))
          .containsExactlyInAnyOrder("etcd.yaml", "kube-apiserver.yaml");
    }
    long until = System.nanoTime() + 90_000_000_000L;
    LabInstance.Result health = lab.etcdctl(3, "endpoint", "health");
    while (health.exitCode() != 0 && System.nanoTime() < until) {
      Thread.sleep(1000);
      health = lab.etcdctl(3, "endpoint", "health");
    }
    assertThat(health.exitCode()).as(health.output()).isZero();
    awaitApiServer(3, true);
    until = System.nanoTime() + 90_000_000_000L;
    String leased = lab.etcdctl(1, "get", lease, "--print-value-only").output();
    while (leased.isBlank() && System.nanoTime() < until) {
      Thread.sleep(1000);
      leased = lab.etcdctl(1, "get", lease, "--print-value-only").output();
    }
    assertThat(leased).as("cp-3's API server wrote its lease again").contains(lab.address(3));
    assertThat(Runs.verify(home, done.runId()).ok()).isTrue();
    String evidence = String.join("\n", Runs.records(home, done.runId()));
    assertThat(evidence).doesNotContain("PRIVATE KEY");
    for (String secret : secrets()) {
      assertThat(evidence).doesNotContain(secret);
      assertThat(console.text.toString()).doesNotContain(secret);
    }
  }

  @Test
  void thePlanMatchesItsGoldenFile() throws Exception {
    Path golden = Path.of("/tmp/runbook-golden");
    Files.createDirectories(golden);
    Path goldenKey = golden.resolve("control-plane.key");
    if (!Files.exists(goldenKey)) {
      Files.copy(key, goldenKey);
    }
    Files.setPosixFilePermissions(goldenKey, PosixFilePermissions.fromString("rw-------"));
    RunbookPlan plan =
        RunbookEngine.plan(
            EngineOptions.of(tmp.resolve("home-plan")),
            "control-plane-backup",
            lab.inventory(),
            Map.of(
                "backupDir",
                golden.resolve("control-plane").toString(),
                "keyFile",
                goldenKey.toString()),
            false);
    String actual =
        plan.markdown()
            .replaceAll("[0-9a-f]{64}", "<sha256>")
            .replaceAll("\\b127\\.\\d{1,3}\\.0\\.(1\\d)\\b", "127.⟨lab⟩.0.$1");
    Path file = Path.of("src/test/resources/golden/control-plane-backup-3.md");
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(file, actual, StandardCharsets.UTF_8);
    }
    assertThat(file).as("golden file " + file + " (-Dgolden.update=true writes it)").exists();
    assertThat(actual).isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
  }

  /**
   * Every regular file and link under the node's PKI and manifest dirs, and each kubeconfig and
   * kubelet file, is in the manifest with its mode, owner and digest, and tar gave back its bytes.
   */
  /** Waits up to 90 s until node {@code n}'s kube-apiserver stand-in is running, or is not. */
  private static void awaitApiServer(int n, boolean running) throws Exception {
    long until = System.nanoTime() + 90_000_000_000L;
    while (true) {
      boolean up = !lab.ssh(n, "crictl ps --name '^kube-apiserver$' -q").output().isBlank();
      if (up == running) {
        return;
      }
      assertThat(System.nanoTime())
          .as("cp-" + n + "'s API server " + (running ? "running" : "gone") + " within 90 s")
          .isLessThan(until);
      Thread.sleep(500);
    }
  }

  private static void assertTheManifestIsTheNode(int n, JsonNode manifest, Path out)
      throws IOException {
    Map<String, JsonNode> entries = new LinkedHashMap<>();
    manifest.path("files").forEach(f -> entries.put(f.path("path").asText(), f));
    List<String> expected = new ArrayList<>();
    for (String dir : List.of("/etc/kubernetes/pki", "/etc/kubernetes/manifests")) {
      Path root = lab.nodePath(n, dir);
      try (Stream<Path> walk = Files.walk(root)) {
        walk.filter(
                p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(p))
            .forEach(p -> expected.add(dir + "/" + root.relativize(p)));
      }
    }
    expected.addAll(
        List.of(
            "/etc/kubernetes/admin.conf",
            "/etc/kubernetes/controller-manager.conf",
            "/etc/kubernetes/scheduler.conf",
            "/etc/kubernetes/kubelet.conf",
            "/var/lib/kubelet/config.yaml",
            "/var/lib/kubelet/kubeadm-flags.env"));
    assertThat(entries.keySet()).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(entries.keySet())
        .contains("/etc/kubernetes/pki/etcd/server.key", "/etc/kubernetes/pki/ca.key");
    for (String path : expected) {
      Path onNode = lab.nodePath(n, path);
      JsonNode e = entries.get(path);
      byte[] bytes = Files.readAllBytes(onNode);
      assertThat(e.path("sha256").asText()).as(path).isEqualTo(ArchiveCipher.sha256(bytes));
      assertThat(out.resolve(path.substring(1))).as(path).hasBinaryContent(bytes);
      int mode =
          (Integer) Files.getAttribute(onNode, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
      assertThat(e.path("mode").asText()).as(path).isEqualTo(Integer.toOctalString(mode));
      assertThat(e.path("uid").asInt()).as(path).isEqualTo(Files.getAttribute(onNode, "unix:uid"));
      assertThat(e.path("owner").asText()).as(path).isEqualTo("root");
      assertThat(Files.getAttribute(out.resolve(path.substring(1)), "unix:mode"))
          .as(path)
          .isEqualTo(Files.getAttribute(onNode, "unix:mode"));
    }
    List<String> missing = new ArrayList<>();
    manifest.path("missing").forEach(m -> missing.add(m.asText()));
    assertThat(missing)
        .containsExactlyInAnyOrder(
            "/var/lib/kubelet/pki",
            "/etc/kubernetes/super-admin.conf",
            "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
            "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf");
  }

  /**
   * What must never leak: the body lines of every node's private keys (PEM files and the
   * kubeconfigs' client-key-data, decoded and as written) and the archive key's passphrase.
   */
  private static List<String> secrets() throws IOException {
    List<String> secrets = new ArrayList<>();
    secrets.add(Files.readString(key).strip());
    Pattern data = Pattern.compile("client-key-data: (\\S+)");
    for (int n = 1; n <= 3; n++) {
      List<String> pems = new ArrayList<>();
      try (Stream<Path> walk = Files.walk(lab.nodePath(n, "/etc/kubernetes"))) {
        for (Path f : walk.filter(Files::isRegularFile).toList()) {
          String text = Files.readString(f, StandardCharsets.ISO_8859_1);
          if (f.toString().endsWith(".key")) {
            pems.add(text);
          }
          Matcher m = data.matcher(text);
          while (m.find()) {
            secrets.add(m.group(1).substring(0, 40));
            pems.add(
                new String(
                    java.util.Base64.getDecoder().decode(m.group(1)), StandardCharsets.US_ASCII));
          }
        }
      }
      for (String pem : pems) {
        pem.lines().filter(l -> !l.startsWith("-----") && l.length() >= 16).forEach(secrets::add);
      }
    }
    return secrets;
  }

  static JsonNode outputs(Path home, String run, String activity) throws IOException {
    return dev.runbook.runbooks.etcd.EtcdRunbooksIT.outputs(home, run, activity);
  }

  /** An output that is not a scalar is in evidence as its JSON text. */
  static JsonNode structure(JsonNode output) throws IOException {
    return output.isTextual() ? JSON.readTree(output.asText()) : output;
  }

  static byte[] artifact(Path home, String run, String name) throws IOException {
    for (String line : Runs.records(home, run)) {
      JsonNode r = JSON.readTree(line);
      if (r.path("type").asText().equals("artifact.recorded")
          && r.path("name").asText().equals(name)) {
        return Files.readAllBytes(
            home.resolve("runs").resolve(run).resolve(r.path("path").asText()));
      }
    }
    throw new AssertionError("no artifact " + name + " in run " + run);
  }
}

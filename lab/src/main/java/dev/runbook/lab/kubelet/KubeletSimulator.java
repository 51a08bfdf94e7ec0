package dev.runbook.lab.kubelet;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A kubelet for static pods only, one per lab node. It polls the manifest dir, starts each pod's
 * containers as plain processes with container paths mapped to node paths, stops them (and their
 * children) when the manifest leaves the dir, restarts them when the manifest changes, and restarts
 * crashed containers with a capped back-off. A manifest it cannot parse is logged and not run; the
 * simulator keeps going, as kubelet does.
 *
 * <p>Like the real kubelet it reads every regular, non-hidden file in the manifest dir: {@code
 * etcd.yaml.bak} left beside {@code etcd.yaml} is still a pod. Its container list is published in
 * {@code <state-dir>/containers.tsv} for the {@code crictl} stand-in.
 */
public final class KubeletSimulator {

  static final String NODE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final Duration POLL = Duration.ofMillis(500);
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
  private static final Duration STABLE_RUN = Duration.ofSeconds(10);
  private static final DateTimeFormatter TS =
      DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

  private final String nodeName;
  private final Path manifestDir;
  private final Path stateDir;
  private final SecureRandom random = new SecureRandom();

  /** Pods by full name (pod name + "-" + node name), as kubelet names static pods. */
  private final Map<String, RunningPod> pods = new LinkedHashMap<>();

  /** The last manifest content we complained about, per file, so each problem is logged once. */
  private final Map<String, String> reportedInvalid = new LinkedHashMap<>();

  /** Exited containers kept for {@code crictl ps -a}: the latest one per pod and container name. */
  private final Map<String, ContainerRecord> exited = new LinkedHashMap<>();

  private String lastIndex = null;

  KubeletSimulator(String nodeName, Path manifestDir, Path stateDir) {
    this.nodeName = nodeName;
    this.manifestDir = manifestDir;
    this.stateDir = stateDir;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i], args[i + 1]);
    }
    KubeletSimulator kubelet =
        new KubeletSimulator(
            Objects.requireNonNull(opts.get("--node-name"), "--node-name"),
            Path.of(Objects.requireNonNull(opts.get("--manifest-dir"), "--manifest-dir")),
            Path.of(Objects.requireNonNull(opts.get("--state-dir"), "--state-dir")));
    Runtime.getRuntime().addShutdownHook(new Thread(kubelet::stopAll, "kubelet-shutdown"));
    kubelet.run();
  }

  void run() throws InterruptedException {
    log("kubelet simulator started on node %s, watching %s", nodeName, manifestDir);
    while (!Thread.currentThread().isInterrupted()) {
      try {
        syncOnce();
      } catch (RuntimeException e) {
        // A kubelet does not die because one sync failed; the next poll tries again.
        log("E sync failed: %s", e);
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  /** One reconciliation pass: desired pods from the manifest dir against running pods. */
  synchronized void syncOnce() {
    Map<String, Desired> desired = readManifests();
    for (var it = pods.entrySet().iterator(); it.hasNext(); ) {
      var entry = it.next();
      Desired want = desired.get(entry.getKey());
      if (want == null || !want.hash().equals(entry.getValue().hash)) {
        log(
            "I %s pod %s (%s)",
            want == null ? "stopping" : "restarting",
            entry.getKey(),
            want == null ? "manifest left " + manifestDir : "manifest " + want.file() + " changed");
        stopPod(entry.getValue());
        it.remove();
      }
    }
    for (var entry : desired.entrySet()) {
      pods.computeIfAbsent(entry.getKey(), k -> newPod(k, entry.getValue()));
    }
    Instant now = Instant.now();
    for (RunningPod pod : pods.values()) {
      for (ContainerRecord c : pod.containers) {
        tend(pod, c, now);
      }
    }
    publishIndex();
  }

  private record Desired(StaticPod pod, String hash, String file) {}

  private Map<String, Desired> readManifests() {
    Map<String, Desired> desired = new LinkedHashMap<>();
    List<Path> files;
    try (Stream<Path> list = Files.list(manifestDir)) {
      files =
          list.filter(Files::isRegularFile)
              .filter(p -> !p.getFileName().toString().startsWith("."))
              .sorted()
              .toList();
    } catch (IOException e) {
      // A missing manifest dir means no static pods, as for kubelet.
      return desired;
    }
    for (Path file : files) {
      String name = file.getFileName().toString();
      String text;
      try {
        text = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        continue; // moved away between list and read: it is gone, next poll agrees.
      }
      String hash = sha256(text);
      StaticPod pod;
      try {
        pod = StaticPod.parse(text);
        reportedInvalid.remove(name);
      } catch (StaticPod.InvalidManifestException e) {
        if (!hash.equals(reportedInvalid.put(name, hash))) {
          log("E could not process manifest file %s, not starting it: %s", file, e.getMessage());
        }
        continue;
      }
      String fullName = pod.name() + "-" + nodeName;
      Desired previous = desired.putIfAbsent(fullName, new Desired(pod, hash, name));
      if (previous != null && !hash.equals(reportedInvalid.put(name, hash))) {
        log(
            "W manifest file %s defines pod %s again (already in %s); ignored",
            file, fullName, previous.file());
      }
    }
    return desired;
  }

  private RunningPod newPod(String fullName, Desired desired) {
    RunningPod pod = new RunningPod(fullName, desired.pod(), desired.hash(), randomId());
    for (StaticPod.Container spec : desired.pod().containers()) {
      // A pod admitted anew counts restarts from 0, as a new pod sandbox does.
      pod.containers.add(new ContainerRecord(pod, spec, 0));
    }
    log("I pod %s admitted from %s", fullName, desired.file());
    return pod;
  }

  /** Starts a container that should run, or notices that it stopped and schedules a restart. */
  private void tend(RunningPod pod, ContainerRecord c, Instant now) {
    if (c.process != null && !c.process.isAlive()) {
      c.exitCode = c.process.exitValue();
      c.process = null;
      c.state = "Exited";
      Duration ran = Duration.between(c.startedAt, now);
      c.backoff =
          ran.compareTo(STABLE_RUN) >= 0
              ? Duration.ofSeconds(1)
              : min(c.backoff.multipliedBy(2), MAX_BACKOFF);
      c.nextStart = now.plus(c.backoff);
      log(
          "W container %s of pod %s exited with %d; restarting in %ds",
          c.spec.name(), pod.fullName, c.exitCode, c.backoff.toSeconds());
    }
    if (c.process == null && !now.isBefore(c.nextStart)) {
      if (c.startedAt != null) {
        // A restarted container is a new container with a new id and a fresh writable layer.
        exited.put(pod.fullName + "/" + c.spec.name(), c.snapshot());
        c.renew();
      }
      start(pod, c, now);
    }
  }

  private void start(RunningPod pod, ContainerRecord c, Instant now) {
    c.startedAt = now;
    Path scratch =
        stateDir.resolve("pods").resolve(pod.podId).resolve(c.spec.name()).resolve("rootfs");
    try {
      deleteTree(scratch);
      Files.createDirectories(scratch);
      for (StaticPod.Mount m : c.spec.mounts()) {
        StaticPod.HostPath hp = pod.spec.volumes().get(m.volume());
        Path hostPath = Path.of(hp.path());
        if (hp.type().equals("Directory") && !Files.isDirectory(hostPath)) {
          throw new IOException("hostPath type check failed: " + hostPath + " is not a directory");
        }
        if (hp.type().isEmpty() || hp.type().equals("DirectoryOrCreate")) {
          Files.createDirectories(hostPath);
        }
      }
      PathMapper mapper = new PathMapper(pod.spec, c.spec, scratch);
      List<String> command = new ArrayList<>();
      command.add(c.spec.command().get(0)); // the binary comes from the "image": the node's PATH
      c.spec.command().stream().skip(1).map(mapper::translateArgument).forEach(command::add);
      Files.createDirectories(c.log.getParent());
      Files.writeString(c.log, "", StandardCharsets.UTF_8);
      ProcessBuilder pb =
          new ProcessBuilder(command).directory(scratch.toFile()).redirectErrorStream(true);
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(c.log.toFile()));
      pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      pb.environment().clear();
      pb.environment().put("PATH", NODE_PATH);
      pb.environment().put("HOME", "/root");
      pb.environment().putAll(c.spec.env());
      c.process = pb.start();
      c.state = "Running";
      log(
          "I started container %s of pod %s (id %s, pid %d): %s",
          c.spec.name(),
          pod.fullName,
          c.id.substring(0, 13),
          c.process.pid(),
          String.join(" ", command));
    } catch (IOException | RuntimeException e) {
      c.state = "Exited";
      c.exitCode = 128;
      c.backoff = min(c.backoff.multipliedBy(2), MAX_BACKOFF);
      c.nextStart = now.plus(c.backoff);
      log(
          "E container %s of pod %s failed to start: %s",
          c.spec.name(), pod.fullName, e.getMessage());
      try {
        Files.writeString(
            c.log, "container failed to start: " + e.getMessage() + "\n", StandardCharsets.UTF_8);
      } catch (IOException ignored) {
        // The log is a convenience; the kubelet log already says it.
      }
    }
  }

  private void stopPod(RunningPod pod) {
    for (ContainerRecord c : pod.containers) {
      if (c.process != null) {
        terminate(c.process.toHandle());
        c.exitCode = c.process.exitValue();
        c.process = null;
      }
      c.state = "Exited";
      exited.put(pod.fullName + "/" + c.spec.name(), c.snapshot());
    }
  }

  /**
   * SIGTERM to the process and all its descendants, SIGKILL to whatever is left after the grace
   * period.
   */
  static void terminate(ProcessHandle process) {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.add(0, process);
    tree.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + STOP_GRACE.toNanos();
    for (ProcessHandle p : tree) {
      while (p.isAlive() && System.nanoTime() < deadline) {
        try {
          p.onExit().get(50, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception e) {
          // keep waiting until the deadline
        }
      }
    }
    tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    tree.forEach(p -> p.onExit().join());
  }

  synchronized void stopAll() {
    log("I kubelet simulator stopping; stopping %d pods", pods.size());
    pods.values().forEach(this::stopPod);
    pods.clear();
    publishIndex();
  }

  /** Writes the container list for crictl, atomically, only when it changed. */
  private void publishIndex() {
    List<ContainerRecord> all = new ArrayList<>(exited.values());
    pods.values()
        .forEach(p -> p.containers.stream().filter(c -> c.startedAt != null).forEach(all::add));
    all.sort(Comparator.comparing((ContainerRecord c) -> c.startedAt));
    StringBuilder sb = new StringBuilder();
    for (ContainerRecord c : all) {
      String pid = c.process == null ? "" : Long.toString(c.process.pid());
      sb.append(
              String.join(
                  "\t",
                  c.id,
                  c.imageId,
                  Long.toString(c.startedAt.getEpochSecond()),
                  c.state,
                  c.spec.name(),
                  Integer.toString(c.attempt),
                  c.pod.podId,
                  c.pod.fullName,
                  pid,
                  c.log.toString()))
          .append('\n');
    }
    String index = sb.toString();
    if (index.equals(lastIndex)) {
      return;
    }
    try {
      Files.createDirectories(stateDir);
      Path tmp = stateDir.resolve(".containers.tsv.tmp");
      Files.writeString(tmp, index, StandardCharsets.UTF_8);
      try {
        Files.move(
            tmp,
            stateDir.resolve("containers.tsv"),
            StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, stateDir.resolve("containers.tsv"), StandardCopyOption.REPLACE_EXISTING);
      }
      lastIndex = index;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private final class RunningPod {
    final String fullName;
    final StaticPod spec;
    final String hash;
    final String podId;
    final List<ContainerRecord> containers = new ArrayList<>();

    RunningPod(String fullName, StaticPod spec, String hash, String podId) {
      this.fullName = fullName;
      this.spec = spec;
      this.hash = hash;
      this.podId = podId;
    }
  }

  private final class ContainerRecord {
    final RunningPod pod;
    final StaticPod.Container spec;
    final String imageId;
    String id;
    Path log;
    int attempt;
    String state = "Created";
    Process process;
    Instant startedAt;
    Instant nextStart = Instant.EPOCH;
    Duration backoff = Duration.ofMillis(500);
    int exitCode;

    ContainerRecord(RunningPod pod, StaticPod.Container spec, int attempt) {
      this.pod = pod;
      this.spec = spec;
      this.imageId = sha256(spec.image());
      this.attempt = attempt;
      this.id = randomId();
      this.log = stateDir.resolve("logs").resolve(id + ".log");
    }

    void renew() {
      attempt++;
      id = randomId();
      log = stateDir.resolve("logs").resolve(id + ".log");
    }

    ContainerRecord snapshot() {
      ContainerRecord copy = new ContainerRecord(pod, spec, attempt);
      copy.id = id;
      copy.log = log;
      copy.state = "Exited";
      copy.startedAt = startedAt == null ? Instant.now() : startedAt;
      copy.exitCode = exitCode;
      return copy;
    }
  }

  private String randomId() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** Removes a container's writable layer. Only ever called on the simulator's own scratch dirs. */
  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static void log(String format, Object... args) {
    System.out.println(TS.format(Instant.now()) + " " + String.format(format, args));
    System.out.flush();
  }
}

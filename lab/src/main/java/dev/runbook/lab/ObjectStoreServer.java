package dev.runbook.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The lab's S3-compatible object store ({@code lab up --object-store}): S3Proxy with its filesystem
 * backend under {@code DIR/object-store/data}, listening on 127.N.0.5 of the lab's block, one
 * bucket, and a credential made for this lab (written mode 0600, never printed). It runs as a
 * process of its own, from S3Proxy's self-contained jar, so its dependencies never meet ours.
 */
final class ObjectStoreServer {

  static final int PORT = 9000;
  static final String BUCKET = "lab-backups";
  static final String REGION = "us-east-1";
  private static final long READY_TIMEOUT_MS = 60_000;

  /**
   * What {@code lab down} needs to stop the store and a test needs to reach it. {@code
   * startInstant} tells our process from a later one that got the same pid.
   */
  record State(
      String endpoint,
      String region,
      String bucket,
      boolean pathStyle,
      String credentialsFile,
      long pid,
      String startInstant) {}

  private ObjectStoreServer() {}

  static String address(int block) {
    return "127." + block + ".0.5";
  }

  static Path home(Path labDir) {
    return labDir.resolve("object-store");
  }

  /** Whether the store's address and port are free in {@code block}; empty when they are. */
  static List<String> taken(int block) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(address(block)), PORT));
      return List.of();
    } catch (IOException e) {
      return List.of(address(block) + ":" + PORT);
    }
  }

  /**
   * Makes the store's dirs, bucket, credential and S3Proxy configuration, starts it and returns
   * once it accepts connections. The credential is random per lab: a test that wants a wrong one
   * must make it.
   */
  static State start(Path labDir, int block) throws IOException {
    Path home = Files.createDirectories(home(labDir));
    Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
    Files.createDirectories(home.resolve("data").resolve(BUCKET));
    Path credentials = home.resolve("credentials");
    String keyId = "LAB" + random(8).toUpperCase();
    String secret = random(20);
    writePrivate(
        credentials,
        "# Written by `lab up --object-store`: the lab store's credential (AWS file format).\n"
            + "[default]\naws_access_key_id = "
            + keyId
            + "\naws_secret_access_key = "
            + secret
            + "\n");
    String endpoint = "http://" + address(block) + ":" + PORT;
    writePrivate(
        home.resolve("s3proxy.properties"),
        "s3proxy.endpoint="
            + endpoint
            + "\ns3proxy.authorization=aws-v2-or-v4\ns3proxy.identity="
            + keyId
            + "\ns3proxy.credential="
            + secret
            + "\njclouds.provider=filesystem\njclouds.filesystem.basedir="
            + home.resolve("data")
            + "\n");
    State state = new State(endpoint, REGION, BUCKET, true, credentials.toString(), 0, null);
    return launch(labDir, state);
  }

  /** Starts S3Proxy for a store already configured ({@link #start} or a store a test stopped). */
  static State launch(Path labDir, State state) throws IOException {
    Path home = home(labDir);
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb =
        new ProcessBuilder(
            "setsid",
            java,
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Xmx256m",
            "-jar",
            jar().toString(),
            "--properties",
            home.resolve("s3proxy.properties").toString());
    pb.directory(home.toFile());
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("s3proxy.log").toFile()));
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    // setsid execs java in place, so the pid is the server's own.
    return new State(
        state.endpoint(),
        state.region(),
        state.bucket(),
        state.pathStyle(),
        state.credentialsFile(),
        p.pid(),
        p.info().startInstant().map(Instant::toString).orElse(null));
  }

  /** Waits until the store accepts connections; fails with its log when it dies or is slow. */
  static void awaitReady(Path labDir, State state) {
    String host = state.endpoint().replaceFirst("^http://", "").replaceFirst(":.*", "");
    long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
    while (!Lab.accepts(host, PORT)) {
      if (!isRunning(state) || System.currentTimeMillis() > deadline) {
        throw LabException.failed(
            "the object store did not start:\n"
                + Lab.tail(home(labDir).resolve("s3proxy.log"), 20));
      }
      Processes.sleep(100);
    }
  }

  static boolean isRunning(State state) {
    return process(state).isPresent();
  }

  /** The store's process, if it is still the one that was started. */
  private static Optional<ProcessHandle> process(State state) {
    if (state == null || state.pid() <= 0) {
      return Optional.empty();
    }
    return ProcessHandle.of(state.pid())
        .filter(ProcessHandle::isAlive)
        .filter(
            p ->
                state.startInstant() == null
                    || p.info()
                        .startInstant()
                        .map(i -> i.toString().equals(state.startInstant()))
                        .orElse(false));
  }

  /** Stops the store: SIGTERM, then SIGKILL after the grace. Its data is left where it is. */
  static void stop(State state, long graceMillis) {
    Optional<ProcessHandle> p = process(state);
    if (p.isEmpty()) {
      return;
    }
    p.get().destroy();
    long deadline = System.currentTimeMillis() + graceMillis;
    while (p.get().isAlive() && System.currentTimeMillis() < deadline) {
      Processes.sleep(100);
    }
    if (p.get().isAlive()) {
      p.get().destroyForcibly();
      Processes.sleep(200);
    }
    if (p.get().isAlive()) {
      throw LabException.failed("the object store (pid " + state.pid() + ") survived SIGKILL");
    }
  }

  /** The inventory's objectStore section for this store (docs/object-store.md). */
  static String inventorySection(State state) {
    return """
        # The lab's S3-compatible object store (S3Proxy, filesystem backend).
        objectStore: {endpoint: %s, region: %s, bucket: %s, pathStyle: %s, credentialsFile: %s}
        """
        .formatted(
            state.endpoint(),
            state.region(),
            state.bucket(),
            state.pathStyle(),
            state.credentialsFile());
  }

  static void appendToInventory(Path inventory, State state) throws IOException {
    Files.writeString(inventory, inventorySection(state), StandardOpenOption.APPEND);
  }

  /**
   * S3Proxy's jar: $RUNBOOK_LAB_S3PROXY_JAR, else target/s3proxy/s3proxy.jar next to the lab's jar
   * or classes, where the lab's build copies it.
   */
  static Path jar() {
    String given = System.getenv("RUNBOOK_LAB_S3PROXY_JAR");
    if (given != null && !given.isBlank()) {
      return Path.of(given);
    }
    try {
      Path code = Path.of(Lab.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path jar = code.getParent().resolve("s3proxy/s3proxy.jar");
      if (!Files.isRegularFile(jar)) {
        throw LabException.badInput(
            "S3Proxy's jar is not at "
                + jar
                + ": build the lab (mvn -B -pl lab -am package -DskipTests) or set"
                + " RUNBOOK_LAB_S3PROXY_JAR");
      }
      return jar;
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void writePrivate(Path file, String text) throws IOException {
    Files.deleteIfExists(file);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  private static String random(int bytes) {
    byte[] b = new byte[bytes];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}

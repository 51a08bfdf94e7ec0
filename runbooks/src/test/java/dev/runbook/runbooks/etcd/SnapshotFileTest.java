package dev.runbook.runbooks.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.runbooks.etcd.SnapshotCheckException.Check;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks {@link SnapshotFile} against real snapshots: a real etcd is started, written to (puts,
 * overwrites, deletes, a lease, a compaction, a value spanning overflow pages), and snapshotted
 * with etcdctl; etcd's own tools then say what the numbers must be. Needs etcd 3.4 at /usr/bin and
 * etcd 3.5 where the lab module's setup puts it; fails, never skips, when either is missing.
 */
class SnapshotFileTest {

  private static final Path ETCD_34 = Path.of("/usr/bin/etcd");
  private static final Path ETCDCTL_34 = Path.of("/usr/bin/etcdctl");
  private static final Path BIN_35 = Path.of("/var/cache/runbook-lab/etcd-3.5.16/usr/bin");

  /** In block 0 (127.0.0.x), which no lab takes: labs hold 127.1.0.x and up. */
  private static final String HOST = "127.0.0.201";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HexFormat HEX = HexFormat.of();

  @TempDir static Path shared;

  private static Etcd etcd34;
  private static Etcd etcd35;
  private static Path snapshot34;
  private static Path dataDirDb34;
  private static Model model34;

  @BeforeAll
  static void takeSnapshotWithEtcd34() throws Exception {
    assertThat(ETCD_34)
        .withFailMessage("etcd 3.4 is required at %s (scripts/setup installs etcd-server)", ETCD_34)
        .isExecutable();
    assertThat(ETCDCTL_34)
        .withFailMessage(
            "etcdctl 3.4 is required at %s (scripts/setup installs etcd-client)", ETCDCTL_34)
        .isExecutable();
    etcd34 = Etcd.start(ETCD_34, shared.resolve("etcd34"));
    model34 = populate(etcd34);
    snapshot34 = shared.resolve("snap34.db");
    etcd34.ctl(ETCDCTL_34, "snapshot", "save", snapshot34.toString());
    dataDirDb34 = shared.resolve("copied-db");
    Files.copy(etcd34.dataDir.resolve("member/snap/db"), dataDirDb34);
  }

  @AfterAll
  static void stopEtcd() {
    for (Etcd etcd : new Etcd[] {etcd34, etcd35}) {
      if (etcd != null) {
        etcd.close();
      }
    }
  }

  @Test
  void matchesEtcdctl34SnapshotStatusAndKeyCount() throws Exception {
    JsonNode expected =
        JSON.readTree(run(ETCDCTL_34, "snapshot", "status", snapshot34, "-w", "json"));
    long count = etcd34.liveKeyCount(ETCDCTL_34);

    SnapshotFile.Status status = SnapshotFile.status(snapshot34);

    report("3.4", expected, count, status);
    assertMatches(status, expected, count, model34);
  }

  @Test
  void matchesEtcdutl35SnapshotStatusAndKeyCount() throws Exception {
    Path etcd = BIN_35.resolve("etcd");
    Path etcdctl = BIN_35.resolve("etcdctl");
    Path etcdutl = BIN_35.resolve("etcdutl");
    for (Path binary : List.of(etcd, etcdctl, etcdutl)) {
      assertThat(binary)
          .withFailMessage(
              "etcd 3.5 binary %s is missing: the lab module's setup fetches etcd 3.5.16 into"
                  + " /var/cache/runbook-lab (run the lab's build first)",
              binary)
          .isExecutable();
    }
    etcd35 = Etcd.start(etcd, shared.resolve("etcd35"));
    Model model = populate(etcd35);
    Path snapshot = shared.resolve("snap35.db");
    etcd35.ctl(etcdctl, "snapshot", "save", snapshot.toString());
    long count = etcd35.liveKeyCount(etcdctl);
    etcd35.close();
    JsonNode expected = JSON.readTree(run(etcdutl, "snapshot", "status", snapshot, "-w", "json"));

    SnapshotFile.Verified verified = SnapshotFile.verify(snapshot);
    SnapshotFile.Status status = SnapshotFile.status(verified);

    report("3.5", expected, count, status);
    assertMatches(status, expected, count, model);
    assertThat(verified.sha256()).isEqualTo(sha256sum(snapshot));
  }

  /**
   * A restore with {@code --bump-revision} (what etcd-restore runs) writes the bumped revision into
   * the key bucket with an empty value and no user key. The next snapshot of that cluster holds the
   * entry until a compaction drops it: it must verify, with etcd's own numbers (found by the
   * object-store helper: the snapshot after a lab restore failed its content check).
   */
  @Test
  void aSnapshotOfAClusterRestoredWithABumpedRevisionVerifies() throws Exception {
    Path etcd = BIN_35.resolve("etcd");
    Path etcdctl = BIN_35.resolve("etcdctl");
    Path etcdutl = BIN_35.resolve("etcdutl");
    Path dir = shared.resolve("bumped");
    String peer = "http://" + HOST + ":2380";
    run(
        etcdutl,
        "snapshot",
        "restore",
        snapshot34,
        "--data-dir",
        dir.resolve("data"),
        "--name",
        "default",
        "--initial-cluster",
        "default=" + peer,
        "--initial-advertise-peer-urls",
        peer,
        "--bump-revision",
        "1000000",
        "--mark-compacted");
    Path snapshot = shared.resolve("bumped.db");
    long count;
    try (Etcd restored = Etcd.start(etcd, dir)) {
      restored.ctl(etcdctl, "snapshot", "save", snapshot.toString());
      count = restored.liveKeyCount(etcdctl);
    }
    JsonNode expected = JSON.readTree(run(etcdutl, "snapshot", "status", snapshot, "-w", "json"));

    SnapshotFile.Status status = SnapshotFile.status(SnapshotFile.verify(snapshot));

    report("3.5, restored with --bump-revision", expected, count, status);
    assertThat(status.revision())
        .isEqualTo(expected.get("revision").asLong())
        .isEqualTo(model34.revision + 1_000_000);
    assertThat(status.totalKeys()).isEqualTo(expected.get("totalKey").asLong());
    assertThat(status.hash()).isEqualTo(expected.get("hash").asLong());
    assertThat(status.liveKeys()).isEqualTo(count).isEqualTo(model34.live.size());
  }

  @Test
  void verifiedCarriesWhatSha256sumPrintsAndTheTrailer() throws Exception {
    SnapshotFile.Verified verified = SnapshotFile.verify(snapshot34);

    byte[] bytes = Files.readAllBytes(snapshot34);
    assertThat(verified.file()).isEqualTo(snapshot34);
    assertThat(verified.size()).isEqualTo(bytes.length);
    assertThat(verified.sha256()).isEqualTo(sha256sum(snapshot34));
    assertThat(verified.trailerSha256())
        .isEqualTo(HEX.formatHex(Arrays.copyOfRange(bytes, bytes.length - 32, bytes.length)))
        .isEqualTo(HEX.formatHex(sha256(Arrays.copyOf(bytes, bytes.length - 32))))
        .isNotEqualTo(verified.sha256());
    assertThat(verified.pageSize()).isEqualTo(4096);
  }

  @Test
  void hugePagesReadFromDiskGiveTheSameStatus() {
    SnapshotFile.Verified verified = SnapshotFile.verify(snapshot34);

    // With a one-page limit, the pages overflowing to hold the 200-300 KB values stay on disk.
    assertThat(SnapshotFile.status(verified, 4096)).isEqualTo(SnapshotFile.status(verified));
  }

  @Test
  void flippedBytesInTheMiddleAreATrailerMismatch(@TempDir Path dir) throws Exception {
    Path file = copy(snapshot34, dir);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      long middle = raf.length() / 2;
      raf.seek(middle);
      int b = raf.read();
      raf.seek(middle);
      raf.write(b ^ 0xff);
    }
    assertFails(file, Check.TRAILER_MISMATCH, "etcd-snapshot runbook", "hash to");
  }

  @Test
  void cutAtAPageBoundaryIsATrailerMismatch(@TempDir Path dir) throws Exception {
    // Cutting whole 4096-byte pages keeps the size 32 past a multiple of 512: only the hash tells.
    Path file = truncated(snapshot34, dir, Files.size(snapshot34) - 4096);
    assertFails(file, Check.TRAILER_MISMATCH);
  }

  @Test
  void cutTrailerIsASizeFailure(@TempDir Path dir) throws Exception {
    Path file = truncated(snapshot34, dir, Files.size(snapshot34) - 32);
    assertFails(file, Check.SIZE, "no room for a trailer", "etcd-snapshot runbook");
  }

  @Test
  void cutAtAnArbitraryPointIsASizeFailure(@TempDir Path dir) throws Exception {
    Path file = truncated(snapshot34, dir, Files.size(snapshot34) / 3 + 7);
    assertFails(file, Check.SIZE, "truncated");
  }

  @Test
  void bboltDbCopiedFromTheDataDirHasNoTrailer() {
    assertFails(dataDirDb34, Check.SIZE, "member/snap/db");
  }

  @Test
  void emptyFile(@TempDir Path dir) throws Exception {
    Path file = Files.createFile(dir.resolve("empty.db"));
    assertFails(file, Check.EMPTY, "0 bytes");
  }

  @Test
  void missingFile(@TempDir Path dir) {
    assertFails(dir.resolve("nope.db"), Check.MISSING, "does not exist");
  }

  @Test
  void directoryIsMissing(@TempDir Path dir) {
    assertFails(dir, Check.MISSING, "is a directory");
  }

  @Test
  void randomBytesWithACorrectTrailerAreNotBbolt(@TempDir Path dir) throws Exception {
    byte[] db = new byte[8192];
    new Random(42).nextBytes(db);
    Path file = withTrailer(dir.resolve("random.db"), db);
    assertFails(file, Check.NOT_BBOLT, "magic", "0xED0CDAED");
  }

  @Test
  void bothMetaPagesDamagedIsNotBbolt(@TempDir Path dir) throws Exception {
    byte[] db = database(snapshot34);
    db[16 + 8] ^= 1; // page size field of meta 0: its checksum no longer matches
    db[4096 + 16] ^= 1; // magic of meta 1
    Path file = withTrailer(dir.resolve("metas.db"), db);
    assertFails(file, Check.NOT_BBOLT, "meta page 0: checksum", "meta page 1: magic");
  }

  @Test
  void oneDamagedMetaPageFallsBackToTheOther(@TempDir Path dir) throws Exception {
    byte[] db = database(snapshot34);
    db[16] ^= 1; // magic of meta 0, the one with the higher txid
    Path file = withTrailer(dir.resolve("meta0.db"), db);

    assertThat(SnapshotFile.status(file)).isEqualTo(SnapshotFile.status(snapshot34));
  }

  @Test
  void damagedPageStructureIsNotBboltNotAnIndexError(@TempDir Path dir) throws Exception {
    byte[] db = database(snapshot34);
    ByteBuffer le = ByteBuffer.wrap(db).order(ByteOrder.LITTLE_ENDIAN);
    long root = le.getLong(16 + 16);
    le.putShort((int) (root * 4096 + 8), (short) 0x10); // the root bucket's page says "freelist"
    Path file = withTrailer(dir.resolve("root.db"), db);

    SnapshotFile.Verified verified = SnapshotFile.verify(file); // metas and trailer are fine
    assertThatThrownBy(() -> SnapshotFile.status(verified))
        .isInstanceOfSatisfying(
            SnapshotCheckException.class, e -> assertThat(e.check()).isEqualTo(Check.NOT_BBOLT))
        .hasMessageContaining("page " + root + " has flags 0x10");
  }

  @Test
  void danglingPageIdIsNotBboltNotAnIndexError(@TempDir Path dir) throws Exception {
    byte[] db = database(snapshot34);
    ByteBuffer le = ByteBuffer.wrap(db).order(ByteOrder.LITTLE_ENDIAN);
    long root = le.getLong(16 + 16);
    int page = (int) (root * 4096);
    // The root page's first element points to its bucket's root page (a leaf's bucket value) or
    // to a child page (a branch): either way, aim it far past the end of the file.
    if (le.getShort(page + 8) == 0x01) {
      le.putLong(page + 16 + 8, 1L << 40);
    } else {
      int element = page + 16;
      int value = element + le.getInt(element + 4) + le.getInt(element + 8);
      le.putLong(value, 1L << 40);
    }
    Path file = withTrailer(dir.resolve("dangling.db"), db);

    assertThatThrownBy(() -> SnapshotFile.status(file))
        .isInstanceOfSatisfying(
            SnapshotCheckException.class, e -> assertThat(e.check()).isEqualTo(Check.NOT_BBOLT))
        .hasMessageContaining("page id " + (1L << 40) + " is outside");
  }

  // ---------------------------------------------------------------------------------------------

  private static void assertMatches(
      SnapshotFile.Status status, JsonNode expected, long liveCount, Model model) {
    assertThat(status.hash()).isEqualTo(expected.get("hash").asLong());
    assertThat(status.hashHex()).isEqualTo(Long.toHexString(expected.get("hash").asLong()));
    assertThat(status.revision()).isEqualTo(expected.get("revision").asLong());
    assertThat(status.totalKeys()).isEqualTo(expected.get("totalKey").asLong());
    assertThat(status.totalSize()).isEqualTo(expected.get("totalSize").asLong());
    assertThat(status.liveKeys()).isEqualTo(liveCount);
    // etcd's tools and ours agree; the model says they are right about this history too.
    assertThat(status.liveKeys()).isEqualTo(model.live.size());
    assertThat(status.revision()).isEqualTo(model.revision);
  }

  private static void report(String version, JsonNode expected, long count, Object ours) {
    System.out.printf(
        "etcd %s: snapshot status %s, get --count-only %d; SnapshotFile %s%n",
        version, expected, count, ours);
  }

  private static void assertFails(Path file, Check check, String... messageParts) {
    assertThatThrownBy(() -> SnapshotFile.verify(file))
        .isInstanceOfSatisfying(
            SnapshotCheckException.class,
            e -> {
              assertThat(e.check()).isEqualTo(check);
              assertThat(e.file()).isEqualTo(file);
            })
        .hasMessageContaining("check " + check)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("expected");
    if (messageParts.length > 0) {
      assertThatThrownBy(() -> SnapshotFile.verify(file)).message().contains(messageParts);
    }
  }

  private static Path copy(Path source, Path dir) throws IOException {
    return Files.copy(source, dir.resolve(source.getFileName()));
  }

  private static Path truncated(Path source, Path dir, long size) throws IOException {
    Path file = copy(source, dir);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(size);
    }
    return file;
  }

  /** The snapshot without its trailer. */
  private static byte[] database(Path snapshot) throws IOException {
    byte[] bytes = Files.readAllBytes(snapshot);
    return Arrays.copyOf(bytes, bytes.length - 32);
  }

  private static Path withTrailer(Path file, byte[] db) throws Exception {
    Files.write(file, db);
    Files.write(file, sha256(db), java.nio.file.StandardOpenOption.APPEND);
    return file;
  }

  private static byte[] sha256(byte[] bytes) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(bytes);
  }

  private static String sha256sum(Path file) throws Exception {
    return run(Path.of("/usr/bin/sha256sum"), file.toString()).split("\\s+")[0];
  }

  /** Runs a command with ETCDCTL_API=3, returns its stdout, fails on a non-zero exit. */
  private static String run(Path binary, Object... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    for (Object arg : args) {
      command.add(arg.toString());
    }
    Path err = Files.createTempFile(shared, "stderr", ".txt");
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(err.toFile());
    builder.environment().put("ETCDCTL_API", "3");
    Process process = builder.start();
    try {
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        fail("%s did not finish within 30 s", command);
      }
      if (process.exitValue() != 0) {
        fail("%s exited %d: %s", command, process.exitValue(), Files.readString(err));
      }
      return new String(out, StandardCharsets.UTF_8);
    } finally {
      process.destroyForcibly().waitFor();
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** What the test wrote: the live keys and the newest revision, to double-check etcd's tools. */
  private static final class Model {
    final TreeSet<String> live = new TreeSet<>();
    long revision;
  }

  /**
   * A history with everything snapshot status and the live count must cope with: overwritten keys,
   * single and range deletions before and after a compaction (tombstones removed and kept), keys
   * deleted then created again, a lease, and a value far larger than a page.
   */
  private static Model populate(Etcd etcd) throws Exception {
    Model model = new Model();
    String lease =
        etcd.post("/v3/lease/grant", JSON.createObjectNode().put("TTL", 3600)).get("ID").asText();
    for (int ns = 0; ns < 50; ns++) {
      etcd.put(model, namespace(ns), "{\"kind\":\"Namespace\",\"name\":\"ns-" + ns + "\"}", null);
    }
    for (int i = 0; i < 250; i++) {
      etcd.put(model, pod(i), podValue(i, 1), null);
    }
    for (int i = 0; i < 10; i++) {
      etcd.put(model, "/registry/leases/kube-node-lease/node-" + i, "renewed", lease);
    }
    etcd.put(model, "/registry/configmaps/default/big", "x".repeat(300_000), null);
    for (int i = 0; i < 80; i++) {
      etcd.put(model, pod(i), podValue(i, 2), null);
    }
    for (int round = 0; round < 3; round++) {
      for (int ns = 0; ns < 10; ns++) {
        etcd.put(model, namespace(ns), "{\"kind\":\"Namespace\",\"round\":" + round + "}", null);
      }
    }
    for (int i = 0; i < 30; i++) {
      etcd.delete(model, pod(i), null);
    }
    etcd.delete(model, "/registry/pods/ns-49/", "/registry/pods/ns-490");
    etcd.compact(model.revision - 20);
    for (int i = 100; i < 110; i++) {
      etcd.delete(model, pod(i), null);
    }
    for (int i = 0; i < 5; i++) {
      etcd.put(model, pod(i), podValue(i, 3), null);
    }
    etcd.put(model, "/registry/configmaps/default/big", "y".repeat(200_000), null);
    etcd.put(model, "/other/\u00e9t\u00e9", "utf-8 key", null);
    return model;
  }

  private static String namespace(int ns) {
    return String.format("/registry/namespaces/ns-%02d", ns);
  }

  private static String pod(int i) {
    return String.format("/registry/pods/ns-%02d/pod-%03d", i % 50, i);
  }

  private static String podValue(int i, int generation) {
    return "{\"kind\":\"Pod\",\"generation\":" + generation + ",\"pad\":\"" + "p".repeat(i) + "\"}";
  }

  /** One etcd member on {@link #HOST}, client and peer ports picked free, data in a temp dir. */
  private static final class Etcd implements AutoCloseable {
    final Path dataDir;
    final String url;
    final Process process;
    final Path log;
    final HttpClient http = HttpClient.newHttpClient();

    private Etcd(Path dataDir, String url, Process process, Path log) {
      this.dataDir = dataDir;
      this.url = url;
      this.process = process;
      this.log = log;
    }

    static Etcd start(Path binary, Path dir) throws Exception {
      Files.createDirectories(dir);
      int client = freePort();
      int peer = freePort();
      String url = "http://" + HOST + ":" + client;
      String peerUrl = "http://" + HOST + ":" + peer;
      Path dataDir = dir.resolve("data");
      Path log = dir.resolve("etcd.log");
      Process process =
          new ProcessBuilder(
                  binary.toString(),
                  "--name=default",
                  "--data-dir=" + dataDir,
                  "--listen-client-urls=" + url,
                  "--advertise-client-urls=" + url,
                  "--listen-peer-urls=" + peerUrl,
                  "--initial-advertise-peer-urls=" + peerUrl,
                  "--initial-cluster=default=" + peerUrl,
                  "--log-outputs=stderr")
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      Etcd etcd = new Etcd(dataDir, url, process, log);
      try {
        etcd.awaitHealthy();
        return etcd;
      } catch (Throwable t) {
        etcd.close();
        throw t;
      }
    }

    private static int freePort() throws IOException {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
        return socket.getLocalPort();
      }
    }

    private void awaitHealthy() throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          fail("etcd exited %d: %s", process.exitValue(), Files.readString(log));
        }
        try {
          HttpResponse<String> health =
              http.send(
                  HttpRequest.newBuilder(URI.create(url + "/health"))
                      .timeout(Duration.ofSeconds(2))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          if (health.statusCode() == 200 && health.body().contains("true")) {
            return;
          }
        } catch (IOException notYet) {
          // still starting
        }
        Thread.sleep(100);
      }
      fail("etcd at %s not healthy within 15 s: %s", url, Files.readString(log));
    }

    JsonNode post(String path, ObjectNode body) throws Exception {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(url + path))
                  .timeout(Duration.ofSeconds(10))
                  .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as("%s %s", path, response.body()).isEqualTo(200);
      return JSON.readTree(response.body());
    }

    void put(Model model, String key, String value, String lease) throws Exception {
      ObjectNode body = JSON.createObjectNode().put("key", b64(key)).put("value", b64(value));
      if (lease != null) {
        body.put("lease", lease);
      }
      model.revision = post("/v3/kv/put", body).get("header").get("revision").asLong();
      model.live.add(key);
    }

    void delete(Model model, String key, String rangeEnd) throws Exception {
      ObjectNode body = JSON.createObjectNode().put("key", b64(key));
      if (rangeEnd != null) {
        body.put("range_end", b64(rangeEnd));
      }
      JsonNode response = post("/v3/kv/deleterange", body);
      assertThat(response.path("deleted").asLong()).as("deleted by %s", key).isPositive();
      model.revision = response.get("header").get("revision").asLong();
      if (rangeEnd == null) {
        model.live.remove(key);
      } else {
        model.live.subSet(key, rangeEnd).clear();
      }
    }

    /** Physical, so the compaction is in the database before the snapshot is taken. */
    void compact(long revision) throws Exception {
      post(
          "/v3/kv/compaction",
          JSON.createObjectNode().put("revision", revision).put("physical", true));
    }

    String ctl(Path etcdctl, String... args) throws Exception {
      List<Object> all = new ArrayList<>(List.of("--endpoints", url));
      all.addAll(List.of(args));
      return run(etcdctl, all.toArray());
    }

    /**
     * A range response's count is every key in the range, whatever the limit: the same number as
     * {@code --count-only} (which 3.4's etcdctl lacks and 3.5's refuses with {@code -w json}).
     */
    long liveKeyCount(Path etcdctl) throws Exception {
      return JSON.readTree(
              ctl(etcdctl, "get", "", "--prefix", "--keys-only", "--limit=1", "-w", "json"))
          .get("count")
          .asLong();
    }

    private static String b64(String s) {
      return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}

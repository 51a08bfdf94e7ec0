package dev.runbook.runbooks.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.runbook.engine.api.Inventory;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Object lock on off-site copies, against a scripted S3 on loopback (the lab's S3Proxy has no
 * object lock): the lock is asked for in the upload, the HEAD after it must show it, and a bucket
 * without object lock is refused before anything is sent.
 */
class ObjectLockTest {

  @TempDir Path dir;
  HttpServer server;
  volatile boolean lockEnabled = true;
  volatile boolean storeKeepsLock = true;
  final List<String> requests = new CopyOnWriteArrayList<>();
  final Map<String, byte[]> objects = new ConcurrentHashMap<>();
  final Map<String, Map<String, String>> headers = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::answer);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void answer(HttpExchange x) throws IOException {
    byte[] body;
    try (InputStream in = x.getRequestBody()) {
      body = in.readAllBytes();
    }
    String method = x.getRequestMethod();
    String path = x.getRequestURI().getPath();
    String query = x.getRequestURI().getQuery();
    requests.add(method + " " + path + (query == null ? "" : "?" + query));
    if (method.equals("GET") && query != null && query.startsWith("object-lock")) {
      send(
          x,
          lockEnabled ? 200 : 404,
          lockEnabled
              ? "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>"
              : "<Error><Code>ObjectLockConfigurationNotFoundError</Code><Message>none</Message></Error>");
    } else if (method.equals("PUT")) {
      String sha = x.getRequestHeaders().getFirst("x-amz-content-sha256");
      objects.put(path, sha != null && sha.startsWith("STREAMING-") ? unchunk(body) : body);
      Map<String, String> h = new ConcurrentHashMap<>();
      x.getRequestHeaders()
          .forEach((k, v) -> h.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
      headers.put(path, h);
      x.getResponseHeaders().add("ETag", "\"e\"");
      send(x, 200, "");
    } else if (method.equals("HEAD")) {
      byte[] o = objects.get(path);
      if (o == null) {
        x.sendResponseHeaders(404, -1);
        x.close();
        return;
      }
      Map<String, String> h = headers.get(path);
      x.getResponseHeaders().add("Content-Length", Integer.toString(o.length));
      x.getResponseHeaders().add("ETag", "\"e\"");
      x.getResponseHeaders().add("x-amz-meta-sha256", h.get("x-amz-meta-sha256"));
      if (storeKeepsLock && h.containsKey("x-amz-object-lock-mode")) {
        x.getResponseHeaders().add("x-amz-object-lock-mode", h.get("x-amz-object-lock-mode"));
        x.getResponseHeaders()
            .add(
                "x-amz-object-lock-retain-until-date",
                h.get("x-amz-object-lock-retain-until-date"));
      }
      x.sendResponseHeaders(200, -1);
      x.close();
    } else if (method.equals("GET") && objects.containsKey(path)) {
      byte[] o = objects.get(path);
      x.sendResponseHeaders(200, o.length);
      x.getResponseBody().write(o);
      x.close();
    } else {
      send(x, 400, "<Error><Code>Unexpected</Code><Message>" + method + "</Message></Error>");
    }
  }

  /** The payload of a SigV4 streaming body: {@code HEX;chunk-signature=..\r\nDATA\r\n}... */
  private static byte[] unchunk(byte[] body) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int i = 0;
    while (i < body.length) {
      int eol = i;
      while (body[eol] != '\r') {
        eol++;
      }
      String head = new String(body, i, eol - i, StandardCharsets.US_ASCII);
      int size = Integer.parseInt(head.split(";")[0], 16);
      if (size == 0) {
        break;
      }
      out.write(body, eol + 2, size);
      i = eol + 2 + size + 2;
    }
    return out.toByteArray();
  }

  private static void send(HttpExchange x, int status, String text) throws IOException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().add("Content-Type", "application/xml");
    x.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      x.getResponseBody().write(b);
    }
    x.close();
  }

  private ObjectStoreClient client() {
    return ObjectStoreClient.open(
        new Inventory.ObjectStore(
            URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
            "us-east-1",
            "backups",
            true,
            null),
        Map.of("AWS_ACCESS_KEY_ID", "AKID", "AWS_SECRET_ACCESS_KEY", "not-a-secret"));
  }

  private OffSiteCopy.Result copy(ObjectStoreClient.Lock lock) throws IOException {
    Path file = Files.writeString(dir.resolve("snap.db"), "snapshot bytes");
    String sha = OffSiteCopy.sha256(file);
    try (ObjectStoreClient c = client()) {
      OffSiteCopy.requireLockable(c, "backups", lock);
      return OffSiteCopy.copy(
          c,
          file,
          Files.size(file),
          sha,
          new S3Location("backups", "etcd/snap.db"),
          "snapshot",
          lock,
          m -> {});
    }
  }

  @Test
  void theValueNamesTheModeAndDaysFromNow() {
    Instant now = Instant.parse("2026-12-03T10:15:30.500Z");
    assertThat(OffSiteCopy.lock("none", now)).isNull();
    assertThat(OffSiteCopy.lock("", now)).isNull();
    assertThat(OffSiteCopy.lock("governance:30", now))
        .isEqualTo(new ObjectStoreClient.Lock("GOVERNANCE", Instant.parse("2027-01-02T10:15:30Z")));
    assertThat(OffSiteCopy.lock("compliance:1", now).mode()).isEqualTo("COMPLIANCE");
    for (String bad :
        List.of("governance", "governance:0", "legal:3", "GOVERNANCE:3", "compliance:-1")) {
      assertThatThrownBy(() -> OffSiteCopy.lock(bad, now))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("none, governance:DAYS or compliance:DAYS");
    }
  }

  @Test
  void theUploadAsksForTheLockAndTheHeadMustShowIt() throws IOException {
    ObjectStoreClient.Lock lock = OffSiteCopy.lock("compliance:7", Instant.now());
    OffSiteCopy.Result r = copy(lock);
    assertThat(r.alreadyStored()).isFalse();
    Map<String, String> sent = headers.get("/backups/etcd/snap.db");
    assertThat(sent).containsEntry("x-amz-object-lock-mode", "COMPLIANCE");
    assertThat(Instant.parse(sent.get("x-amz-object-lock-retain-until-date")))
        .isEqualTo(lock.until());
    assertThat(sent).containsKey("content-md5");
  }

  @Test
  void aStoreThatDropsTheLockFailsTheCopy() {
    storeKeepsLock = false;
    ObjectStoreClient.Lock lock = OffSiteCopy.lock("governance:7", Instant.now());
    assertThatThrownBy(() -> copy(lock))
        .isInstanceOf(ObjectStoreException.class)
        .hasMessageContaining("does not show the GOVERNANCE lock")
        .hasMessageContaining("not protected as the run was told");
  }

  @Test
  void aBucketWithoutObjectLockIsRefusedBeforeAnythingIsSent() {
    lockEnabled = false;
    ObjectStoreClient.Lock lock = OffSiteCopy.lock("governance:7", Instant.now());
    assertThatThrownBy(() -> copy(lock))
        .isInstanceOf(ObjectStoreException.class)
        .hasMessageContaining("has no object lock enabled")
        .hasMessageContaining("nothing was uploaded");
    assertThat(requests).noneMatch(r -> r.startsWith("PUT") || r.startsWith("HEAD"));
    assertThat(objects).isEmpty();
  }

  @Test
  void withoutALockNoneIsAskedForAndTheBucketIsNotQueried() throws IOException {
    lockEnabled = false;
    copy(null);
    assertThat(headers.get("/backups/etcd/snap.db")).doesNotContainKey("x-amz-object-lock-mode");
    assertThat(requests).noneMatch(r -> r.contains("object-lock"));
  }
}

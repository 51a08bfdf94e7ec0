package dev.runbook.runbooks.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import dev.runbook.engine.api.Inventory;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How {@link ObjectStoreClient} names the answers of stores the lab's S3Proxy cannot give: a full
 * drive or a quota (MinIO, Ceph), against a scripted HTTP server on loopback. The lab covers down,
 * denied and damaged with the real store; S3Proxy answers a full disk with a bare 500.
 */
class ObjectStoreAnswersTest {

  @TempDir Path dir;
  HttpServer server;
  final AtomicInteger puts = new AtomicInteger();
  volatile int status;
  volatile String code;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          try (InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
          }
          if (exchange.getRequestMethod().equals("PUT")) {
            puts.incrementAndGet();
          }
          byte[] body =
              code == null
                  ? new byte[0]
                  : ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
                          + code
                          + "</Code><Message>scripted</Message><RequestId>1</RequestId></Error>")
                      .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/xml");
          exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  /** What an upload to the scripted server answering {@code status} and {@code code} throws. */
  private ObjectStoreException upload(int status, String code) throws IOException {
    this.status = status;
    this.code = code.isEmpty() ? null : code;
    Path file = Files.writeString(dir.resolve("snap.db"), "bytes");
    Inventory.ObjectStore store =
        new Inventory.ObjectStore(
            URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
            "us-east-1",
            "backups",
            true,
            null);
    try (ObjectStoreClient client =
        ObjectStoreClient.open(
            store, Map.of("AWS_ACCESS_KEY_ID", "AKID", "AWS_SECRET_ACCESS_KEY", "not-a-secret"))) {
      Throwable t =
          catchThrowable(
              () ->
                  client.upload(
                      file,
                      new S3Location("backups", "etcd/snap.db"),
                      "00",
                      ObjectStoreClient.PART_SIZE));
      assertThat(t).isInstanceOf(ObjectStoreException.class);
      assertThat(t.getMessage()).contains("s3://backups/etcd/snap.db");
      return (ObjectStoreException) t;
    }
  }

  @ParameterizedTest
  @CsvSource({
    "507, XMinioStorageFull",
    "507, ''",
    "403, QuotaExceeded",
    "400, XMinioAdminBucketQuotaExceeded",
    "507, InsufficientStorage"
  })
  void aStoreWithNoRoomIsFullNotDeniedOrFailed(int status, String code) throws IOException {
    ObjectStoreException e = upload(status, code);
    assertThat(e.kind()).isEqualTo(ObjectStoreException.Kind.FULL);
    assertThat(e.getMessage())
        .contains("has no room for it; free space or raise the bucket's quota");
    assertThat(puts.get()).isPositive();
  }

  @ParameterizedTest
  @CsvSource({"403, AccessDenied", "403, ''", "401, ''"})
  void aRefusedCredentialIsStillDenied(int status, String code) throws IOException {
    assertThat(upload(status, code).kind()).isEqualTo(ObjectStoreException.Kind.DENIED);
  }

  @ParameterizedTest
  @CsvSource({"500, ''", "503, SlowDown", "500, InternalError"})
  void aFailureOnTheStoresSideSaysSoAndWhereToLook(int status, String code) throws IOException {
    ObjectStoreException e = upload(status, code);
    assertThat(e.kind()).isEqualTo(ObjectStoreException.Kind.FAILED);
    assertThat(e.getMessage())
        .contains("the store failed on its side")
        .contains("look at its logs");
  }
}

package dev.runbook.engine.internal.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.InventoryException;
import dev.runbook.engine.api.InventoryException.Problem;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inventory's objectStore section: exact values, defaults, and one clear problem per field. */
class ObjectStoreSectionTest {

  @TempDir Path dir;
  @TempDir Path home;

  private static final String BASE =
      """
      cluster: prod-eu-1
      etcd:
        access: {mode: tunnel}
      members:
        - {name: cp-1, host: 10.0.0.10, clientUrl: https://10.0.0.10:2379, peerUrl: https://10.0.0.10:2380}
      """;

  @BeforeEach
  void files() throws IOException {
    Files.createDirectories(home.resolve(".ssh"));
    Files.writeString(home.resolve(".ssh/id_ed25519"), "");
    Files.writeString(home.resolve(".ssh/known_hosts"), "");
    Path creds = dir.resolve("s3.credentials");
    Files.writeString(creds, "[default]\naws_access_key_id = A\naws_secret_access_key = B\n");
    Files.setPosixFilePermissions(creds, PosixFilePermissions.fromString("rw-------"));
  }

  private Inventory load(String objectStore) throws IOException {
    Path file = dir.resolve("inventory.yaml");
    Files.writeString(file, BASE + objectStore);
    return InventoryLoader.load(file, home);
  }

  private List<String> problems(String objectStore) {
    InventoryException e = catchThrowableOfType(InventoryException.class, () -> load(objectStore));
    assertThat(e).as("the inventory must be refused").isNotNull();
    return e.problems().stream().map(Problem::message).toList();
  }

  @Test
  void everyFieldIsReadWithItsExactValue() throws IOException {
    Inventory inv =
        load(
            "objectStore: {endpoint: 'http://127.0.0.5:9000', region: eu-west-1, bucket: etcd-backups,"
                + " pathStyle: true, credentialsFile: s3.credentials}\n");
    assertThat(inv.store())
        .contains(
            new Inventory.ObjectStore(
                URI.create("http://127.0.0.5:9000"),
                "eu-west-1",
                "etcd-backups",
                true,
                dir.resolve("s3.credentials")));
  }

  @Test
  void regionPathStyleAndCredentialsFileDefault() throws IOException {
    Inventory inv = load("objectStore: {endpoint: 'https://s3.example.com', bucket: backups}\n");
    assertThat(inv.store())
        .contains(
            new Inventory.ObjectStore(
                URI.create("https://s3.example.com"), "us-east-1", "backups", false, null));
  }

  @Test
  void noSectionIsNoStore() throws IOException {
    assertThat(load("").store()).isEmpty();
  }

  @Test
  void aMissingEndpointAndBucketAreEachNamed() {
    assertThat(problems("objectStore: {region: eu-west-1}\n"))
        .anyMatch(m -> m.startsWith("objectStore.endpoint is required: ") && m.contains("https://"))
        .anyMatch(m -> m.startsWith("objectStore.bucket is required: an S3 bucket name"));
  }

  @Test
  void anEndpointThatIsNotAnHttpUrlWithoutPathIsRefusedWithAnExample() {
    for (String bad : List.of("s3.example.com", "ftp://host", "https://host/bucket", "http://")) {
      assertThat(problems("objectStore: {endpoint: '" + bad + "', bucket: backups}\n"))
          .singleElement()
          .satisfies(
              m ->
                  assertThat(m)
                      .startsWith("objectStore.endpoint must be the store's http:// or https://")
                      .endsWith("not '" + bad + "'"));
    }
  }

  @Test
  void aBadBucketRegionOrPathStyleIsNamedWithItsRule() {
    assertThat(
            problems(
                "objectStore: {endpoint: 'https://h', bucket: Bad_Bucket, region: 'EU 1',"
                    + " pathStyle: maybe}\n"))
        .containsExactlyInAnyOrder(
            "objectStore.bucket must be an S3 bucket name: 3 to 63 lower-case letters, digits,"
                + " dots and hyphens, like etcd-backups, not 'Bad_Bucket'",
            "objectStore.region must be a region name like eu-west-1, not 'EU 1'",
            "objectStore.pathStyle must be true (the bucket in the URL's path, as most"
                + " S3-compatible stores want) or false (the bucket in the host name, as AWS"
                + " prefers), not 'maybe'");
  }

  @Test
  void aCredentialsFileMustExistAndBeClosedToOthers() throws IOException {
    assertThat(
            problems(
                "objectStore: {endpoint: 'https://h', bucket: backups, credentialsFile: nope}\n"))
        .singleElement()
        .satisfies(
            m -> assertThat(m).contains(dir.resolve("nope") + " does not exist: name a file"));
    Files.setPosixFilePermissions(
        dir.resolve("s3.credentials"), PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(
            problems(
                "objectStore: {endpoint: 'https://h', bucket: backups, credentialsFile:"
                    + " s3.credentials}\n"))
        .singleElement()
        .satisfies(
            m -> assertThat(m).contains("is open to others (it holds a secret): chmod 600 "));
  }

  @Test
  void anUnknownKeyAndANonMappingAreRefused() {
    assertThat(problems("objectStore: {endpoint: 'https://h', bucket: backups, secret: x}\n"))
        .containsExactly(
            "unknown key 'secret' in objectStore; allowed keys: endpoint, region, bucket,"
                + " pathStyle, credentialsFile");
    assertThat(problems("objectStore: s3://backups\n"))
        .containsExactly(
            "objectStore must be a mapping of keys (endpoint, region, bucket, pathStyle,"
                + " credentialsFile)");
  }
}

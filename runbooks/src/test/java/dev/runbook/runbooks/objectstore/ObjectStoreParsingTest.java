package dev.runbook.runbooks.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** s3:// URLs and credentials files as the object-store steps read them. */
class ObjectStoreParsingTest {

  @TempDir Path tmp;

  @Test
  void aPrefixAndAKeyAreSplitFromTheBucket() {
    S3Location prefix = UploadToObjectStore.parse("s3://lab-backups/etcd/prod");
    assertThat(prefix).isEqualTo(new S3Location("lab-backups", "etcd/prod"));
    assertThat(prefix.under("snap.db")).isEqualTo("etcd/prod/snap.db");
    assertThat(UploadToObjectStore.parse("s3://lab-backups").under("snap.db")).isEqualTo("snap.db");
    assertThat(UploadToObjectStore.parse("s3://lab-backups/etcd/").under("snap.db"))
        .isEqualTo("etcd/snap.db");
    S3Location key = FetchSnapshot.parse("s3://lab-backups/etcd/prod/snap.db");
    assertThat(key.fileName()).isEqualTo("snap.db");
    assertThat(key).hasToString("s3://lab-backups/etcd/prod/snap.db");
  }

  @Test
  void aBadUrlIsRefusedWithWhatAGoodOneLooksLike() {
    for (String bad :
        new String[] {
          "lab-backups/x", "s3://Lab_Backups/x", "s3://ab/x", "s3://b-1//x", "s3://b-1/\nx"
        }) {
      assertThatThrownBy(() -> UploadToObjectStore.parse(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("objectStore must be an s3://BUCKET/PREFIX (or none) URL");
    }
    assertThatThrownBy(() -> FetchSnapshot.parse("s3://lab-backups/etcd/"))
        .hasMessage(
            "snapshot must name one object, s3://BUCKET/KEY, not the prefix 's3://lab-backups/etcd/'");
  }

  @Test
  void credentialsAreReadFromTheDefaultProfileAndNeverShown() throws Exception {
    Path file = tmp.resolve("credentials");
    Files.writeString(
        file,
        """
        # comment
        [other]
        aws_access_key_id = NOT
        aws_secret_access_key = NOT
        [default]
        aws_access_key_id = AKID
        aws_secret_access_key = s3cr3t-value
        """);
    StoreCredentials c = StoreCredentials.read(file, Map.of());
    assertThat(c.accessKeyId()).isEqualTo("AKID");
    assertThat(c.secretAccessKey()).isEqualTo("s3cr3t-value");
    assertThat(c.toString()).doesNotContain("s3cr3t-value").contains("AKID");
  }

  @Test
  void withoutAFileTheEnvironmentIsUsedAndNeitherIsADeniedError() throws Exception {
    assertThat(
            StoreCredentials.read(
                    null, Map.of("AWS_ACCESS_KEY_ID", "E", "AWS_SECRET_ACCESS_KEY", "F"))
                .secretAccessKey())
        .isEqualTo("F");
    assertThatThrownBy(() -> StoreCredentials.read(null, Map.of("AWS_ACCESS_KEY_ID", "E")))
        .isInstanceOfSatisfying(
            ObjectStoreException.class,
            e -> assertThat(e.kind()).isEqualTo(ObjectStoreException.Kind.DENIED));
    Path empty = tmp.resolve("empty");
    Files.writeString(empty, "[default]\naws_access_key_id = A\n");
    assertThatThrownBy(() -> StoreCredentials.read(empty, Map.of()))
        .isInstanceOfSatisfying(
            ObjectStoreException.class,
            e ->
                assertThat(e.getMessage())
                    .contains(
                        "has no aws_access_key_id and aws_secret_access_key under [default]"));
  }

  @Test
  void eachKindHasItsErrorCode() {
    assertThat(
            new ObjectStoreException(ObjectStoreException.Kind.DIGEST_MISMATCH, "x")
                .toRunbookError()
                .code())
        .hasToString("SNAPSHOT_CHECKSUM_MISMATCH");
    assertThat(
            new ObjectStoreException(ObjectStoreException.Kind.UNREACHABLE, "x")
                .toRunbookError()
                .code())
        .hasToString("OBJECT_STORE_UNREACHABLE");
    assertThat(
            new ObjectStoreException(ObjectStoreException.Kind.DENIED, "x").toRunbookError().code())
        .hasToString("OBJECT_STORE_DENIED");
  }
}

package dev.runbook.engine.internal.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ParameterTypeTest {

  private static ParameterType.Spec spec(ParameterType t, String min, String max, String pattern) {
    return new ParameterType.Spec(t, min, max, pattern);
  }

  private static Optional<String> check(ParameterType.Spec s, String value) {
    return s.problem(value, false);
  }

  @Test
  void durationsAreIso8601WithinTheirBounds() {
    ParameterType.Spec gate = spec(ParameterType.DURATION, "PT1S", "P7D", null);
    assertThat(check(gate, "PT4H")).isEmpty();
    assertThat(check(gate, "P1D")).isEmpty();
    assertThat(check(gate, "banana")).get().asString().contains("ISO-8601 duration");
    assertThat(check(gate, "-PT1H")).get().asString().contains("below the least allowed, PT1S");
    assertThat(check(gate, "P30D")).get().asString().contains("above the most allowed, P7D");
    assertThat(gate.describe()).isEqualTo("duration PT1S..P7D");
  }

  @Test
  void integersAreWholeNumbersWithinTheirBounds() {
    ParameterType.Spec keep = spec(ParameterType.INTEGER, "0", null, null);
    assertThat(check(keep, "7")).isEmpty();
    assertThat(check(keep, "-5")).get().asString().contains("below the least allowed, 0");
    assertThat(check(keep, "7.5")).get().asString().contains("whole number");
    assertThat(check(keep, " 7")).as("the step reads the value as given").isPresent();
    assertThat(keep.describe()).isEqualTo("integer >= 0");
  }

  @Test
  void pathsAreAbsoluteAndDigestsAre64HexDigits() {
    ParameterType.Spec path = spec(ParameterType.PATH, null, null, null);
    assertThat(check(path, "/var/lib/runbook")).isEmpty();
    assertThat(check(path, "var/lib")).get().asString().contains("absolute path");
    assertThat(check(path, "/var/lib\n/etc")).get().asString().contains("one line");
    ParameterType.Spec sha = spec(ParameterType.SHA256, null, null, null);
    assertThat(check(sha, "ab".repeat(32))).isEmpty();
    assertThat(check(sha, "nothex")).get().asString().contains("64 hex digits");
    assertThat(check(sha, "ab".repeat(31))).isPresent();
    ParameterType.Spec flag = spec(ParameterType.BOOLEAN, null, null, null);
    assertThat(check(flag, "true")).isEmpty();
    assertThat(check(flag, "yes")).get().asString().contains("true or false");
  }

  @Test
  void aLocationIsAnAbsolutePathOrAnObjectUrl() {
    ParameterType.Spec where = spec(ParameterType.LOCATION, null, null, null);
    assertThat(where.describe()).isEqualTo("path or s3://BUCKET/KEY");
    assertThat(check(where, "/var/lib/runbook/snap.db")).isEmpty();
    assertThat(check(where, "s3://etcd-backups/prod/snap.db")).isEmpty();
    for (String bad :
        new String[] {
          "snap.db", "s3://etcd-backups/", "s3://Bad_Bucket/k", "https://x/y", "s3:/a/b"
        }) {
      assertThat(check(where, bad))
          .as(bad)
          .get()
          .asString()
          .contains("an absolute path (starting with /) or s3://BUCKET/KEY");
    }
    assertThat(check(where, "/a\n/b")).get().asString().contains("one line");
  }

  @Test
  void aFileMustBeThereAndReadableAndADirMustNotBeAFile(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    java.nio.file.Path file = java.nio.file.Files.writeString(tmp.resolve("key"), "k");
    ParameterType.Spec f = spec(ParameterType.FILE, null, null, null);
    assertThat(check(f, file.toString())).isEmpty();
    assertThat(check(f, tmp.resolve("none").toString()))
        .get()
        .asString()
        .contains("does not exist on the engine host");
    assertThat(check(f, tmp.toString())).get().asString().contains("is not a regular file");
    assertThat(check(f, "key")).get().asString().contains("absolute path");
    ParameterType.Spec d = spec(ParameterType.DIRECTORY, null, null, null);
    assertThat(check(d, tmp.toString())).isEmpty();
    assertThat(check(d, tmp.resolve("new/sub").toString())).as("made by the step").isEmpty();
    assertThat(check(d, file.toString()))
        .get()
        .asString()
        .contains("exists and is not a directory");
  }

  @Test
  void stringsMatchTheirPatternWhole() {
    ParameterType.Spec nodes = spec(ParameterType.STRING, null, null, "[a-z0-9-]+(,[a-z0-9-]+)*");
    assertThat(check(nodes, "cp-1,cp-2")).isEmpty();
    assertThat(check(nodes, "cp-1; rm -rf /")).get().asString().contains("does not match");
    assertThat(check(spec(ParameterType.STRING, null, null, null), "any\nthing")).isEmpty();
  }

  @Test
  void aSecretValueIsNeverQuotedInTheProblem() {
    ParameterType.Spec sha = spec(ParameterType.SHA256, null, null, null);
    assertThat(sha.problem("hunter2-secret", true))
        .get()
        .asString()
        .doesNotContain("hunter2")
        .contains("the value is not");
  }

  @Test
  void declarationsWithBoundsOfTheWrongKindAreNamed() {
    assertThat(spec(ParameterType.PATH, "0", null, null).declarationProblem())
        .get()
        .asString()
        .contains("min and max apply to integer and duration");
    assertThat(spec(ParameterType.DURATION, "soon", null, null).declarationProblem())
        .get()
        .asString()
        .contains("bound 'soon' is not a duration");
    assertThat(spec(ParameterType.STRING, null, null, "[").declarationProblem())
        .get()
        .asString()
        .contains("not a regular expression");
    assertThat(spec(ParameterType.INTEGER, null, null, "x").declarationProblem()).isPresent();
    assertThat(spec(ParameterType.INTEGER, "0", "9", null).declarationProblem()).isEmpty();
    assertThat(ParameterType.of("colour")).isEmpty();
    assertThat(ParameterType.of("duration")).contains(ParameterType.DURATION);
  }
}

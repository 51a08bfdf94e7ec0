package dev.runbook.engine.internal.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.engine.api.SealedSecretException;
import dev.runbook.engine.api.SealedSecretException.Reason;
import dev.runbook.engine.internal.evidence.EngineKey;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sealed values open only for their run, variable and home key; anything else says why. */
class SealerTest {

  @TempDir Path home;

  @Test
  void aSealedValueOpensInsideALongerTextAndHoldsNothingInClear() {
    Sealer sealer = Sealer.of(home, "0badc0de");
    String sealed = sealer.seal("token", "s3cr3t value");
    assertThat(sealed).startsWith(Sealer.PREFIX).doesNotContain("s3cr3t");
    assertThat(sealer.seal("token", "s3cr3t value"))
        .as("a fresh nonce each time")
        .isNotEqualTo(sealed);
    assertThat(Sealer.of(home, "0badc0de").open("a " + sealed + " and " + sealed + "."))
        .isEqualTo("a s3cr3t value and s3cr3t value.");
    assertThat(sealer.open("plain text")).isEqualTo("plain text");
  }

  @Test
  void aValueMovedToAnotherRunOrVariableDoesNotOpen() {
    String sealed = Sealer.of(home, "0badc0de").seal("token", "s3cr3t value");
    assertThatThrownBy(() -> Sealer.of(home, "feedf00d").open(sealed))
        .isInstanceOfSatisfying(
            SealedSecretException.class, e -> assertThat(e.reason()).isEqualTo(Reason.DAMAGED));
    String renamed = sealed.replace(":token:", ":other:");
    assertThatThrownBy(() -> Sealer.of(home, "0badc0de").open(renamed))
        .isInstanceOfSatisfying(
            SealedSecretException.class, e -> assertThat(e.reason()).isEqualTo(Reason.DAMAGED));
  }

  @Test
  void aCutValueIsDamaged() {
    String sealed = Sealer.of(home, "0badc0de").seal("token", "s3cr3t value");
    for (String cut :
        new String[] {
          sealed.substring(0, sealed.length() - 4), sealed.substring(0, 30), "x sealed:v1:"
        }) {
      assertThatThrownBy(() -> Sealer.of(home, "0badc0de").open(cut))
          .as(cut)
          .isInstanceOfSatisfying(
              SealedSecretException.class, e -> assertThat(e.reason()).isEqualTo(Reason.DAMAGED));
    }
  }

  @Test
  void anotherOrAMissingHomeKeyIsNamed() throws Exception {
    String sealed = Sealer.of(home, "0badc0de").seal("token", "s3cr3t value");
    Files.move(home.resolve("engine.key"), home.resolve("engine.key.old"));
    assertThatThrownBy(() -> Sealer.of(home, "0badc0de").open(sealed))
        .isInstanceOfSatisfying(
            SealedSecretException.class, e -> assertThat(e.reason()).isEqualTo(Reason.KEY_MISSING))
        .hasMessageContaining("engine.key is missing");
    assertThat(home.resolve("engine.key")).doesNotExist();

    EngineKey.loadOrCreate(home); // a new key in its place
    assertThatThrownBy(() -> Sealer.of(home, "0badc0de").open(sealed))
        .isInstanceOfSatisfying(
            SealedSecretException.class, e -> assertThat(e.reason()).isEqualTo(Reason.OTHER_KEY))
        .hasMessageContaining("engine.key was replaced");
  }
}

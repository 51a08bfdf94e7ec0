package dev.runbook.engine.internal.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HomeDirTest {

  @TempDir Path tmp;

  @Test
  void aNewHomeIsTheOwnersOnlyAndAnOldRunbookHomeIsTightened() throws Exception {
    Path fresh = HomeDir.ensure(tmp.resolve("a/b/home"));
    assertThat(Files.getPosixFilePermissions(fresh))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));

    Path old = Files.createDirectories(tmp.resolve("old"));
    Files.createDirectories(old.resolve("runs"));
    Files.writeString(old.resolve("engine.mv.db"), "");
    Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rwxr-xr-x"));
    HomeDir.ensure(old);
    assertThat(Files.getPosixFilePermissions(old))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
  }

  @Test
  void tightenMakesTheDatabaseAndPlansTheOwnersOnlyAndLeavesOtherFilesAlone() throws Exception {
    Path home = HomeDir.ensure(tmp.resolve("home"));
    Path db = Files.writeString(home.resolve("engine.mv.db"), "");
    Path lock = Files.writeString(home.resolve("engine.lock.db"), "");
    Path runs = Files.createDirectories(home.resolve("runs"));
    Path plan =
        Files.writeString(Files.createDirectories(home.resolve("plans")).resolve("a.json"), "");
    Path other = Files.writeString(home.resolve("notes.txt"), "");
    Path publicKey = Files.writeString(home.resolve("engine.key.pub"), "");
    for (Path p : List.of(db, lock, plan, other, publicKey)) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    }
    Files.setPosixFilePermissions(runs, PosixFilePermissions.fromString("rwxr-xr-x"));

    HomeDir.tighten(home);

    for (Path p : List.of(db, lock, plan)) {
      assertThat(Files.getPosixFilePermissions(p))
          .as(p.toString())
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }
    assertThat(Files.getPosixFilePermissions(runs))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    for (Path p : List.of(other, publicKey)) {
      assertThat(Files.getPosixFilePermissions(p))
          .as(p.toString())
          .isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
    }
    HomeDir.tighten(tmp.resolve("no-such-home")); // nothing to do, no error
  }

  @Test
  void aDirectoryThatIsNotARunbookHomeKeepsItsMode() throws Exception {
    // --home /tmp by mistake must not lock everybody else out of it.
    Path shared = Files.createDirectories(tmp.resolve("shared"));
    Files.writeString(shared.resolve("someone-elses.txt"), "x");
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
    HomeDir.ensure(shared);
    assertThat(Files.getPosixFilePermissions(shared))
        .isEqualTo(PosixFilePermissions.fromString("rwxrwxrwx"));
  }
}

package dev.runbook.engine.internal.evidence;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The runbook home holds the engine's database, plans, evidence and traces: readable by its owner
 * only. The home itself is made (or tightened to) mode 0700, so whatever mode a file inside gets
 * from the umask or a library (H2 makes its files 0644), nobody else can reach it.
 */
public final class HomeDir {
  private HomeDir() {}

  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rwx------");

  /**
   * Makes {@code home} (mode 0700) when missing, and tightens an existing runbook home (one holding
   * runs/, plans/ or the engine's database, or nothing yet) to 0700. Any other existing directory
   * is left as it is: {@code --home /tmp} must not lock everybody out of /tmp.
   */
  public static Path ensure(Path home) throws IOException {
    FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(OWNER_ONLY);
    if (!Files.isDirectory(home)) {
      Path parent = home.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.createDirectory(home, mode);
    }
    if (isRunbookHome(home) && !Files.getPosixFilePermissions(home).equals(OWNER_ONLY)) {
      Files.setPosixFilePermissions(home, OWNER_ONLY);
    }
    return home;
  }

  private static final Set<PosixFilePermission> OWNER_READ_WRITE =
      PosixFilePermissions.fromString("rw-------");

  /**
   * Tightens what the engine and libraries made in the home with the umask's mode: the engine's
   * database files ({@code engine.*.db}: H2 makes them 0644, and they hold secret parameters and
   * the AUTO_SERVER connection key) and stored plans to 0600, {@code runs/}, {@code plans/} and
   * {@code errors/} to 0700. The home's own 0700 already keeps others out; this keeps a copied or
   * re-moded home, or a backup of its files, the owner's too. Nothing outside those names is
   * touched.
   */
  public static void tighten(Path home) throws IOException {
    if (!Files.isDirectory(home)) {
      return;
    }
    try (var entries = Files.list(home)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        String n = p.getFileName().toString();
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
            && (n.equals("runs") || n.equals("plans") || n.equals("errors"))) {
          set(p, OWNER_ONLY);
        } else if (n.startsWith("engine.")
            && n.endsWith(".db") // H2's files; engine.key keeps the mode EngineKey gives it
            && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          set(p, OWNER_READ_WRITE);
        }
      }
    }
    Path plans = home.resolve("plans");
    if (Files.isDirectory(plans, LinkOption.NOFOLLOW_LINKS)) {
      try (var entries = Files.list(plans)) {
        for (Path p : (Iterable<Path>) entries::iterator) {
          if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            set(p, OWNER_READ_WRITE);
          }
        }
      }
    }
  }

  private static void set(Path p, Set<PosixFilePermission> mode) throws IOException {
    try {
      if (!Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS).equals(mode)) {
        Files.setPosixFilePermissions(p, mode);
      }
    } catch (NoSuchFileException gone) {
      // H2 removes its temporary files as it goes: one gone meanwhile needs no mode.
    }
  }

  private static boolean isRunbookHome(Path home) throws IOException {
    try (var entries = Files.list(home)) {
      return entries
          .map(p -> p.getFileName().toString())
          .allMatch(
              n ->
                  n.equals("runs")
                      || n.equals("plans")
                      || n.equals("errors")
                      || n.startsWith("engine."));
    }
  }
}

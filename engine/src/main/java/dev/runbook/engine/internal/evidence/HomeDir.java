package dev.runbook.engine.internal.evidence;

import java.io.IOException;
import java.nio.file.Files;
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

package dev.runbook.runbooks.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drop-in etcd-restore installs on an external member, loaded by real systemd: the lab's {@code
 * systemctl} is a stand-in, so here systemd's own unit loader ({@code systemd-analyze verify} on an
 * offline root, nothing started) reads the unit with the drop-in, in both styles, and must accept
 * it without a warning. The control case shows the check bites: without the empty {@code
 * ExecStart=} that resets the unit's own, systemd refuses the service.
 */
class ExternalDropInSystemdTest {

  @TempDir Path tmp;

  @Test
  void systemdLoadsTheFlagsStyleDropInWithoutAWarning() throws Exception {
    ExternalRestore.Patch p = patch(EtcdUnitTest.FLAGS, Map.of());
    Path root = root(EtcdUnitTest.FLAGS, Map.of(), p.dropIn());

    assertThat(verify(root)).isEqualTo(new Verified(0, ""));
  }

  @Test
  void withoutTheResetSystemdRefusesTheService() throws Exception {
    String dropIn = patch(EtcdUnitTest.FLAGS, Map.of()).dropIn().replace("ExecStart=\n", "");
    Path root = root(EtcdUnitTest.FLAGS, Map.of(), dropIn);

    Verified v = verify(root);
    assertThat(v.exit()).isNotZero();
    assertThat(v.output()).contains("more than one ExecStart= setting");
  }

  @Test
  void systemdLoadsTheEnvironmentFileStyleDropInWithoutAWarning() throws Exception {
    Map<String, String> files = Map.of("/etc/etcd/etcd.conf", EtcdUnitTest.ENV_FILE);
    ExternalRestore.Patch p = patch(EtcdUnitTest.ENV_UNIT, files);
    Path root = root(EtcdUnitTest.ENV_UNIT, files, p.dropIn());
    write(root, p.envCopyPath(), p.envCopy());

    assertThat(verify(root)).isEqualTo(new Verified(0, ""));
  }

  private static ExternalRestore.Patch patch(String cat, Map<String, String> files) {
    ExternalRestore.Read r =
        new ExternalRestore.Read(cat, files, EtcdUnit.parse("etcd.service", cat, files::get));
    return ExternalRestore.patch(
        r, ExternalRestoreTest.INV, ExternalRestoreTest.RUN, ExternalRestoreTest.RESTORED);
  }

  /**
   * An offline root holding systemd's own units (their targets), the files {@code systemctl cat}
   * showed, the environment files, the etcd binary the unit starts, and the run's drop-in.
   */
  private Path root(String cat, Map<String, String> files, String dropIn) throws IOException {
    Path root = tmp.resolve("root");
    Path own = Files.createDirectories(root.resolve("usr/lib/systemd/system"));
    try (Stream<Path> units = Files.list(Path.of("/lib/systemd/system"))) {
      for (Path u : units.filter(Files::isRegularFile).toList()) {
        Files.copy(u, own.resolve(u.getFileName()));
      }
    }
    String file = null;
    StringBuilder text = new StringBuilder();
    for (String line : (cat + "# /end\n").lines().toList()) {
      if (line.startsWith("# /")) {
        if (file != null) {
          write(root, file, text.toString());
        }
        file = line.substring(2);
        text.setLength(0);
      } else {
        text.append(line).append('\n');
      }
    }
    files.forEach((path, content) -> write(root, path, content));
    Path etcd = write(root, "/usr/local/bin/etcd", "#!/bin/sh\n");
    Files.setPosixFilePermissions(etcd, PosixFilePermissions.fromString("rwxr-xr-x"));
    write(root, ExternalRestore.dropIn(ExternalRestoreTest.INV, ExternalRestoreTest.RUN), dropIn);
    return root;
  }

  private static Path write(Path root, String path, String content) {
    try {
      Path f = root.resolve(path.substring(1));
      Files.createDirectories(f.getParent());
      return Files.writeString(f, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  record Verified(int exit, String output) {}

  private static Verified verify(Path root) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                "systemd-analyze", "verify", "--root=" + root, "--man=no", "etcd.service")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    return new Verified(p.waitFor(), out.strip());
  }
}

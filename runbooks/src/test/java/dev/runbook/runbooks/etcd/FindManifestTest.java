package dev.runbook.runbooks.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.engine.internal.template.TemplateRenderer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * find-manifest.ftl, the probes' reading of where a member's manifests are, rendered and run under
 * real {@code sh} on directories, and read back the way the steps read it ({@link KeyValues}).
 */
class FindManifestTest {

  @TempDir Path tmp;

  @Test
  void saysForEachFileWhetherItIsInTheManifestDirAndInTheRunDir() throws Exception {
    Path manifests = Files.createDirectories(tmp.resolve("manifest dir"));
    Path runDir = Files.createDirectories(tmp.resolve("run 'dir'"));
    Files.writeString(manifests.resolve("etcd.yaml"), "patched");
    Files.writeString(runDir.resolve("etcd.yaml"), "original");
    Files.writeString(runDir.resolve("kube-apiserver.yaml"), "set aside");
    String command =
        new TemplateRenderer(null)
            .render(
                "commands/etcd-restore/find-manifest.ftl",
                Map.of(
                    "manifestDir",
                    manifests.toString(),
                    "runDir",
                    runDir.toString(),
                    "files",
                    List.of("etcd.yaml", "kube-apiserver.yaml", "kube-scheduler.yaml")));
    Process sh = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
    String out = new String(sh.getInputStream().readAllBytes());
    assertThat(sh.waitFor()).as(out).isZero();
    assertThat(KeyValues.parse(out))
        .containsExactly(
            Map.entry("inPlace0", "true"),
            Map.entry("inRunDir0", "true"),
            Map.entry("inPlace1", "false"),
            Map.entry("inRunDir1", "true"),
            Map.entry("inPlace2", "false"),
            Map.entry("inRunDir2", "false"));
  }
}

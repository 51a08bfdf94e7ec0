package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunbookEngine;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A runbook home for the tests that kill a real engine process: the test runbooks, a one-member
 * inventory (nothing is reached over SSH), a work dir for the test steps, and {@link CrashRunMain}
 * started in another JVM on the same home.
 */
record CrashHome(Path tmp, Path home, Path work, Path runbooks, Path inventory) {

  static CrashHome in(Path tmp, String cluster) throws IOException, URISyntaxException {
    Path work = Files.createDirectories(tmp.resolve("work"));
    Files.writeString(tmp.resolve("id"), "unused\n");
    Files.writeString(tmp.resolve("known_hosts"), "");
    Path inventory = tmp.resolve("inventory.yaml");
    Files.writeString(
        inventory,
        """
        cluster: %s
        ssh: {identityFile: id, knownHosts: known_hosts}
        members:
          - {name: n1, host: 127.0.0.1, clientUrl: https://127.0.0.1:2379, peerUrl: https://127.0.0.1:2380}
        approval: {identity: unsigned}
        """
            .formatted(cluster));
    return new CrashHome(
        tmp,
        tmp.resolve("home"),
        work,
        Path.of(CrashHome.class.getResource("/test-runbooks").toURI()),
        inventory);
  }

  RunbookEngine engine() {
    return RunbookEngine.open(
        new EngineOptions(home, null, runbooks, null, TestSteps.all(), RunListener.NONE));
  }

  /** Starts {@link CrashRunMain} in another JVM (the test's class path); its output: child.log. */
  Process child(String probe, String... more) throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                CrashRunMain.class.getName(),
                home.toString(),
                runbooks.toString(),
                inventory.toString(),
                work.toString(),
                probe));
    command.addAll(List.of(more));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(tmp.resolve("child.log").toFile())
        .start();
  }

  String childLog() throws IOException {
    return Files.readString(tmp.resolve("child.log"));
  }
}

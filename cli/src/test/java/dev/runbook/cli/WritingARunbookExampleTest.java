package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example runbook of docs/writing-a-runbook.md (docs/examples/node-facts) passes the lint and
 * plans with its own template, as the document says it does.
 */
class WritingARunbookExampleTest {

  static final Path EXAMPLE = Path.of("..", "docs", "examples", "node-facts").toAbsolutePath();

  @TempDir Path tmp;

  private Cli.Result cli(String... args) {
    String[] all = new String[args.length + 4];
    all[0] = "--runbooks";
    all[1] = EXAMPLE.toString();
    all[2] = "--templates";
    all[3] = EXAMPLE.resolve("templates").toString();
    System.arraycopy(args, 0, all, 4, args.length);
    return new Cli(tmp.resolve("home")).run(all);
  }

  @Test
  void theExampleIsListedWithItsParameter() {
    Cli.Result r = cli("list");

    assertThat(r.code()).as(r.toString()).isEqualTo(Main.DONE);
    assertThat(r.out())
        .contains("node-facts  ")
        .contains("-p stampDir=/var/lib/runbook/node-facts");
  }

  @Test
  void theExamplePlansWithItsOwnTemplate() throws Exception {
    for (String f : new String[] {"id", "known_hosts"}) {
      Files.writeString(tmp.resolve(f), "");
    }
    Path inventory =
        Files.writeString(
            tmp.resolve("inventory.yaml"),
            """
            cluster: example
            ssh: {user: root, port: 22, identityFile: %1$s/id, knownHosts: %1$s/known_hosts}
            members:
              - {name: cp-1, host: 127.0.0.1, clientUrl: https://127.0.0.1:2379, peerUrl: https://127.0.0.1:2380}
            approval: {identity: unsigned}
            """
                .formatted(tmp));

    Cli.Result r = cli("plan", "node-facts", "-i", inventory.toString());

    assertThat(r.code()).as(r.toString()).isEqualTo(Main.DONE);
    assertThat(r.out())
        .contains("Task_ReadFacts")
        .contains("df -P /var/lib | tail -n 1")
        .contains("Gate_ApproveStamp")
        .contains("Task_WriteStamp")
        .contains("/var/lib/runbook/node-facts");
  }
}

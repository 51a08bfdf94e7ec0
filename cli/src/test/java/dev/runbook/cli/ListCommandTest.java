package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListCommandTest {

  @TempDir Path tmp;

  @Test
  void listsEveryShippedRunbookWithItsParameters() {
    Cli.Result r = new Cli(tmp.resolve("home")).run("list");

    assertThat(r.code()).as(r.toString()).isEqualTo(Main.DONE);
    assertThat(r.out())
        .contains("ssh-check  ")
        .contains("etcd-snapshot  ")
        .contains("etcd-restore  ")
        .contains("    -p snapshot=... [path or s3://BUCKET/KEY] (required)  ")
        .contains("    -p gateTimeout=PT4H [duration PT1S..P7D]  ")
        .contains("    -p expectSha256= [sha256]  ");
    assertThat(r.err()).isEmpty();
    // Listing reads the runbooks only: no engine, so no database and no runs dir in the home.
    assertThat(Files.exists(tmp.resolve("home"))).isFalse();
  }

  @Test
  void theHomeIsTheOptionThenRunbookHomeThenDotRunbook() {
    Path option = tmp.resolve("opt");

    assertThat(RunbookCommand.home(option, "/env/home", "/users/ann"))
        .isEqualTo(option.toAbsolutePath());
    assertThat(RunbookCommand.home(null, "/env/home", "/users/ann"))
        .isEqualTo(Path.of("/env/home"));
    assertThat(RunbookCommand.home(null, " ", "/users/ann"))
        .isEqualTo(Path.of("/users/ann/.runbook"));
    assertThat(RunbookCommand.home(null, null, "/users/ann"))
        .isEqualTo(Path.of("/users/ann/.runbook"));
  }
}

package dev.runbook.engine.internal.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run marker with a real sh, flock and timeout on this machine, as a node runs them: a command
 * holds its marker for as long as anything it started runs, and a resume's wait returns only then
 * (or says it still runs); the timeout every command runs under lets the marker go.
 */
class RunMarkerTest {

  static final String RUN = "0a1b2c3d";

  @TempDir Path base;

  private Process sh(String script) throws IOException {
    return new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
  }

  private static String out(Process p) throws IOException {
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  private Process marked(String command, Duration timeout) throws IOException {
    return sh(
        RemoteCommand.wrap(
            RunMarker.wrap(base.toString(), RUN, "Task_Restore", command), timeout, false));
  }

  private Process awaitEarlier(Duration bound) throws IOException {
    return sh(RunMarker.awaitEarlier(base.toString(), RUN, "Task_Restore", bound));
  }

  @Test
  void theWaitReturnsOnlyWhenTheEarlierCommandAndWhatItStartedHaveEnded() throws Exception {
    Path done = base.resolve("done");
    // The command starts a child in the background and ends; the child goes on writing.
    Process first =
        marked(
            "(sleep 2; echo written > '" + done + "') >/dev/null 2>&1 & echo started",
            Duration.ofSeconds(30));
    assertThat(out(first)).contains("started");
    assertThat(first.waitFor()).isZero();
    assertThat(done).doesNotExist();

    Process wait = awaitEarlier(Duration.ofSeconds(30));

    assertThat(wait.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(wait.exitValue()).as(out(wait)).isZero();
    assertThat(done).as("the wait ended after the child").hasContent("written");
  }

  @Test
  void aWaitThatRunsOutSaysAnEarlierCommandStillRuns() throws Exception {
    Process first = marked("sleep 20", Duration.ofSeconds(60));
    try {
      // Until the marker exists, there is nothing to wait for.
      Path dir = base.resolve(RUN);
      for (int i = 0;
          i < 100 && !(Files.isDirectory(dir) && Files.list(dir).findAny().isPresent());
          i++) {
        Thread.sleep(50);
      }

      Process wait = awaitEarlier(Duration.ofSeconds(1));

      assertThat(wait.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(wait.exitValue()).isEqualTo(RunMarker.STILL_RUNNING);
      assertThat(out(wait)).contains("an earlier command of Task_Restore still runs on this node");
    } finally {
      first.destroyForcibly();
    }
  }

  @Test
  void theRemoteTimeoutLetsTheMarkerGoWithEveryChild() throws Exception {
    Process first = marked("sleep 30 & sleep 30", Duration.ofSeconds(1));
    assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(first.exitValue()).isEqualTo(RemoteCommand.TIMED_OUT);

    Process wait = awaitEarlier(Duration.ofSeconds(10));

    assertThat(wait.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(wait.exitValue()).as(out(wait)).isZero();
  }

  @Test
  void aNodeWhereTheStepNeverRanHasNothingToWaitFor() throws Exception {
    Process wait = awaitEarlier(Duration.ofSeconds(10));
    assertThat(wait.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(wait.exitValue()).isZero();
  }

  @Test
  void aCommandWhoseMarkerCannotBeMadeDoesNotRun() throws Exception {
    Path blocker = Files.writeString(base.resolve("file"), "not a dir");
    Path ran = base.resolve("ran");
    Process p =
        sh(RunMarker.wrap(blocker.toString(), RUN, "Task_Restore", "echo ran > '" + ran + "'"));
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(RunMarker.NO_MARKER);
    assertThat(out(p)).contains("cannot take the run marker").contains("nothing was run");
    assertThat(ran).doesNotExist();
  }

  @Test
  void idsThatAreNotIdsNeverReachAShell() {
    assertThatThrownBy(() -> RunMarker.wrap("../../etc", "Task_X", "true"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RunMarker.awaitEarlier(RUN, "Task_$(reboot)", Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

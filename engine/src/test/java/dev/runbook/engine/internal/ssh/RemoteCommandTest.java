package dev.runbook.engine.internal.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RemoteCommandTest {

  @Test
  void quotesInSingleQuotesAndEscapesSingleQuotes() {
    assertThat(RemoteCommand.quote("abc")).isEqualTo("'abc'");
    assertThat(RemoteCommand.quote("")).isEqualTo("''");
    assertThat(RemoteCommand.quote("it's")).isEqualTo("'it'\\''s'");
    assertThat(RemoteCommand.quote("''")).isEqualTo("''\\'''\\'''");
  }

  @Test
  void quotedWordsReachTheCommandUnchangedThroughARealShell() throws Exception {
    List<String> nasty =
        List.of(
            "plain",
            "it's",
            "'",
            "$(touch /tmp/pwned) `id` $HOME ${X:-y}",
            "a\nb",
            "back\\slash \\' \"double\"",
            "; rm -rf / #",
            "* ? [a-z] ~",
            "ünïcödé");
    for (String word : nasty) {
      assertThat(sh("printf %s " + RemoteCommand.quote(word))).isEqualTo(word);
    }
  }

  @Test
  void wrapsInTimeoutAndShC() {
    assertThat(RemoteCommand.wrap("echo 'hi'; exit 3", Duration.ofSeconds(30), false))
        .isEqualTo("timeout -k 5 30 sh -c 'echo '\\''hi'\\''; exit 3'");
    assertThat(RemoteCommand.wrap("id -u", Duration.ofMillis(2500), true))
        .isEqualTo("sudo -n timeout -k 5 2.5 sh -c 'id -u'");
    assertThat(RemoteCommand.wrap("true", Duration.ofMinutes(2), false))
        .isEqualTo("timeout -k 5 120 sh -c 'true'");
  }

  @Test
  void theWrappedCommandRunsAsGivenAndTimesOut() throws Exception {
    String inner = "printf '%s|' \"it's\" \"$0\"; exit 7";
    Process p =
        new ProcessBuilder("sh", "-c", RemoteCommand.wrap(inner, ofSeconds(10), false))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isEqualTo(7);
    assertThat(out).isEqualTo("it's|sh|");

    long start = System.nanoTime();
    Process slow =
        new ProcessBuilder(
                "sh", "-c", RemoteCommand.wrap("sleep 20", Duration.ofMillis(300), false))
            .start();
    assertThat(slow.waitFor()).isEqualTo(RemoteCommand.TIMED_OUT);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(ofSeconds(5));
  }

  @Test
  void refusesTimeoutsThatAreNotPositiveAndNulCharacters() {
    assertThatThrownBy(() -> RemoteCommand.wrap("true", Duration.ZERO, false))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RemoteCommand.wrap("true", Duration.ofSeconds(-1), false))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RemoteCommand.wrap("true", Duration.ofNanos(5), false))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RemoteCommand.quote("a\0b"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static Duration ofSeconds(long s) {
    return Duration.ofSeconds(s);
  }

  private static String sh(String script) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("sh", "-c", script).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("sh -c %s", script).isZero();
    return out;
  }
}

package dev.runbook.engine.internal.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ShellOutputFormatTest {

  private final TemplateRenderer renderer = new TemplateRenderer(null);

  @TempDir Path workDir;

  static Stream<String> hostile() {
    return Stream.of(
        "it's",
        "''",
        "say \"hi\"",
        "a; touch pwned",
        "$(touch pwned)",
        "`touch pwned`",
        "$HOME",
        "${HOME:-x}",
        "line one\nline two\n",
        "\n",
        "tab\there",
        " leading and trailing spaces ",
        "*",
        "?",
        "[a]",
        "-n",
        "--help",
        "back\\slash\\n\\",
        "true && touch pwned",
        "x | touch pwned",
        ">pwned",
        "<pwned",
        "~",
        "~root/x",
        "#not a comment",
        "a'b\"c$d`e\\f",
        "!event",
        "Zürich — 東京 🚒",
        "",
        "x".repeat(5000) + "'" + "y".repeat(5000));
  }

  @ParameterizedTest
  @MethodSource("hostile")
  void everyInterpolationReachesTheCommandAsOneUnchangedWord(String value) throws Exception {
    String command = renderer.renderInline("t", "printf %s ${v}", Map.of("v", value));

    assertThat(runSh(command)).isEqualTo(value.getBytes(StandardCharsets.UTF_8));
    assertThat(workDir.resolve("pwned")).doesNotExist();
  }

  @Test
  void aValueIsOneWordEvenNextToOthers() throws Exception {
    String command =
        renderer.renderInline("t", "printf '[%s]' ${a} ${b} ${a}${b}", Map.of("a", "x y", "b", ""));

    assertThat(new String(runSh(command), StandardCharsets.UTF_8)).isEqualTo("[x y][][x y]");
  }

  /** Guards the test itself: without the quoting, the same values do reach the shell. */
  @Test
  void withoutQuotingTheHostileValuesWouldBreakOut() throws Exception {
    List<String> survived = new ArrayList<>();
    for (String value : hostile().toList()) {
      String command = renderer.renderInline("t", "printf %s ${v?no_esc}", Map.of("v", value));
      byte[] out = runShAllowingFailure(command);
      if (java.util.Arrays.equals(out, value.getBytes(StandardCharsets.UTF_8))) {
        survived.add(value);
      }
    }
    assertThat(survived).hasSizeLessThan((int) hostile().count() / 2);
    assertThat(workDir.resolve("pwned")).exists();
  }

  @Test
  void quoteWritesEachSingleQuoteAsCloseEscapeReopen() {
    assertThat(ShellOutputFormat.quote("")).isEqualTo("''");
    assertThat(ShellOutputFormat.quote("a b")).isEqualTo("'a b'");
    assertThat(ShellOutputFormat.quote("it's")).isEqualTo("'it'\\''s'");
    assertThat(ShellOutputFormat.INSTANCE.escapePlainText("$x")).isEqualTo("'$x'");
  }

  @Test
  void numbersRenderWithoutGroupingAndBooleansAsTrueOrFalse() {
    String out =
        renderer.renderInline(
            "t",
            "${port} ${big} ${ratio} ${yes} ${no}",
            Map.of("port", 2379, "big", 1234567, "ratio", 0.5, "yes", true, "no", false));

    assertThat(out).isEqualTo("'2379' '1234567' '0.5' 'true' 'false'");
  }

  @Test
  void noEscEmitsATrustedFragmentVerbatim() {
    String out =
        renderer.renderInline(
            "t", "etcdctl ${flags?no_esc} get ${key}", Map.of("flags", "--a=1 --b", "key", "/k 1"));

    assertThat(out).isEqualTo("etcdctl --a=1 --b get '/k 1'");
  }

  @Test
  void templateTextIsNotQuoted() {
    assertThat(renderer.renderInline("t", "  ls -l /tmp | wc -l\n", Map.of()))
        .isEqualTo("ls -l /tmp | wc -l");
  }

  private byte[] runSh(String command) throws Exception {
    Process p = start(command);
    byte[] out = p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("sh exit status; stderr: %s", err).isZero();
    return out;
  }

  private byte[] runShAllowingFailure(String command) throws Exception {
    Process p = start(command);
    byte[] out = p.getInputStream().readAllBytes();
    p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  /**
   * The script goes to {@code sh} on stdin as UTF-8 bytes, as sshj sends a command, rather than
   * through argv, whose encoding depends on the JVM's locale.
   */
  private Process start(String command) throws IOException {
    Process p =
        new ProcessBuilder("/bin/sh", "-s")
            .directory(workDir.toFile())
            .redirectInput(ProcessBuilder.Redirect.PIPE)
            .start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(command.getBytes(StandardCharsets.UTF_8));
      in.write('\n');
    }
    return p;
  }
}

package dev.runbook.engine.internal.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputPumpTest {

  @Test
  void handsOnLinesAndKeepsTheBytesExactly() throws Exception {
    List<String> lines = new ArrayList<>();
    String text = "one\ntwo\r\n\nünï\nno newline";
    OutputPump.Captured c = pump(text.getBytes(StandardCharsets.UTF_8), lines, 1024);
    assertThat(lines).containsExactly("one", "two", "", "ünï", "no newline");
    assertThat(c.text()).isEqualTo(text);
    assertThat(c.truncated()).isFalse();
    assertThat(c.totalBytes()).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
  }

  @Test
  void keepsOnlyTheLimitButHandsOnEverything() throws Exception {
    List<String> lines = new ArrayList<>();
    OutputPump.Captured c = pump("aaaa\nbbbb\ncccc\n".getBytes(StandardCharsets.UTF_8), lines, 7);
    assertThat(lines).containsExactly("aaaa", "bbbb", "cccc");
    assertThat(c.truncated()).isTrue();
    assertThat(c.totalBytes()).isEqualTo(15);
    assertThat(c.text()).startsWith("aaaa\nbb\n[runbook: output truncated").contains("7 of 15");
  }

  @Test
  void splitsEndlessLinesAndSurvivesAFailingListener() throws Exception {
    List<String> pieces = new ArrayList<>();
    byte[] binary = new byte[OutputPump.MAX_LINE_BYTES * 2 + 10];
    Arrays.fill(binary, (byte) 'x');
    pump(binary, pieces, Integer.MAX_VALUE);
    assertThat(pieces)
        .extracting(String::length)
        .containsExactly(OutputPump.MAX_LINE_BYTES, OutputPump.MAX_LINE_BYTES, 10);

    OutputPump.Captured c =
        new OutputPump(
                new ByteArrayInputStream("a\nb\n".getBytes(StandardCharsets.UTF_8)),
                line -> {
                  throw new IllegalStateException("console gone");
                },
                100)
            .call();
    assertThat(c.text()).isEqualTo("a\nb\n");
  }

  @Test
  void theLinesOfOneReadAreOneBatchAndAnUnfinishedLineWaitsForItsEnd() throws Exception {
    List<List<String>> batches = new ArrayList<>();
    InputStream twoReads =
        new SequenceInputStream(
            new ByteArrayInputStream("a\nb\npar".getBytes(StandardCharsets.UTF_8)),
            new ByteArrayInputStream("tial\nlast".getBytes(StandardCharsets.UTF_8)));

    new OutputPump(twoReads, batches::add, 100).call();

    assertThat(batches).containsExactly(List.of("a", "b"), List.of("partial"), List.of("last"));
  }

  private static OutputPump.Captured pump(byte[] in, List<String> lines, int keep)
      throws Exception {
    return new OutputPump(new ByteArrayInputStream(in), lines::addAll, keep).call();
  }
}

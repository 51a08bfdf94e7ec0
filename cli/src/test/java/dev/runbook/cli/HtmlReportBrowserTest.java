package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.lab.Chromium;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens the HTML report in headless Chromium: it must load as one file with nothing from the
 * network, and show its sections and the diagram with the path taken. Fails, never skips, when
 * Chromium is missing: {@code scripts/setup} installs it.
 */
class HtmlReportBrowserTest {

  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  @TempDir Path home;
  @TempDir Path work;

  @Test
  void theReportRendersWithItsSectionsAndTheDiagram() throws Exception {
    Path report = writeReport();

    Path png = work.resolve("report.png");
    chromium("--screenshot=" + png, "--window-size=1280,2000", report.toUri().toString());
    String dom = chromium("--dump-dom", report.toUri().toString());

    byte[] image = Files.readAllBytes(png);
    assertThat(image.length).isGreaterThan(PNG.length + 16);
    assertThat(java.util.Arrays.copyOf(image, PNG.length)).isEqualTo(PNG);
    // IHDR: width and height follow the signature and the chunk's length and type.
    assertThat(ByteBuffer.wrap(image, 16, 8).getInt()).isEqualTo(1280);
    assertThat(ByteBuffer.wrap(image, 20, 4).getInt()).isEqualTo(2000);

    assertThat(dom)
        .contains(
            "<section id=\"outcome\">",
            "<section id=\"parameters\">",
            "<section id=\"diagram\">",
            "<section id=\"timeline\">",
            "<section id=\"commands\">",
            "<section id=\"outputs\">",
            "<section id=\"approvals\">",
            "<section id=\"artifacts\">",
            "<section id=\"diffs\">",
            "<section id=\"files\">");
    assertThat(dom).contains("<svg", "id=\"runbook-diagram\"");
    assertThat(dom)
        .contains("id=\"node-Gate_ApproveRestart\" class=\"node gate visited\"")
        .contains("id=\"node-Task_RollBack\" class=\"node task visited\"")
        .contains("id=\"node-EndEvent_RolledBack\" class=\"node end visited\"")
        .contains("id=\"node-Task_StartEtcd\" class=\"node task\"");
    assertThat(dom).contains("class=\"flow exception taken\"");
    assertThat(dom).contains("<details><summary>cp-2: stderr");
    // Operator text with a script tag stays text: the page has no script element at all.
    assertThat(dom).doesNotContain("<script").contains("&lt;script&gt;alert('x')&lt;/script&gt;");
    assertThat(dom).doesNotContain("id=\"verification-failed\"");
  }

  @Test
  void aFailedVerificationIsTheFirstThingOnThePage() throws Exception {
    Path dir = RestoreRun.write(home);
    Files.writeString(dir.resolve("artifacts/manifest-cp-1.diff"), "-changed\n");
    Path report = work.resolve("tampered.html");
    new Cli(home).run("report", RestoreRun.ID, "--format", "html", "--out", report.toString());

    String dom = chromium("--dump-dom", report.toUri().toString());

    String body = dom.substring(dom.indexOf("<body>") + "<body>".length()).strip();
    assertThat(body).startsWith("<div class=\"banner\" id=\"verification-failed\"");
    assertThat(body).contains("does not verify");
  }

  private Path writeReport() throws IOException {
    RestoreRun.write(home);
    Path report = work.resolve("report.html");
    Cli.Result r =
        new Cli(home).run("report", RestoreRun.ID, "--format", "html", "--out", report.toString());
    assertThat(r.code()).as(r.toString()).isEqualTo(Main.DONE);
    return report;
  }

  private String chromium(String... args) throws IOException, InterruptedException {
    return Chromium.run(work, args);
  }
}

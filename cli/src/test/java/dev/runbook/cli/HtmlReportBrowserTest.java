package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.lab.Chromium;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens the HTML report in headless Chromium: it must load as one file with nothing from the
 * network, and show its sections in the order a change-ticket reader wants them, the diagram with
 * the path taken, the per-node timeline drawn, and commands that open to their output. Fails, never
 * skips, when Chromium is missing: {@code scripts/setup} installs it.
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

    // The change-ticket reader's order: outcome, decisions, downtime, diagram, timeline, commands.
    assertThat(dom)
        .containsSubsequence(
            "<section id=\"outcome\">",
            "<section id=\"decisions\">",
            "<section id=\"downtime\">",
            "<section id=\"diagram\">",
            "<section id=\"timeline\">",
            "<section id=\"commands\">")
        .contains(
            "<section id=\"parameters\">",
            "<section id=\"outputs\">",
            "<section id=\"artifacts\">",
            "<section id=\"diffs\">",
            "<section id=\"files\">");
    // Decisions: one row per gate decided, with who, how signed and the plan hash approved.
    String decisions = section(dom, "decisions");
    assertThat(count(decisions, "<tr class=\"decision\">")).isEqualTo(2);
    assertThat(decisions)
        .containsPattern("Approve stopping the control plane.*approved.*bob.*unsigned")
        .containsPattern("Approve restarting on the restored data.*rejected.*carol.*unsigned")
        .contains("<code>" + "b".repeat(64) + "</code>");
    // Downtime: from the stop starting to the rollback that brought the control plane back.
    assertThat(section(dom, "downtime"))
        .contains("id=\"downtime-span\"")
        .containsPattern("Down for <strong>[0-9.]+ m?s</strong>")
        .contains("<code>etcdRollBack</code> ended");
    // The timeline: one lane per node (the checks ran on the engine host), gates as bands.
    String timeline = section(dom, "timeline");
    assertThat(timeline).contains("<svg", "id=\"node-timeline\"");
    for (String lane : List.of("engine host", "cp-1", "cp-2", "cp-3")) {
      assertThat(count(timeline, "class=\"lane\" data-node=\"" + lane + "\""))
          .as(lane)
          .isEqualTo(1);
    }
    assertThat(count(timeline, "class=\"lane\"")).isEqualTo(4);
    assertThat(count(timeline, "<g class=\"mark gate\">")).isEqualTo(2);
    assertThat(count(timeline, "<g class=\"bar done\">")).isEqualTo(5 + 4 * 3);
    assertThat(timeline).contains("UTC").doesNotContain("command 1");
    // Commands by their first line, each opening to the whole command and what came back.
    String commands = section(dom, "commands");
    assertThat(count(commands, "<details class=\"command\"><summary>")).isEqualTo(2);
    assertThat(commands)
        .contains(
            "<summary><strong>cp-2</strong>: <code>mv /etc/kubernetes/manifests/etcd.yaml"
                + " /root/aside/ # ```` &lt;/pre&gt;</code> (exit 1, NON_ZERO_EXIT)</summary>")
        .contains("<pre class=\"stderr\">mv: cannot stat\n</pre>")
        .contains("<pre class=\"stdout\">moved &lt;b&gt;etcd.yaml&lt;/b&gt;\n</pre>");
    assertThat(dom).contains("<svg", "id=\"runbook-diagram\"");
    // Fitted to the page width, so it does not scroll sideways over empty space.
    assertThat(dom)
        .containsPattern(
            "id=\"runbook-diagram\" width=\"(\\d+)\" height=\"\\d+\""
                + " style=\"width:100%;max-width:\\1px;height:auto\"");
    assertThat(dom)
        .contains("id=\"node-Gate_ApproveRestart\" class=\"node gate visited\"")
        .contains("id=\"node-Task_RollBack\" class=\"node task visited\"")
        .contains("id=\"node-EndEvent_RolledBack\" class=\"node end visited\"")
        .contains("id=\"node-Task_StartEtcd\" class=\"node task\"");
    assertThat(dom).contains("class=\"flow exception taken\"");
    // The abort path is an expanded subprocess: a box holding its nodes.
    assertThat(dom).contains("id=\"node-SubProcess_Abort\" class=\"node subprocess\"");
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

  @Test
  void theChartIsDrawnAndTheCommandsOpen() throws Exception {
    Path report = writeReport();
    String html = Files.readString(report);
    Path open = work.resolve("open.html");
    Files.writeString(
        open, html.replace("<details class=\"command\">", "<details class=\"command\" open>"));

    BufferedImage closed = screenshot(report, "closed.png");
    BufferedImage opened = screenshot(open, "opened.png");

    // Bars of steps done, the gates' bands, in their own colours: drawn, not only in the DOM.
    assertThat(pixels(closed, 0xaee2bd)).as("pixels of bars of steps done").isGreaterThan(40);
    assertThat(pixels(closed, 0xffe8b0)).as("pixels of gate bands").isGreaterThan(40);
    // Closed, a command's output is not on the page; open, it is (its pre's background).
    assertThat(pixels(opened, 0xf6f8fa)).isGreaterThan(pixels(closed, 0xf6f8fa) + 1000);
  }

  private BufferedImage screenshot(Path page, String name) throws Exception {
    Path png = work.resolve(name);
    chromium("--screenshot=" + png, "--window-size=1280,6000", page.toUri().toString());
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).as(name).isNotNull();
    return image;
  }

  private static int pixels(BufferedImage image, int rgb) {
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        if ((image.getRGB(x, y) & 0xffffff) == rgb) {
          n++;
        }
      }
    }
    return n;
  }

  private static String section(String dom, String id) {
    int start = dom.indexOf("<section id=\"" + id + "\">");
    assertThat(start).as("section " + id).isNotNegative();
    return dom.substring(start, dom.indexOf("</section>", start));
  }

  private static int count(String text, String of) {
    int n = 0;
    for (int i = text.indexOf(of); i >= 0; i = text.indexOf(of, i + of.length())) {
      n++;
    }
    return n;
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

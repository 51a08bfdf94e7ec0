package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandTest {

  @TempDir Path home;

  @Test
  void markdownGoesToStdout() throws Exception {
    RestoreRun.write(home);

    Cli.Result r = new Cli(home).run("report", RestoreRun.ID);

    assertThat(r.code()).as(r.toString()).isEqualTo(Main.DONE);
    assertThat(r.out())
        .startsWith("# Run 7f3c2a01: etcd-restore, rolled-back")
        .contains("| Evidence | verifies: ")
        .contains("`````sh\n" + RestoreRun.COMMAND + "\n`````")
        .contains("| **rejected** | carol |")
        .contains("## Decisions", "## Downtime")
        .containsPattern("Down for \\*\\*[0-9.]+ m?s\\*\\*: from .* to .* \\(`etcdRollBack` ended")
        .contains("+      path: /var/lib/etcd-restored-7f3c2a01")
        .contains("| revision | 1042 |");
  }

  @Test
  void htmlIsWrittenNextToTheEvidenceUnlessToldOtherwise() throws Exception {
    Path dir = RestoreRun.write(home);
    Cli cli = new Cli(home);

    Cli.Result r = cli.run("report", RestoreRun.ID, "--format", "html");
    Cli.Result toFile =
        cli.run(
            "report",
            RestoreRun.ID,
            "--format",
            "html",
            "--out",
            home.resolve("r.html").toString());
    Cli.Result toStdout = cli.run("report", RestoreRun.ID, "--format", "html", "--out", "-");

    assertThat(r.code()).as(r.toString()).isEqualTo(Main.DONE);
    assertThat(r.out()).contains("written to " + dir.resolve("report.html"));
    assertThat(Files.readString(dir.resolve("report.html"))).startsWith("<!DOCTYPE html>");
    assertThat(Files.readString(home.resolve("r.html"))).contains("<svg");
    assertThat(toFile.code()).isEqualTo(Main.DONE);
    assertThat(toStdout.out()).startsWith("<!DOCTYPE html>");
    assertThat(cli.run("evidence", RestoreRun.ID, "--verify").code())
        .as("a report in the run dir is no evidence and breaks none")
        .isEqualTo(Main.DONE);
  }

  @Test
  void tamperedEvidenceStillGetsAReportWithTheFailureFirst() throws Exception {
    Path dir = RestoreRun.write(home);
    Files.writeString(dir.resolve("artifacts/manifest-cp-1.diff"), "-nothing to see\n");

    Cli.Result r = new Cli(home).run("report", RestoreRun.ID);

    assertThat(r.code()).isEqualTo(Main.FAILED);
    assertThat(r.out()).startsWith("> **THE EVIDENCE OF THIS RUN DOES NOT VERIFY.**");
    assertThat(r.out()).contains("artifacts/manifest-cp-1.diff").contains("## Timeline");
    assertThat(r.err()).contains("does NOT verify");
  }

  @Test
  void badInputSaysWhatIsWrong() throws Exception {
    RestoreRun.write(home);
    Cli cli = new Cli(home);

    Cli.Result unknown = cli.run("report", "0badc0de");
    Cli.Result format = cli.run("report", RestoreRun.ID, "--format", "pdf");
    Cli.Result noDir =
        cli.run("report", RestoreRun.ID, "--out", home.resolve("no/such/dir/r.md").toString());

    assertThat(unknown.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(unknown.err()).contains("unknown run '0badc0de'").contains("runbook status");
    assertThat(format.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(format.err()).contains("md or html");
    assertThat(noDir.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(noDir.err()).contains("does not exist");
  }
}

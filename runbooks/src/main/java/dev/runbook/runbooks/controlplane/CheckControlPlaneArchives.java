package dev.runbook.runbooks.controlplane;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Opens every archive the run just wrote, as a restore would (digest, HMAC, decryption, every file
 * against the manifest), and reports every certificate in them: subject, SANs, notAfter, and
 * whether it ends within the warning or the failure threshold. The report is an artifact ({@value
 * #REPORT}); a certificate within the failure threshold fails the step (the archives stay: they are
 * sound, and the report says what to renew). Only the engine host is read.
 */
@Doc(
    "Opens each control-plane archive with the key as a restore would (digest, HMAC, manifest) and reports every certificate in it: subject, SANs, notAfter; warns and fails at the given thresholds.")
final class CheckControlPlaneArchives
    extends DeclaredStep<CheckControlPlaneArchives.Input, CheckControlPlaneArchives.Output> {

  static final String REPORT = "certificate-report.json";

  record Input(
      @Doc(
              value =
                  "The archives to open: per node, the path (a JSON object, from the archive step).",
              required = true)
          String archives,
      @Doc(value = "The key file the archives were written with.", required = true) String keyFile,
      @Doc(value = "Warn about a certificate that ends within this many days.", defaultValue = "30")
          Integer warnDays,
      @Doc(
              value =
                  "Fail the step for a certificate that ends within this many days (expired: 0).",
              defaultValue = "7")
          Integer failDays) {
    Input {
      if (archives == null || archives.isBlank()) {
        throw new IllegalArgumentException("archives is required");
      }
      if (keyFile == null || keyFile.isBlank()) {
        throw new IllegalArgumentException("keyFile is required");
      }
      warnDays = warnDays == null ? 30 : warnDays;
      failDays = failDays == null ? 7 : failDays;
      // A failure threshold above the warning one is allowed: all it does is fail sooner.
      if (failDays < 0 || warnDays < 0) {
        throw new IllegalArgumentException("warnDays and failDays must be 0 or more");
      }
    }
  }

  /**
   * @param verified per node: the archive opened with the key, and how many files matched
   * @param certificates one line per certificate, soonest to end first
   */
  record Output(
      Map<String, String> verified,
      int certificateCount,
      long warnings,
      long failures,
      List<String> certificates) {}

  CheckControlPlaneArchives() {
    super("controlPlaneCertificates", Input.class, Effect.READ_ONLY);
  }

  @Override
  public Output run(Input input, StepContext context) {
    Map<String, String> archives;
    try {
      archives =
          ControlPlaneArchive.JSON.readValue(
              input.archives(), new TypeReference<LinkedHashMap<String, String>>() {});
    } catch (IOException e) {
      throw new RunbookError(ErrorCode.STEP_FAILED, "archives is not a JSON object of paths");
    }
    KeyFile key = KeyFile.forStep(input.keyFile());
    Instant now = Instant.now();
    Map<String, String> verified = new LinkedHashMap<>();
    List<CertificateReport.Certificate> all = new ArrayList<>();
    for (Map.Entry<String, String> a : archives.entrySet()) {
      ControlPlaneArchive.Opened opened;
      try {
        opened = ControlPlaneArchive.open(Path.of(a.getValue()), key);
      } catch (ArchiveException e) {
        throw new RunbookError(ErrorCode.VALIDATION_FAILED, a.getKey() + ": " + e.getMessage());
      }
      verified.put(
          a.getKey(),
          opened.manifest().files().size()
              + " files match the manifest; archive SHA-256 "
              + opened.sha256());
      for (Map.Entry<String, byte[]> f : opened.contents().entrySet()) {
        if (CertificateReport.holdsCertificates(f.getKey())) {
          try {
            all.addAll(
                CertificateReport.of(
                    a.getKey(), f.getKey(), f.getValue(), now, input.warnDays(), input.failDays()));
          } catch (IllegalArgumentException e) {
            throw new RunbookError(ErrorCode.STEP_FAILED, a.getKey() + ": " + e.getMessage());
          }
        }
      }
    }
    CertificateReport.Report report =
        CertificateReport.report(now, input.warnDays(), input.failDays(), all);
    try {
      context.artifact(REPORT, ControlPlaneArchive.JSON.writeValueAsBytes(report));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    List<String> lines =
        report.certificates().stream().map(CheckControlPlaneArchives::line).toList();
    long warn = report.count(CertificateReport.Status.WARN);
    long fail = report.count(CertificateReport.Status.FAIL);
    context.progress(
        "certificates: "
            + all.size()
            + " checked; "
            + warn
            + " end within "
            + input.warnDays()
            + " days (warn), "
            + fail
            + " within "
            + input.failDays()
            + " days (fail)"
            + (lines.isEmpty() ? "" : "; soonest: " + lines.get(0)));
    report.certificates().stream()
        .filter(c -> c.status() != CertificateReport.Status.OK)
        .forEach(c -> context.progress("  " + line(c)));
    if (fail > 0) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED,
          fail
              + " certificate(s) end within "
              + input.failDays()
              + " days (the archives are written and sound; renew, then back up again): "
              + String.join(
                  "; ",
                  report.certificates().stream()
                      .filter(c -> c.status() == CertificateReport.Status.FAIL)
                      .map(CheckControlPlaneArchives::line)
                      .toList()));
    }
    return new Output(verified, all.size(), warn, fail, lines);
  }

  static String line(CertificateReport.Certificate c) {
    return c.status()
        + " "
        + c.node()
        + " "
        + c.source()
        + ": "
        + c.subject()
        + (c.sans().isEmpty() ? "" : " SANs " + String.join(",", c.sans()))
        + "; notAfter "
        + c.notAfter()
        + " ("
        + c.daysLeft()
        + " days)";
  }

  @Override
  public void plan(PlanContext plan) {
    plan.note(
        "opens each archive of "
            + plan.input("archives")
            + " on the engine host with the key file "
            + plan.input("keyFile")
            + " (SHA-256 and HMAC beside it, decryption, every file against the manifest) and"
            + " reports every certificate in it to the artifact "
            + REPORT
            + ": warns within "
            + plan.input("warnDays")
            + " days of notAfter, fails within "
            + plan.input("failDays"));
  }
}

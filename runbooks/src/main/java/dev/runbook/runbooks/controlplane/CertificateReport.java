package dev.runbook.runbooks.controlplane;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every certificate among a node's control-plane files: PEM {@code CERTIFICATE} blocks in {@code
 * .crt} and {@code .pem} files, and the {@code client-certificate-data} and {@code
 * certificate-authority-data} of kubeconfigs. Only certificate blocks are decoded; a private key in
 * the same file (kubelet-client-current.pem holds both) is never looked at.
 */
public final class CertificateReport {

  /** How close to its end a certificate is, against the run's thresholds. */
  public enum Status {
    OK,
    WARN,
    FAIL
  }

  /**
   * @param source the file, and for a kubeconfig the field ({@code admin.conf
   *     client-certificate-data})
   * @param daysLeft whole days from the report's time to notAfter (negative once expired)
   */
  public record Certificate(
      String node,
      String source,
      String subject,
      String issuer,
      List<String> sans,
      String notBefore,
      String notAfter,
      long daysLeft,
      String serial,
      Status status) {}

  /** The report: thresholds, time, and every certificate, soonest to expire first. */
  public record Report(
      String checkedAt, int warnDays, int failDays, List<Certificate> certificates) {

    public long count(Status s) {
      return certificates.stream().filter(c -> c.status() == s).count();
    }
  }

  private static final Pattern PEM =
      Pattern.compile(
          "-----BEGIN CERTIFICATE-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END CERTIFICATE-----");
  private static final Pattern KUBECONFIG_DATA =
      Pattern.compile(
          "(?m)^\\s*(client-certificate-data|certificate-authority-data):\\s*([A-Za-z0-9+/=]+)\\s*$");

  private CertificateReport() {}

  /** Whether {@code path} is a file this report reads for certificates. */
  static boolean holdsCertificates(String path) {
    return path.endsWith(".crt") || path.endsWith(".pem") || path.endsWith(".conf");
  }

  /**
   * The certificates in one file.
   *
   * @throws IllegalArgumentException naming the file, when a certificate block does not parse
   */
  static List<Certificate> of(
      String node, String path, byte[] content, Instant now, int warnDays, int failDays) {
    String text = new String(content, StandardCharsets.US_ASCII);
    List<Certificate> out = new ArrayList<>();
    if (path.endsWith(".conf")) {
      Matcher m = KUBECONFIG_DATA.matcher(text);
      while (m.find()) {
        String pem = new String(decode(path, m.group(2)), StandardCharsets.US_ASCII);
        for (byte[] der : blocks(path, pem)) {
          out.add(certificate(node, path + " " + m.group(1), der, now, warnDays, failDays));
        }
      }
    } else {
      for (byte[] der : blocks(path, text)) {
        out.add(certificate(node, path, der, now, warnDays, failDays));
      }
    }
    return out;
  }

  static Report report(Instant now, int warnDays, int failDays, Collection<Certificate> all) {
    List<Certificate> sorted =
        all.stream()
            .sorted(
                Comparator.comparingLong(Certificate::daysLeft)
                    .thenComparing(Certificate::node)
                    .thenComparing(Certificate::source))
            .toList();
    return new Report(now.toString(), warnDays, failDays, sorted);
  }

  private static List<byte[]> blocks(String path, String text) {
    List<byte[]> out = new ArrayList<>();
    Matcher m = PEM.matcher(text);
    while (m.find()) {
      out.add(decode(path, m.group(1).replaceAll("\\s", "")));
    }
    return out;
  }

  private static byte[] decode(String path, String base64) {
    try {
      return Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(path + ": a certificate is not valid base64");
    }
  }

  private static Certificate certificate(
      String node, String source, byte[] der, Instant now, int warnDays, int failDays) {
    X509Certificate c;
    try {
      c =
          (X509Certificate)
              CertificateFactory.getInstance("X.509")
                  .generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException e) {
      throw new IllegalArgumentException(source + ": not a readable X.509 certificate");
    }
    Instant notAfter = c.getNotAfter().toInstant();
    long daysLeft = Math.floorDiv(Duration.between(now, notAfter).toSeconds(), 86_400L);
    Status status =
        notAfter.isBefore(now.plus(Duration.ofDays(failDays)))
            ? Status.FAIL
            : notAfter.isBefore(now.plus(Duration.ofDays(warnDays))) ? Status.WARN : Status.OK;
    return new Certificate(
        node,
        source,
        c.getSubjectX500Principal().getName(),
        c.getIssuerX500Principal().getName(),
        sans(c),
        c.getNotBefore().toInstant().toString(),
        notAfter.toString(),
        daysLeft,
        c.getSerialNumber().toString(16),
        status);
  }

  private static List<String> sans(X509Certificate c) {
    List<String> out = new ArrayList<>();
    try {
      Collection<List<?>> names = c.getSubjectAlternativeNames();
      if (names != null) {
        for (List<?> n : names) {
          int kind = (Integer) n.get(0);
          String prefix = kind == 2 ? "DNS:" : kind == 7 ? "IP:" : kind == 1 ? "email:" : "";
          out.add(prefix + n.get(1));
        }
      }
    } catch (CertificateParsingException e) {
      out.add("(unreadable SAN extension)");
    }
    return out;
  }
}

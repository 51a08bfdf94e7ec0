package dev.runbook.runbooks.etcd;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The name etcd-snapshot gives a snapshot, {@code etcd-snapshot-CLUSTER-yyyyMMddTHHmmssZ-RUN.db}
 * ({@link TakeSnapshot#fileName}): the time in it is when the engine started streaming it from the
 * cluster (UTC), and the run id is the etcd-snapshot run whose evidence records its SHA-256. Only
 * names of this form for this cluster are taken for its snapshots.
 *
 * @param takenAt the time in the name
 * @param runId the etcd-snapshot run that took it
 */
record SnapshotName(String fileName, Instant takenAt, String runId) {

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

  static String prefix(String cluster) {
    return "etcd-snapshot-" + cluster + "-";
  }

  /** The name as one of {@code cluster}'s snapshots, or empty when it is not one. */
  static Optional<SnapshotName> parse(String fileName, String cluster) {
    Matcher m =
        Pattern.compile(Pattern.quote(prefix(cluster)) + "(\\d{8}T\\d{6}Z)-([0-9a-f]{8})\\.db")
            .matcher(fileName);
    if (!m.matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new SnapshotName(
              fileName,
              LocalDateTime.parse(m.group(1), STAMP).toInstant(ZoneOffset.UTC),
              m.group(2)));
    } catch (java.time.format.DateTimeParseException e) {
      return Optional.empty(); // digits that are no date (month 13): not a name etcd-snapshot gave
    }
  }
}

package dev.runbook.runbooks.etcd;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which of a cluster's backups etcd-backup-check takes, and why a place fails the check. A backup's
 * age is the time in the name etcd-snapshot gave it ({@link SnapshotName}: when it was taken, which
 * that run's evidence records with the name); the file's mtime is not used, since a copy or a
 * restore from tape resets it. In the object store, the object's LastModified must not be earlier
 * than that time: an object that existed before its snapshot was taken carries a wrong name.
 */
final class NewestBackup {

  /** How far the store's and the engine's clocks may disagree before a time is not believed. */
  static final Duration CLOCK_SLACK = Duration.ofMinutes(5);

  private NewestBackup() {}

  /** Where backups are looked for. */
  enum Place {
    SNAPSHOT_DIR("snapshotDir"),
    OBJECT_STORE("objectStore");

    final String parameter;

    Place(String parameter) {
      this.parameter = parameter;
    }
  }

  /**
   * One backup found.
   *
   * @param location the file's path on the engine host, or its {@code s3://BUCKET/KEY}
   * @param lastModified the store's LastModified; null for a local file
   */
  record Found(Place place, String location, SnapshotName name, long size, Instant lastModified) {}

  /**
   * @param where per place looked in, what it is (the dir, or {@code s3://BUCKET/PREFIX})
   * @param newest per place looked in, its newest backup, or empty when it holds none
   * @param chosen the backup to check: the newest of all, the object store's on a tie (its copy is
   *     the one left when the site is lost); empty when no place holds one
   * @param problems why the backups are not fresh, per place, in words; empty when all are
   */
  record Selection(
      Map<Place, String> where,
      Map<Place, Optional<Found>> newest,
      Optional<Found> chosen,
      List<String> problems) {}

  /**
   * @param found per place looked in, every one of the cluster's backups it holds
   */
  static Selection select(
      Map<Place, String> where, Map<Place, List<Found>> found, Duration maxAge, Instant now) {
    Comparator<Found> order =
        Comparator.comparing((Found f) -> f.name().takenAt())
            .thenComparing(f -> f.place() == Place.OBJECT_STORE)
            .thenComparing(f -> f.name().fileName());
    Map<Place, Optional<Found>> newest = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    Found chosen = null;
    for (Map.Entry<Place, String> place : where.entrySet()) {
      // A name dated in the future would pass every freshness check until then: not taken.
      Optional<Found> n =
          found.getOrDefault(place.getKey(), List.of()).stream()
              .filter(f -> !f.name().takenAt().isAfter(now.plus(CLOCK_SLACK)))
              .max(order);
      newest.put(place.getKey(), n);
      if (n.isEmpty()) {
        problems.add("no backup of the cluster in " + place.getValue());
        continue;
      }
      Found f = n.get();
      Duration age = Duration.between(f.name().takenAt(), now);
      if (age.compareTo(maxAge) > 0) {
        problems.add(
            "the newest backup in "
                + place.getValue()
                + ", "
                + f.name().fileName()
                + ", was taken "
                + words(age)
                + " ago, at "
                + f.name().takenAt()
                + ": older than maxAge "
                + maxAge);
      }
      if (f.lastModified() != null
          && f.lastModified().plus(CLOCK_SLACK).isBefore(f.name().takenAt())) {
        problems.add(
            f.location()
                + " was stored at "
                + f.lastModified()
                + ", before the time in its name ("
                + f.name().takenAt()
                + "): its name does not say when it was taken");
      }
      if (chosen == null || order.compare(f, chosen) > 0) {
        chosen = f;
      }
    }
    return new Selection(where, newest, Optional.ofNullable(chosen), problems);
  }

  /** An age as people read it: 26 h 5 min, 3 min 12 s. */
  static String words(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s >= 3600) {
      return s / 3600 + " h " + s % 3600 / 60 + " min";
    }
    if (s >= 60) {
      return s / 60 + " min " + s % 60 + " s";
    }
    return s + " s";
  }
}

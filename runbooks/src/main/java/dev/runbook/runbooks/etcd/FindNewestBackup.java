package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import dev.runbook.runbooks.objectstore.ObjectStoreClient;
import dev.runbook.runbooks.objectstore.ObjectStoreException;
import dev.runbook.runbooks.objectstore.S3Location;
import dev.runbook.runbooks.objectstore.StoreOf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * etcd-backup-check's first step: finds the cluster's newest backup in the engine host's snapshot
 * dir and in the object store (each where asked), judges each place's newest against maxAge by the
 * time in its name ({@link NewestBackup}), picks the one to check, and reads the SHA-256
 * etcd-snapshot recorded for it in that run's evidence, which must verify. Reads only.
 */
@Doc(
    "Finds the cluster's newest backup in snapshotDir and the object store, judges its age by the time etcd-snapshot put in its name, and reads the SHA-256 that run's verified evidence records for it.")
final class FindNewestBackup extends DeclaredStep<FindNewestBackup.Input, FindNewestBackup.Output> {

  /** The etcd-snapshot task whose outputs record a snapshot's name and SHA-256. */
  static final String TAKE_SNAPSHOT = "Task_TakeSnapshot";

  static final String NONE = "none";

  record Input(
      @Doc("The engine host's snapshot directory to look in, or none.") String snapshotDir,
      @Doc("s3://BUCKET/PREFIX in the inventory's object store to look in, or none.")
          String objectStore,
      @Doc(value = "How old the newest backup may be (ISO-8601 duration).", required = true)
          String maxAge,
      @Doc(
              value =
                  "Directory on the engine host an object is downloaded to, in a subdirectory"
                      + " of the run.",
              required = true)
          String downloadDir) {
    Input {
      if (maxAge == null || maxAge.isBlank() || downloadDir == null || downloadDir.isBlank()) {
        throw new IllegalArgumentException("maxAge and downloadDir are required");
      }
    }

    boolean local() {
      return snapshotDir != null && !snapshotDir.isBlank() && !snapshotDir.equals(NONE);
    }

    boolean store() {
      return objectStore != null && !objectStore.isBlank() && !objectStore.equals(NONE);
    }
  }

  /**
   * @param snapshot the backup to check: its path, or s3://BUCKET/KEY
   * @param fetchDir where an s3:// backup is downloaded to (unique to the run)
   * @param takenAt the time in its name
   * @param recordedSha256 the SHA-256 its etcd-snapshot run recorded
   * @param stale why a place is not fresh ({@code ; } between), empty when every place is
   * @param newestLocal the newest backup in snapshotDir, none, or empty when not looked at
   * @param newestStored the newest in the object store, none, or empty when not looked at
   */
  record Output(
      String snapshot,
      String fileName,
      String place,
      String fetchDir,
      String takenAt,
      long ageSeconds,
      String lastModified,
      long size,
      String maxAge,
      String recordedSha256,
      String recordedBy,
      String stale,
      String newestLocal,
      String newestStored) {}

  FindNewestBackup() {
    super("etcdFindNewestBackup", Input.class, Effect.READ_ONLY);
  }

  @Override
  public Output run(Input input, StepContext context) {
    Duration maxAge = Duration.parse(input.maxAge());
    String cluster = context.inventory().cluster();
    Map<NewestBackup.Place, String> where = new LinkedHashMap<>();
    Map<NewestBackup.Place, List<NewestBackup.Found>> found = new LinkedHashMap<>();
    if (input.local()) {
      Path dir = Path.of(input.snapshotDir()).toAbsolutePath().normalize();
      where.put(NewestBackup.Place.SNAPSHOT_DIR, dir.toString());
      found.put(NewestBackup.Place.SNAPSHOT_DIR, local(dir, cluster));
    }
    if (input.store()) {
      S3Location prefix = S3Location.parse(input.objectStore(), "objectStore", "PREFIX");
      where.put(NewestBackup.Place.OBJECT_STORE, prefix.toString());
      found.put(NewestBackup.Place.OBJECT_STORE, stored(context.inventory(), prefix, cluster));
    }
    if (where.isEmpty()) {
      throw new IllegalArgumentException(NO_PLACE);
    }
    Instant now = Instant.now();
    NewestBackup.Selection s = NewestBackup.select(where, found, maxAge, now);
    NewestBackup.Found chosen =
        s.chosen()
            .orElseThrow(
                () ->
                    new RunbookError(
                        ErrorCode.VALIDATION_FAILED,
                        "no backup of cluster "
                            + cluster
                            + " (files named "
                            + SnapshotName.prefix(cluster)
                            + "yyyyMMddTHHmmssZ-RUN.db) in "
                            + String.join(" or ", where.values())
                            + ": etcd-snapshot has not written one there"));
    String recorded = recordedSha256(context, chosen);
    return new Output(
        chosen.location(),
        chosen.name().fileName(),
        chosen.place().parameter,
        Path.of(input.downloadDir())
            .toAbsolutePath()
            .normalize()
            .resolve(context.runId())
            .toString(),
        chosen.name().takenAt().toString(),
        Duration.between(chosen.name().takenAt(), now).toSeconds(),
        chosen.lastModified() == null ? null : chosen.lastModified().toString(),
        chosen.size(),
        maxAge.toString(),
        recorded,
        "evidence of etcd-snapshot run " + chosen.name().runId() + " (" + TAKE_SNAPSHOT + ")",
        String.join("; ", s.problems()),
        newest(s, NewestBackup.Place.SNAPSHOT_DIR),
        newest(s, NewestBackup.Place.OBJECT_STORE));
  }

  private static String newest(NewestBackup.Selection s, NewestBackup.Place place) {
    Optional<NewestBackup.Found> f = s.newest().get(place);
    return f == null ? "" : f.map(NewestBackup.Found::location).orElse(NONE);
  }

  private static final String NO_PLACE =
      "give snapshotDir=DIR or objectStore=s3://BUCKET/PREFIX (or both): where to look for backups";

  /**
   * The SHA-256 the snapshot's own etcd-snapshot run recorded, from its evidence in this home: the
   * name ties the file to that run, and the run's verified evidence to its digest.
   */
  private static String recordedSha256(StepContext context, NewestBackup.Found f) {
    String runId = f.name().runId();
    StepContext.Recorded r =
        context
            .recorded(runId, TAKE_SNAPSHOT)
            .orElseThrow(
                () ->
                    new RunbookError(
                        ErrorCode.VALIDATION_FAILED,
                        "no recorded digest for "
                            + f.location()
                            + ": its etcd-snapshot run "
                            + runId
                            + " is not in this engine home (or did not finish taking it); run the"
                            + " check from the home etcd-snapshot runs in"));
    if (!r.verified()) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED,
          "the evidence of etcd-snapshot run "
              + runId
              + ", which records the digest of "
              + f.location()
              + ", does not verify: "
              + r.problem());
    }
    String name = r.outputs().get("fileName");
    String sha = r.outputs().get("sha256");
    if (!f.name().fileName().equals(name) || sha == null || !sha.matches("[0-9a-f]{64}")) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED,
          "etcd-snapshot run "
              + runId
              + " recorded the snapshot "
              + name
              + ", not "
              + f.name().fileName()
              + ": the backup's name was changed, so neither its time nor its digest can be"
              + " trusted");
    }
    return sha;
  }

  private static List<NewestBackup.Found> local(Path dir, String cluster) {
    List<NewestBackup.Found> all = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return all; // no backups there: the selection says so
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Optional<SnapshotName> n = SnapshotName.parse(p.getFileName().toString(), cluster);
        if (n.isPresent() && Files.isRegularFile(p)) {
          all.add(
              new NewestBackup.Found(
                  NewestBackup.Place.SNAPSHOT_DIR, p.toString(), n.get(), Files.size(p), null));
        }
      }
    } catch (IOException e) {
      throw new RunbookError(ErrorCode.STEP_FAILED, "cannot list " + dir + ": " + e);
    }
    return all;
  }

  private static List<NewestBackup.Found> stored(
      Inventory inventory, S3Location prefix, String cluster) {
    Inventory.ObjectStore store = StoreOf.inventory(inventory, prefix);
    List<NewestBackup.Found> all = new ArrayList<>();
    try (ObjectStoreClient client = ObjectStoreClient.open(store, System.getenv())) {
      // etcd-snapshot stores PREFIX/NAME: only objects right under the prefix are its backups.
      for (Map.Entry<String, ObjectStoreClient.Listed> c : client.children(prefix).entrySet()) {
        ObjectStoreClient.Listed o = c.getValue();
        SnapshotName.parse(c.getKey(), cluster)
            .ifPresent(
                name ->
                    all.add(
                        new NewestBackup.Found(
                            NewestBackup.Place.OBJECT_STORE,
                            new S3Location(prefix.bucket(), o.key()).toString(),
                            name,
                            o.size(),
                            o.lastModified())));
      }
    } catch (ObjectStoreException e) {
      throw e.toRunbookError();
    }
    return all;
  }

  @Override
  public void plan(PlanContext plan) {
    boolean local = !plan.input("snapshotDir").isBlank() && !plan.input("snapshotDir").equals(NONE);
    boolean store = !plan.input("objectStore").isBlank() && !plan.input("objectStore").equals(NONE);
    if (!local && !store) {
      throw new IllegalArgumentException(NO_PLACE);
    }
    if (store) {
      S3Location prefix = S3Location.parse(plan.input("objectStore"), "objectStore", "PREFIX");
      StoreOf.inventory(plan.inventory(), prefix);
    }
    plan.note(
        "lists "
            + (local ? plan.input("snapshotDir") + " on the engine host" : "")
            + (local && store ? " and " : "")
            + (store ? plan.input("objectStore") + " in the object store" : "")
            + " for "
            + SnapshotName.prefix(plan.inventory().cluster())
            + "yyyyMMddTHHmmssZ-RUN.db; the newest (by the time in its name) is checked, each"
            + " place's newest must be younger than "
            + plan.input("maxAge")
            + "; its SHA-256 is the one its etcd-snapshot run's verified evidence records");
  }
}

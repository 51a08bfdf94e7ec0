package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.runbooks.objectstore.ObjectStoreClient;
import dev.runbook.runbooks.objectstore.ObjectStoreException;
import dev.runbook.runbooks.objectstore.S3Location;
import dev.runbook.runbooks.objectstore.StoreOf;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Retention in the object store: the same policy as on the engine host, over the objects right
 * under the upload prefix that are named as etcd-snapshot names this cluster's snapshots. Anything
 * else under the prefix (another cluster's, a file a person put there, a deeper key) is never
 * considered; the snapshot just taken is never deleted. A store with object lock refuses to delete
 * a locked object, which fails the step with the store's answer (the object stays).
 */
final class OffSiteRetention {

  private OffSiteRetention() {}

  /**
   * @return the place ({@code s3://BUCKET/PREFIX}) and the names deleted there, in order
   */
  static Map.Entry<String, List<String>> apply(
      Inventory inventory,
      String objectStore,
      Retention retention,
      String current,
      Instant now,
      Consumer<String> progress) {
    StoreOf.Target target = StoreOf.upload(inventory, objectStore);
    S3Location prefix = target.prefix();
    List<String> gone = new ArrayList<>();
    try (ObjectStoreClient client = ObjectStoreClient.open(target.store(), System.getenv())) {
      List<String> names = new ArrayList<>(client.children(prefix).keySet());
      for (String name : retention.toDelete(names, inventory.cluster(), current, now)) {
        S3Location loc = new S3Location(prefix.bucket(), prefix.under(name));
        progress.accept("deleting " + loc + " (retention)");
        client.delete(loc);
        gone.add(name);
      }
    } catch (ObjectStoreException e) {
      // One code whatever the kind: retention runs after the upload reached the store, and its
      // task has one way out for a failure; the message keeps the kind's words.
      throw new RunbookError(
          ErrorCode.STEP_FAILED,
          "retention in the object store stopped after deleting " + gone + ": " + e.getMessage());
    }
    return Map.entry(prefix.toString(), gone);
  }
}

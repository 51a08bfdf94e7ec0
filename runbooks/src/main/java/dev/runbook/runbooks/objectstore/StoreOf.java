package dev.runbook.runbooks.objectstore;

import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RunbookError;

/** The inventory's object store for a location, or why it cannot be used. */
public final class StoreOf {
  private StoreOf() {}

  /** Where an upload step copies to: its {@code objectStore} prefix and the store that holds it. */
  public record Target(S3Location prefix, Inventory.ObjectStore store) {}

  /**
   * The target of an upload step's {@code objectStore=s3://BUCKET/PREFIX}.
   *
   * @throws RunbookError (STEP_FAILED) when it is not one, or the inventory cannot reach it
   */
  public static Target upload(Inventory inventory, String objectStore) {
    try {
      S3Location prefix = UploadToObjectStore.parse(objectStore);
      return new Target(prefix, inventory(inventory, prefix));
    } catch (IllegalArgumentException e) {
      throw new RunbookError(ErrorCode.STEP_FAILED, e.getMessage());
    }
  }

  /**
   * @throws IllegalArgumentException when the inventory names no store, or another bucket
   */
  public static Inventory.ObjectStore inventory(Inventory inventory, S3Location loc) {
    Inventory.ObjectStore store =
        inventory
            .store()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "the inventory "
                            + inventory.source()
                            + " has no objectStore section, so "
                            + loc
                            + " cannot be reached: add objectStore (endpoint, region, bucket,"
                            + " pathStyle, credentialsFile; docs/object-store.md)"));
    if (!store.bucket().equals(loc.bucket())) {
      throw new IllegalArgumentException(
          loc
              + " names bucket '"
              + loc.bucket()
              + "', but the inventory's objectStore is bucket '"
              + store.bucket()
              + "': use s3://"
              + store.bucket()
              + "/..., or change the inventory");
    }
    return store;
  }
}

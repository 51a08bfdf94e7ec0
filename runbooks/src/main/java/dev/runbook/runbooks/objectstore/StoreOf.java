package dev.runbook.runbooks.objectstore;

import dev.runbook.engine.api.Inventory;

/** The inventory's object store for a location, or why it cannot be used. */
public final class StoreOf {
  private StoreOf() {}

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

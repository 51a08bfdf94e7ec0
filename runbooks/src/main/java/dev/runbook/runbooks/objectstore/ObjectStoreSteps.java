package dev.runbook.runbooks.objectstore;

import dev.runbook.engine.api.Step;
import java.util.List;

/** The object-store steps, bound by name from the runbooks that copy off site or fetch back. */
public final class ObjectStoreSteps {

  private ObjectStoreSteps() {}

  public static List<Step<?, ?>> all() {
    return List.of(new UploadToObjectStore(), new UploadArchives(), new FetchSnapshot());
  }
}

package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.Step;
import java.util.List;

/** The etcd steps, bound by name from the etcd runbooks; the classes themselves stay inside. */
public final class EtcdSteps {

  private EtcdSteps() {}

  public static List<Step<?, ?>> all() {
    return List.of(
        new PickSnapshotSource(),
        new TakeSnapshot(),
        new CopySnapshot(),
        new ApplyRetention(),
        new VerifySnapshot(),
        new DetectTools(),
        new RehearsalUpload(),
        new RehearsalRestore(),
        new RehearsalStart(),
        new RehearsalCheck(),
        new RehearsalCleanUp(),
        new FindNewestBackup(),
        new BackupCheckResult(),
        new RestorePreflight(),
        new CaptureSymptom(),
        new StopControlPlane(),
        new RestoreMembers(),
        new PatchManifests(),
        new StartEtcd(),
        new ValidateRestore(),
        new StartControlPlane(),
        new RollBack(),
        new ReplacePreflight(),
        new ReplaceSetAside(),
        new ReplacePutBack(),
        new ReplaceRemove(),
        new ReplaceAddLearner(),
        new ReplaceStart(),
        new ReplacePromote(),
        new ReplaceValidate());
  }
}

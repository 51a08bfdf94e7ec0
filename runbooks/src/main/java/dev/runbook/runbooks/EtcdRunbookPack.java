package dev.runbook.runbooks;

import dev.runbook.engine.api.InventoryDiscovery;
import dev.runbook.engine.api.RunbookPack;
import dev.runbook.engine.api.Step;
import dev.runbook.runbooks.controlplane.ControlPlaneSteps;
import dev.runbook.runbooks.etcd.EtcdInventoryDiscovery;
import dev.runbook.runbooks.etcd.EtcdSteps;
import dev.runbook.runbooks.steps.RemoteCheck;
import dev.runbook.runbooks.steps.SetStampAside;
import dev.runbook.runbooks.steps.VerifyStamp;
import dev.runbook.runbooks.steps.WriteStamp;
import java.util.List;
import java.util.Optional;

/** The runbooks this project ships, and the steps they bind by name. */
public final class EtcdRunbookPack implements RunbookPack {

  @Override
  public List<Step<?, ?>> steps() {
    List<Step<?, ?>> steps =
        new java.util.ArrayList<>(
            List.of(new RemoteCheck(), new WriteStamp(), new VerifyStamp(), new SetStampAside()));
    steps.addAll(EtcdSteps.all());
    steps.addAll(ControlPlaneSteps.all());
    steps.addAll(dev.runbook.runbooks.objectstore.ObjectStoreSteps.all());
    return steps;
  }

  @Override
  public List<String> bpmnResources() {
    return List.of(
        "runbooks/ssh-check.bpmn",
        "runbooks/etcd-snapshot.bpmn",
        "runbooks/etcd-restore-rehearsal.bpmn",
        "runbooks/etcd-backup-check.bpmn",
        "runbooks/etcd-restore.bpmn",
        "runbooks/etcd-member-replace.bpmn",
        "runbooks/control-plane-backup.bpmn",
        "runbooks/control-plane-restore-files.bpmn");
  }

  @Override
  public Optional<InventoryDiscovery> inventoryDiscovery() {
    return Optional.of(new EtcdInventoryDiscovery());
  }
}

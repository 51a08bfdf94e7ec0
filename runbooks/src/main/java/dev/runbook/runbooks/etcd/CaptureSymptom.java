package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.CommandResult;
import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.StepContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Records the symptom before anything changes: per member, what the node shows (containers, etcd's
 * log, etcd's own status, health and member list, disk use) as an artifact, and what the engine
 * reads through jetcd. Never fails the run: what cannot be read is recorded as such. The cluster id
 * and the marker's value read here are what a rollback must find again.
 */
@Doc(
    "Records the symptom before anything changes: per member, containers, etcd's log, status, health, member list and disk use, plus what the engine reads through jetcd. Never fails the run.")
final class CaptureSymptom extends DeclaredStep<CaptureSymptom.Input, CaptureSymptom.Output> {

  record Input() {}

  /**
   * @param answered per member: "healthy", or why etcd did not answer
   * @param clusterId the cluster id the answering members report ("" when none answered)
   * @param markerRead whether the marker key could be read (a missing key reads as "")
   * @param marker the marker's value now ("" when not read)
   */
  record Output(
      Map<String, String> answered, String clusterId, boolean markerRead, String marker) {}

  CaptureSymptom() {
    super("etcdCaptureSymptom", Input.class, Effect.READ_ONLY);
  }

  @Override
  public Output run(Input input, StepContext context) {
    Inventory inv = context.inventory();
    for (Inventory.Member m : context.nodes()) {
      CommandResult r =
          context.exec(
              m.name(), context.render(CAPTURE, captureModel(inv, m)), Duration.ofMinutes(2));
      context.artifact(
          "symptom-" + m.name() + ".txt",
          (r.stdout() + r.stderr()).getBytes(StandardCharsets.UTF_8));
    }
    Map<String, String> answered = new LinkedHashMap<>();
    String clusterId = "";
    String marker = null;
    Inventory.Marker wanted = inv.validate() == null ? null : inv.validate().marker();
    try (EtcdAccess etcd = EtcdAccess.of(context)) {
      for (Inventory.Member m : context.nodes()) {
        try {
          MemberClient c = etcd.member(m);
          c.health();
          MemberClient.Status s = c.status();
          answered.put(m.name(), "healthy");
          if (clusterId.isEmpty()) {
            clusterId = s.clusterId();
          }
          if (marker == null && wanted != null) {
            marker = c.get(wanted.key());
            marker = marker == null ? "" : marker;
          }
        } catch (EtcdUnreachable e) {
          answered.put(m.name(), e.reason() + ": " + e.getMessage());
        }
      }
    }
    return new Output(answered, clusterId, marker != null, marker == null ? "" : marker);
  }

  private static final String CAPTURE = "commands/etcd-restore/capture.ftl";

  static Map<String, Object> captureModel(Inventory inv, Inventory.Member m) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("endpoint", m.clientUrl().toString());
    model.put("cacert", inv.etcd().pki().cacert());
    model.put("cert", inv.etcd().pki().cert());
    model.put("key", inv.etcd().pki().key());
    model.put("dataDir", inv.etcd().dataDir());
    return model;
  }

  @Override
  public void plan(PlanContext plan) {
    for (Inventory.Member m : plan.nodes()) {
      plan.command(m.name(), plan.render(CAPTURE, captureModel(plan.inventory(), m)));
    }
    plan.note(
        "keeps each node's output as an artifact, then asks each member through jetcd whether it"
            + " answers, its cluster id and the marker's value");
  }
}

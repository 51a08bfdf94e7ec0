package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where the etcd-member-replace runbook puts things, and what its steps share: the run's dir beside
 * the manifest dir, the old data dir's name once set aside, the healthy members the cluster calls
 * go to (never the member being replaced). Every name carries the run id, so a step that runs again
 * after a crash finds its own files.
 */
final class Replace {

  static final String TEMPLATES = "commands/etcd-member-replace/";

  /** The manifest the replaced member starts from, written into the run's dir. */
  static final String REPLACED = "etcd.yaml.replaced";

  private Replace() {}

  /** The run's dir beside the manifest dir, e.g. /etc/kubernetes/etcd-replace-RUN. */
  static String runDir(Inventory inventory, String runId) {
    String dir = inventory.etcd().manifestDir();
    String p = dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
    return p.substring(0, Math.max(0, p.lastIndexOf('/'))) + "/etcd-replace-" + runId;
  }

  /** Where the old data dir goes, beside it: /var/lib/etcd becomes /var/lib/etcd-replaced-RUN. */
  static String aside(String dataDir, String runId) {
    String d = dataDir.endsWith("/") ? dataDir.substring(0, dataDir.length() - 1) : dataDir;
    return d + "-replaced-" + runId;
  }

  /** The manifest dir's etcd.yaml, the default place of the member's manifest. */
  static String inPlaceManifest(Inventory inventory) {
    return Restore.manifest(inventory, Restore.ETCD);
  }

  /** The inventory member named {@code name}. */
  static Inventory.Member member(Inventory inventory, String name) {
    return inventory.members().stream()
        .filter(m -> m.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new RunbookError(
                    ErrorCode.INVENTORY_MISMATCH,
                    "no member "
                        + name
                        + " in the inventory (members: "
                        + inventory.members().stream()
                            .map(Inventory.Member::name)
                            .collect(Collectors.joining(", "))
                        + ")"));
  }

  /** Every member of the inventory but {@code name}: the ones that keep the quorum. */
  static List<Inventory.Member> others(Inventory inventory, String name) {
    return inventory.members().stream().filter(m -> !m.name().equals(name)).toList();
  }

  /**
   * A client on the first healthy member other than {@code name}: every cluster change goes to one
   * of them, never to the member being replaced.
   *
   * @throws RunbookError ETCD_NOT_HEALTHY listing why each one failed
   */
  static MemberClient healthyOther(EtcdAccess etcd, Inventory inventory, String name) {
    List<String> why = new ArrayList<>();
    for (Inventory.Member m : others(inventory, name)) {
      try {
        MemberClient c = etcd.member(m);
        c.health();
        return c;
      } catch (EtcdUnreachable e) {
        why.add(e.getMessage());
      }
    }
    throw new RunbookError(
        ErrorCode.ETCD_NOT_HEALTHY, "no healthy member other than " + name + ": " + why);
  }

  /** The member list entry whose peer URLs hold {@code peerUrl}, or null. */
  static MemberClient.Listed byPeerUrl(List<MemberClient.Listed> list, String peerUrl) {
    return list.stream().filter(l -> l.peerUrls().contains(peerUrl)).findFirst().orElse(null);
  }

  /** Runs a template of this runbook on a node and reads its key=value lines. */
  static Map<String, String> check(
      StepContext context, String node, String template, Map<String, Object> model) {
    return NodeCommands.check(context, node, TEMPLATES + template, model, Restore.COMMAND);
  }

  /** etcd's peer URLs come back as URIs printed by jetcd; the inventory's are URIs too. */
  /**
   * Refuses an input whose named values are missing or blank, naming each: {@code
   * required("member", member, "memberId", memberId)}.
   */
  static void required(String... namesAndValues) {
    java.util.List<String> missing = new java.util.ArrayList<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      String v = namesAndValues[i + 1];
      if (v == null || v.isBlank()) {
        missing.add(namesAndValues[i]);
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          String.join(" and ", missing) + (missing.size() == 1 ? " is" : " are") + " required");
    }
  }

  static String peerUrl(Inventory.Member m) {
    return m.peerUrl().toString();
  }

  /**
   * Runs {@code body}, turning a member that cannot be reached or refuses a call into the runbook's
   * ETCD_NOT_HEALTHY, which its boundaries handle; the message names the member and why.
   */
  static <T> T etcd(java.util.function.Supplier<T> body) {
    try {
      return body.get();
    } catch (EtcdUnreachable e) {
      throw new RunbookError(ErrorCode.ETCD_NOT_HEALTHY, e.getMessage());
    }
  }
}

package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Proves, before anything changes, that one member can be replaced: every other member is healthy
 * (so the cluster keeps its quorum without the member, and after its removal), the member list
 * holds the member with its name and the inventory's peer URL and no learner, and the replacement
 * node answers over SSH as root with its etcd.yaml naming the member, a data dir that can be
 * renamed, and server and peer certificates signed by the etcd CA that name the member's address.
 * Every problem is listed at once.
 */
@Doc(
    "Checks that one member can be replaced: every other member healthy, the member in the member list with its name and peer URL, no learner, and the replacement node reachable as root with its etcd.yaml and certificates right. Changes nothing.")
final class ReplacePreflight
    extends EtcdReplaceStep<ReplacePreflight.Input, ReplacePreflight.Output> {

  record Input(
      @Doc(value = "The name of the member to replace, as in the inventory.", required = true)
          String member,
      @Doc(
              "Where the member's etcd.yaml is on its node; empty: the manifest dir's etcd.yaml"
                  + " (a manifest set aside by hand elsewhere is copied, not moved).")
          String manifest) {
    Input {
      Replace.required("member", member);
      manifest = manifest == null ? "" : manifest;
    }
  }

  /**
   * @param memberId the member's id in the member list now (hex), the one the removal removes
   * @param manifest where its etcd.yaml is on its node
   * @param inPlace whether that is the manifest dir's (then it is moved, else copied)
   * @param dataDir the etcd-data hostPath: the member's data dir on the node
   * @param markerRead whether the inventory's marker key was read
   * @param marker its value then
   */
  record Output(
      String memberId,
      String manifest,
      boolean inPlace,
      String dataDir,
      List<MemberClient.Status> others,
      boolean markerRead,
      String marker) {}

  ReplacePreflight() {
    super("etcdReplacePreflight", Input.class, Effect.READ_ONLY);
  }

  @Override
  Output replace(Input input, StepContext context) {
    Inventory inv = context.inventory();
    ExternalEtcd.refuse(inv, "etcd-member-replace");
    Inventory.Member member = Replace.member(inv, input.member());
    List<Inventory.Member> others = Replace.others(inv, member.name());
    if (others.isEmpty()) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED,
          "a cluster of one cannot replace its member: there is no quorum to join; restore it"
              + " (etcd-restore) instead");
    }
    List<String> problems = new ArrayList<>();
    List<MemberClient.Status> statuses = new ArrayList<>();
    String memberId = "";
    boolean markerRead = false;
    String marker = "";
    try (EtcdAccess etcd = EtcdAccess.of(context)) {
      EachMember.inParallel(others, m -> ClusterHealth.check(etcd, m))
          .forEach(
              (name, h) -> {
                if (h.status() != null) {
                  statuses.add(h.status());
                } else {
                  problems.add(name + " is not healthy: " + h.failure());
                }
              });
      if (problems.isEmpty()) {
        MemberClient c = Replace.healthyOther(etcd, inv, member.name());
        List<MemberClient.Listed> list = c.members();
        MemberClient.Listed found = Replace.byPeerUrl(list, Replace.peerUrl(member));
        if (found == null) {
          problems.add(
              "no member in the member list has the peer URL "
                  + member.peerUrl()
                  + " (the list: "
                  + describe(list)
                  + "); was it removed already?");
        } else if (!found.name().equals(member.name()) && !found.name().isEmpty()) {
          problems.add(
              "the member with peer URL "
                  + member.peerUrl()
                  + " is named "
                  + found.name()
                  + ", not "
                  + member.name());
        } else {
          memberId = found.id();
        }
        for (MemberClient.Listed l : list) {
          if (l.learner()) {
            problems.add(
                "the member list already holds a learner ("
                    + l.id()
                    + " "
                    + l.peerUrls()
                    + "): finish or remove it first");
          }
        }
        if (list.size() != inv.members().size()) {
          problems.add(
              "the member list has "
                  + list.size()
                  + " members, the inventory "
                  + inv.members().size()
                  + ": "
                  + describe(list));
        }
        Inventory.Marker wanted = inv.validate() == null ? null : inv.validate().marker();
        if (wanted != null) {
          String v = c.get(wanted.key());
          markerRead = true;
          marker = v == null ? "" : v;
        }
      }
    }
    String manifest = manifestPath(inv, input.manifest());
    boolean inPlace = manifest.equals(Replace.inPlaceManifest(inv));
    String dataDir = "";
    EtcdManifest m = null;
    try {
      m = Restore.readManifest(context, member.name(), manifest);
    } catch (RunbookError e) {
      problems.add(e.getMessage());
    }
    if (m != null) {
      problems.addAll(manifestProblems(m, member));
      try {
        dataDir = m.dataMount().hostPath();
      } catch (IllegalArgumentException e) {
        problems.add(member.name() + ": " + e.getMessage());
      }
    }
    if (m != null && !dataDir.isEmpty()) {
      Map<String, String> kv =
          Replace.check(
              context,
              member.name(),
              INSPECT,
              inspectModel(context.inventory(), context.runId(), member, m));
      problems.addAll(nodeProblems(member.name(), kv, dataDir));
      if (!inPlace && "true".equals(kv.get("installedExists"))) {
        // The start installs the patched copy there, past the removal: a file in the way would
        // stop the run where there is no way back.
        problems.add(
            member.name()
                + ": the manifest dir holds an etcd.yaml while the member's manifest is "
                + manifest
                + ": set it aside, or replace from the manifest dir's");
      }
    }
    if (!problems.isEmpty()) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED,
          "cannot replace " + member.name() + ":\n- " + String.join("\n- ", problems));
    }
    return new Output(memberId, manifest, inPlace, dataDir, statuses, markerRead, marker);
  }

  static final String INSPECT = "inspect.ftl";

  static String manifestPath(Inventory inv, String given) {
    return given == null || given.isBlank() ? Replace.inPlaceManifest(inv) : given;
  }

  /** The model of inspect.ftl: the certificate paths as the manifest maps them onto the host. */
  static Map<String, Object> inspectModel(
      Inventory inv, String runId, Inventory.Member member, EtcdManifest m) {
    String dataDir = m.dataMount().hostPath();
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("dataDir", dataDir);
    model.put("runDir", Replace.runDir(inv, runId));
    model.put("aside", Replace.aside(dataDir, runId));
    model.put("ca", hostPath(m, "trusted-ca-file"));
    model.put("cert", hostPath(m, "cert-file"));
    model.put("peerCert", hostPath(m, "peer-cert-file"));
    model.put("host", member.peerUrl().getHost());
    model.put("installed", Replace.inPlaceManifest(inv));
    return model;
  }

  private static String hostPath(EtcdManifest m, String flag) {
    String inContainer = m.flag(flag);
    if (inContainer == null) {
      return "";
    }
    String host = m.hostPathOf(inContainer);
    return host == null ? inContainer : host;
  }

  private static List<String> manifestProblems(EtcdManifest m, Inventory.Member member) {
    List<String> p = new ArrayList<>();
    String n = member.name();
    if (!n.equals(m.flag("name"))) {
      p.add(n + ": etcd.yaml says --name=" + m.flag("name"));
    }
    if (!m.flagList("initial-advertise-peer-urls").contains(Replace.peerUrl(member))) {
      p.add(
          n
              + ": etcd.yaml's --initial-advertise-peer-urls is "
              + m.flag("initial-advertise-peer-urls")
              + ", not the inventory's "
              + member.peerUrl());
    }
    for (String flag : List.of("trusted-ca-file", "cert-file", "peer-cert-file")) {
      if (m.flag(flag) == null) {
        p.add(n + ": etcd.yaml has no --" + flag);
      }
    }
    return p;
  }

  private static List<String> nodeProblems(String n, Map<String, String> kv, String dataDir) {
    List<String> p = new ArrayList<>();
    if (!"0".equals(kv.get("uid"))) {
      p.add(n + ": commands do not run as root (uid " + kv.get("uid") + ")");
    }
    if ("true".equals(kv.get("dataDirMount"))) {
      p.add(
          n
              + ": the data dir "
              + dataDir
              + " is a mount point and cannot be renamed aside; move its contents by hand");
    }
    if ("true".equals(kv.get("runDirExists"))) {
      p.add(n + ": the run's dir exists already");
    }
    if ("true".equals(kv.get("asideExists"))) {
      p.add(n + ": the place for the old data dir exists already");
    }
    if (!"true".equals(kv.get("caExists"))) {
      p.add(n + ": the etcd CA certificate is not readable");
    }
    for (String c : List.of("cert", "peerCert")) {
      String what = c.equals("cert") ? "server certificate" : "peer certificate";
      if (!"true".equals(kv.get(c + "Exists"))) {
        p.add(n + ": the " + what + " is not readable");
        continue;
      }
      if (!"true".equals(kv.get(c + "Verified"))) {
        p.add(n + ": the " + what + " is not signed by the etcd CA");
      }
      if (!"true".equals(kv.get(c + "Valid"))) {
        p.add(n + ": the " + what + " has expired");
      }
      if (!"true".equals(kv.get(c + "NamesHost"))) {
        p.add(n + ": the " + what + " does not name the member's address");
      }
    }
    return p;
  }

  static String describe(List<MemberClient.Listed> list) {
    return list.stream()
        .map(
            l ->
                (l.name().isEmpty() ? "(unstarted)" : l.name()) + " " + l.id() + " " + l.peerUrls())
        .toList()
        .toString();
  }

  @Override
  public void plan(PlanContext plan) {
    Inventory inv = plan.inventory();
    String name = plan.input("member");
    String manifest = manifestPath(inv, plan.input("manifest"));
    plan.note(
        "asks every member but "
            + name
            + " for its health (a linearizable read) and status: all must be healthy; reads the"
            + " member list from one of them: it must hold "
            + name
            + " with the inventory's peer URL and no learner");
    for (Inventory.Member member : plan.nodes()) {
      String node = member.name();
      String cat = plan.render(RestorePlan.CAT_FILE, RestorePlan.catModel(manifest));
      plan.command(node, cat);
      Optional<EtcdManifest> m = parsed(plan, node, cat);
      plan.discovered(node, "etcd-data hostPath", m.flatMap(ReplacePreflight::dataDir));
      if (m.isPresent() && dataDir(m.get()).isPresent()) {
        plan.command(
            node,
            plan.render(
                Replace.TEMPLATES + INSPECT,
                inspectModel(inv, PlanContext.RUN_ID, member, m.get())));
      } else {
        plan.unknown(
            node
                + ": inspects the data dir and the certificates named in "
                + manifest
                + " (plan with --probe for the exact command)");
      }
    }
  }

  /**
   * The data dir a later step's plan shows: its input once the run knows it, else the etcd-data
   * hostPath of the member's manifest as the probe read it, else the input's placeholder.
   */
  static String planDataDir(PlanContext plan, String node) {
    String input = plan.input("dataDir");
    if (!input.startsWith("⟨")) {
      return input;
    }
    String manifest = manifestPath(plan.inventory(), plan.parameters().get("manifest"));
    return parsed(plan, node, plan.render(RestorePlan.CAT_FILE, RestorePlan.catModel(manifest)))
        .flatMap(ReplacePreflight::dataDir)
        .orElse(input);
  }

  /** The member's manifest as the plan read it (with --probe). */
  static Optional<EtcdManifest> parsed(PlanContext plan, String node, String cat) {
    return plan.read(node, cat)
        .flatMap(
            text -> {
              try {
                return Optional.of(EtcdManifest.parse(text));
              } catch (IllegalArgumentException e) {
                return Optional.empty();
              }
            });
  }

  static Optional<String> dataDir(EtcdManifest m) {
    try {
      return Optional.of(m.dataMount().hostPath());
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}

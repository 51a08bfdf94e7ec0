package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.CommandResult;
import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything the restore needs to be true, checked on every member before anything changes: the
 * live etcd.yaml agrees with the inventory; commands run as root; a restore tool; the snapshot's
 * etcd major.minor is the cluster's; room for the snapshot twice; the restore target and the run's
 * dir do not exist; the server and peer certificates cover the advertised addresses. Every problem
 * on every member is reported at once.
 */
@Doc(
    "Checks every member before a restore changes anything: manifests, tools, versions, disk room, certificates; every problem on every member is reported at once.")
final class RestorePreflight extends DeclaredStep<RestorePreflight.Input, RestorePreflight.Output> {

  /**
   * @param size the snapshot's size in bytes
   * @param snapshotVersion the cluster version recorded in the snapshot ("" when absent)
   * @param bumpRevision the revision bump asked for (0: none)
   */
  record Input(
      @Doc(value = "The snapshot's size in bytes.", required = true) long size,
      @Doc("The cluster version recorded in the snapshot (empty when absent).")
          String snapshotVersion,
      @Doc(value = "The revision bump asked for; 0 for none.", defaultValue = "0")
          long bumpRevision) {
    Input {
      snapshotVersion = snapshotVersion == null ? "" : snapshotVersion;
      if (size <= 0) {
        throw new IllegalArgumentException("size must be positive");
      }
      if (bumpRevision < 0) {
        throw new IllegalArgumentException("bumpRevision must be 0 or more, not " + bumpRevision);
      }
    }
  }

  /** What will happen on one member. */
  record NodePlan(
      String node,
      String dataDir,
      String dataHostPath,
      String restoredDir,
      String runDir,
      String owner,
      String restoreTool,
      String etcdVersion,
      long freeKiB) {}

  /**
   * @param bumpRevision the bump the restore will use: 0 when a member's tool cannot
   * @param plan what the run will do, in words, for the gate
   */
  record Output(
      List<NodePlan> nodes, long bumpRevision, String clusterVersion, List<String> plan) {}

  RestorePreflight() {
    super("etcdRestorePreflight", Input.class, Effect.READ_ONLY);
  }

  @Override
  public Output run(Input input, StepContext context) {
    Inventory inv = context.inventory();
    if (ExternalRestore.external(inv)) {
      return external(input, context);
    }
    List<String> mismatches = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    List<NodePlan> nodes = new ArrayList<>();
    boolean bump = input.bumpRevision() > 0;
    String clusterVersion = "";
    for (Inventory.Member m : context.nodes()) {
      String node = m.name();
      String path = Restore.manifest(inv, Restore.ETCD);
      EtcdManifest manifest = Restore.readManifest(context, node, path);
      mismatches.addAll(compare(m, inv, manifest, path));
      EtcdManifest.Mount data;
      try {
        data = manifest.dataMount();
      } catch (IllegalArgumentException e) {
        problems.add(node + ": " + path + ": " + e.getMessage());
        continue;
      }
      String restored = Restore.restoredDir(data.hostPath(), context.runId());
      String runDir = Restore.runDir(inv, context.runId());
      Checked c =
          check(
              context,
              node,
              data.hostPath(),
              restored,
              runDir,
              input,
              manifest.imageVersion(),
              problems);
      bump &= c.bumpOk();
      if (clusterVersion.isEmpty()) {
        clusterVersion = c.version();
      }
      problems.addAll(
          certificates(
              context,
              m,
              flag -> {
                String inContainer = manifest.flag(flag);
                return inContainer == null ? null : manifest.hostPathOf(inContainer);
              },
              "is missing or not on a hostPath mount"));
      nodes.add(
          new NodePlan(
              node,
              manifest.flag("data-dir"),
              data.hostPath(),
              restored,
              runDir,
              c.owner(),
              c.tool(),
              c.version(),
              c.freeKiB()));
    }
    refuse("the live manifests", mismatches, problems);
    long bumpBy = bump ? input.bumpRevision() : 0;
    return new Output(nodes, bumpBy, clusterVersion, plan(nodes, input, bumpBy));
  }

  /**
   * External etcd: each member's unit read as systemd reads it (EtcdUnit) instead of etcd.yaml: it
   * must exist, name its data dir, not be overridden by someone else's drop-in nor run on an
   * earlier restore's, agree with the inventory and with the other members' units, and take a
   * drop-in that changes only its data dir; then the checks stacked makes, and every control-plane
   * node must have its kube-apiserver manifest where the stop will move it from.
   */
  private static Output external(Input input, StepContext context) {
    Inventory inv = context.inventory();
    String unitName = ExternalRestore.unit(inv);
    List<String> mismatches = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    List<NodePlan> nodes = new ArrayList<>();
    List<String> found = new ArrayList<>();
    Map<String, EtcdUnit> units = new LinkedHashMap<>();
    boolean bump = input.bumpRevision() > 0;
    String clusterVersion = "";
    String runDir = Restore.runDir(inv, context.runId());
    for (Inventory.Member m : context.nodes()) {
      String node = m.name();
      ExternalRestore.Read read;
      try {
        read = ExternalRestore.read(context, node);
      } catch (RunbookError e) {
        problems.add(e.getMessage());
        continue;
      }
      EtcdUnit u = read.unit();
      u.problems().forEach(p -> problems.add(node + ": " + p));
      for (String f : ExternalRestore.earlierRestores(u)) {
        problems.add(
            node
                + ": "
                + unitName
                + " runs on an earlier restore (its drop-in "
                + f
                + "): point the unit itself at that data dir and move the drop-in aside before"
                + " restoring again");
      }
      // Compared with the others even when it has problems of its own: every problem at once.
      units.put(node, u);
      if (!u.problems().isEmpty()) {
        continue;
      }
      mismatches.addAll(compareUnit(m, u));
      String dataDir = read.dataDir();
      String restored = Restore.restoredDir(dataDir, context.runId());
      try {
        ExternalRestore.Patch p = ExternalRestore.patch(read, inv, context.runId(), restored);
        ExternalRestore.verify(read, p, inv, context.runId(), restored);
      } catch (IllegalArgumentException e) {
        problems.add(node + ": " + e.getMessage());
      }
      Checked c = check(context, node, dataDir, restored, runDir, input, "", problems);
      bump &= c.bumpOk();
      if (clusterVersion.isEmpty()) {
        clusterVersion = c.version();
      }
      problems.addAll(certificates(context, m, u::value, "is not in " + unitName));
      found.add(node + ": data dir " + dataDir + " (" + u.setting("data-dir").source() + ")");
      nodes.add(
          new NodePlan(
              node,
              dataDir,
              dataDir,
              restored,
              runDir,
              c.owner(),
              c.tool(),
              c.version(),
              c.freeKiB()));
    }
    problems.addAll(EtcdUnit.disagreements(units));
    for (Inventory.Member cp : ExternalRestore.controlPlanes(inv)) {
      String manifest = Restore.manifest(inv, ExternalRestore.API_SERVER);
      CommandResult r =
          context.exec(
              cp.name(),
              context.render(RestorePlan.CAT_FILE, RestorePlan.catModel(manifest)),
              Duration.ofSeconds(30));
      if (!r.ok()) {
        problems.add(
            cp.name()
                + ": no readable "
                + manifest
                + " (the stop moves it aside to stop the API server): "
                + r.stderr().strip());
      }
    }
    refuse("the members' units", mismatches, problems);
    long bumpBy = bump ? input.bumpRevision() : 0;
    List<String> plan = new ArrayList<>();
    plan.add(
        "stop the API servers on "
            + String.join(
                ", ",
                inv.etcd().external().controlPlane().stream()
                    .map(Inventory.ControlPlane::name)
                    .toList())
            + " (manifests moved into the run's dir), then systemctl stop "
            + unitName
            + " on every member");
    plan.addAll(found);
    for (NodePlan n : nodes) {
      plan.add(
          restoreLine(n)
              + ", then a drop-in "
              + ExternalRestore.dropIn(inv, context.runId())
              + " points "
              + unitName
              + " at it; the unit, its environment file and "
              + n.dataDir()
              + " stay as they are");
    }
    plan.add(bumpLine(input, bumpBy));
    plan.add(
        "then a gate; then daemon-reload and start on every member, checks, then the API servers");
    return new Output(nodes, bumpBy, clusterVersion, plan);
  }

  /**
   * Ends the preflight when anything was found: INVENTORY_MISMATCH when {@code what} (the live
   * manifests, the members' units) disagree with the inventory, else VALIDATION_FAILED.
   */
  private static void refuse(String what, List<String> mismatches, List<String> problems) {
    if (!mismatches.isEmpty()) {
      throw new RunbookError(
          ErrorCode.INVENTORY_MISMATCH,
          what
              + " do not match the inventory, nothing was changed: "
              + String.join("; ", mismatches));
    }
    if (!problems.isEmpty()) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED,
          "preflight found "
              + problems.size()
              + " problem(s), nothing was changed: "
              + String.join("; ", problems));
    }
  }

  /** What the plan says first of a member's restore: the tool, the target, its owner. */
  private static String restoreLine(NodePlan n) {
    return n.node()
        + ": restore with "
        + n.restoreTool()
        + " into "
        + n.restoredDir()
        + " (owner "
        + n.owner()
        + ")";
  }

  /** The unit against the inventory: the member's name and advertised URLs. */
  private static List<String> compareUnit(Inventory.Member m, EtcdUnit u) {
    List<String> out = new ArrayList<>();
    String where = m.name() + ": " + u.unit();
    if (!m.name().equals(u.value("name"))) {
      out.add(where + " has --name=" + u.value("name") + ", the inventory " + m.name());
    }
    for (String[] f :
        List.of(
            new String[] {"initial-advertise-peer-urls", String.valueOf(m.peerUrl())},
            new String[] {"advertise-client-urls", String.valueOf(m.clientUrl())})) {
      String v = u.value(f[0]);
      List<URI> have = urls(v == null ? List.of() : List.of(v.split(",")));
      if (!have.contains(URI.create(f[1]))) {
        out.add(where + " has --" + f[0] + "=" + v + ", the inventory says " + f[1]);
      }
    }
    return out;
  }

  /** What {@link #check} found on one member. */
  private record Checked(String owner, long freeKiB, String tool, boolean bumpOk, String version) {}

  /**
   * The checks of one member that do not depend on how etcd is run: root, the data dir, room for
   * the snapshot twice, the restore target and the run's dir absent, a restore tool and its flags,
   * the etcd version against the snapshot's. Adds what is wrong to {@code problems}.
   *
   * @param imageVersion the etcd version the manifest's image names ("" when none)
   */
  private static Checked check(
      StepContext context,
      String node,
      String dataDir,
      String restored,
      String runDir,
      Input input,
      String imageVersion,
      List<String> problems) {
    Map<String, String> kv =
        NodeCommands.check(
            context, node, INSPECT, inspectModel(dataDir, restored, runDir), Restore.COMMAND);
    if (!"0".equals(kv.get("uid"))) {
      problems.add(
          node
              + ": commands run as uid "
              + kv.get("uid")
              + ", and the restore moves root-owned manifests and data: log in as root or set"
              + " ssh.sudo: true in the inventory");
    }
    if (!"true".equals(kv.get("dataDirExists"))) {
      problems.add(node + ": the data dir " + dataDir + " does not exist");
    }
    long free = parseLong(kv.get("free"));
    long needKiB = (input.size() * 2 + 1023) / 1024;
    if (free < needKiB) {
      problems.add(
          node
              + ": "
              + free
              + " KiB free beside "
              + dataDir
              + "; the restore needs "
              + needKiB
              + " KiB (the snapshot and its restored copy): free some space");
    }
    if ("true".equals(kv.get("restoredExists"))) {
      problems.add(node + ": the restore target " + restored + " already exists: move it aside");
    }
    if ("true".equals(kv.get("runDirExists"))) {
      problems.add(node + ": the run's dir " + runDir + " already exists: move it aside");
    }
    CommandResult tools =
        context.exec(
            node, context.render(RestorePlan.DETECT_TOOLS, Map.of()), Duration.ofSeconds(60));
    Map<String, String> t = KeyValues.parse(tools.stdout());
    String tool = t.getOrDefault("restoreTool", "");
    if (tool.isEmpty()) {
      problems.add(node + ": " + DetectTools.noRestoreTool(t));
    }
    String version = imageVersion;
    if (version.isEmpty()) {
      version = majorMinor(t.getOrDefault("etcdVersion", ""));
    }
    if (!input.snapshotVersion().isEmpty()
        && !version.isEmpty()
        && !majorMinor(input.snapshotVersion()).equals(version)) {
      problems.add(
          node
              + ": the snapshot is from etcd "
              + input.snapshotVersion()
              + " but this member runs etcd "
              + version
              + (input.snapshotVersion().equals(UNSETTLED_CLUSTER_VERSION)
                  ? " (etcd records 3.0.0 until a new cluster's members first agree on a"
                      + " version, a few seconds after it starts: the snapshot may be from then)"
                  : "")
              + ": restore a snapshot taken on this etcd version");
    }
    return new Checked(
        kv.getOrDefault("owner", ""),
        free,
        tool,
        "true".equals(t.get("bumpRevision")) && "true".equals(t.get("markCompacted")),
        version);
  }

  private static List<String> plan(List<NodePlan> nodes, Input input, long bumpBy) {
    List<String> plan = new ArrayList<>();
    String names = String.join(", ", nodes.stream().map(NodePlan::node).toList());
    plan.add(
        "stop the API servers, controller managers and schedulers, then etcd, on "
            + names
            + " (manifests moved into the run's dir; the old data dirs stay untouched)");
    for (NodePlan n : nodes) {
      plan.add(
          restoreLine(n)
              + ", then point the etcd-data hostPath "
              + n.dataHostPath()
              + " at it; --data-dir "
              + n.dataDir()
              + " stays");
    }
    plan.add(bumpLine(input, bumpBy));
    plan.add("then a gate; then etcd starts on every member, then the control plane, then checks");
    return plan;
  }

  private static String bumpLine(Input input, long bumpBy) {
    return bumpBy > 0
        ? "--bump-revision " + bumpBy + " --mark-compacted: clients' watches see a compaction"
        : input.bumpRevision() > 0
            ? "--bump-revision is not supported by every member's tool: restored without it;"
                + " every control-plane component is restarted, so no cache outlives the"
                + " restore"
            : "no --bump-revision asked for: every control-plane component is restarted";
  }

  private static List<String> compare(
      Inventory.Member m, Inventory inv, EtcdManifest manifest, String path) {
    List<String> out = new ArrayList<>();
    String where = m.name() + ": " + path;
    if (!m.name().equals(manifest.flag("name"))) {
      out.add(where + " has --name=" + manifest.flag("name") + ", the inventory " + m.name());
    }
    if (!urls(manifest.flagList("initial-advertise-peer-urls")).contains(m.peerUrl())) {
      out.add(
          where
              + " advertises peer URLs "
              + manifest.flag("initial-advertise-peer-urls")
              + ", the inventory says "
              + m.peerUrl());
    }
    if (!urls(manifest.flagList("advertise-client-urls")).contains(m.clientUrl())) {
      out.add(
          where
              + " advertises client URLs "
              + manifest.flag("advertise-client-urls")
              + ", the inventory says "
              + m.clientUrl());
    }
    if (!manifest.flagList("initial-cluster").contains(m.name() + "=" + m.peerUrl())) {
      out.add(
          where
              + " has --initial-cluster="
              + manifest.flag("initial-cluster")
              + ", without "
              + m.name()
              + "="
              + m.peerUrl());
    }
    if (!inv.etcd().dataDir().equals(manifest.flag("data-dir"))) {
      out.add(
          where
              + " has --data-dir="
              + manifest.flag("data-dir")
              + ", the inventory's etcd.dataDir is "
              + inv.etcd().dataDir());
    }
    return out;
  }

  private static List<URI> urls(List<String> values) {
    List<URI> out = new ArrayList<>();
    for (String v : values) {
      try {
        out.add(URI.create(v.strip()));
      } catch (IllegalArgumentException e) {
        // not a URL: it matches nothing
      }
    }
    return out;
  }

  /** The server certificate must name the client URL's host, the peer certificate the peer's. */
  private static List<String> certificates(
      StepContext context,
      Inventory.Member m,
      java.util.function.Function<String, String> onHostOf,
      String missing) {
    List<String> out = new ArrayList<>();
    Map<String, URI> wanted = new LinkedHashMap<>();
    wanted.put("cert-file", m.clientUrl());
    wanted.put("peer-cert-file", m.peerUrl());
    for (Map.Entry<String, URI> w : wanted.entrySet()) {
      if (!"https".equals(w.getValue().getScheme())) {
        continue;
      }
      String onHost = onHostOf.apply(w.getKey());
      if (onHost == null) {
        out.add(m.name() + ": --" + w.getKey() + " " + missing);
        continue;
      }
      String pem =
          context
              .check(
                  m.name(),
                  context.render(RestorePlan.CAT_FILE, RestorePlan.catModel(onHost)),
                  Duration.ofSeconds(30))
              .stdout();
      String host = w.getValue().getHost();
      try {
        X509Certificate cert =
            (X509Certificate)
                CertificateFactory.getInstance("X.509")
                    .generateCertificate(
                        new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        if (!covers(cert.getSubjectAlternativeNames(), host)) {
          out.add(
              m.name()
                  + ": "
                  + onHost
                  + " does not name "
                  + host
                  + " in its subject alternative names: etcd would refuse the restored cluster's"
                  + " connections; reissue it (kubeadm certs renew)");
        }
      } catch (CertificateException e) {
        out.add(m.name() + ": " + onHost + " is not a readable certificate: " + e.getMessage());
      }
    }
    return out;
  }

  private static boolean covers(Collection<List<?>> sans, String host)
      throws CertificateParsingException {
    if (sans == null) {
      return false;
    }
    InetAddress ip = literal(host);
    for (List<?> san : sans) {
      int type = (Integer) san.get(0);
      String value = String.valueOf(san.get(1));
      if (type == 7 && ip != null && ip.equals(literal(value))) {
        return true;
      }
      if (type == 2 && ip == null) {
        String v = value.toLowerCase();
        String h = host.toLowerCase();
        if (v.equals(h)
            || (v.startsWith("*.")
                && h.endsWith(v.substring(1))
                && h.indexOf('.') == h.length() - v.length() + 1)) {
          return true;
        }
      }
    }
    return false;
  }

  private static InetAddress literal(String host) {
    String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (!h.matches("[0-9.]+|[0-9A-Fa-f:]+")) {
      return null;
    }
    try {
      return InetAddress.getByName(h);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** The cluster version etcd records before its members have agreed on one. */
  static final String UNSETTLED_CLUSTER_VERSION = "3.0.0";

  static String majorMinor(String version) {
    Matcher m = Pattern.compile("(\\d+\\.\\d+)").matcher(version);
    return m.find() ? m.group(1) : "";
  }

  private static long parseLong(String s) {
    try {
      return s == null ? 0 : Long.parseLong(s.strip());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static final String INSPECT = "commands/etcd-restore/inspect-node.ftl";

  static Map<String, Object> inspectModel(String dataDir, String restoredDir, String runDir) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("dataDir", dataDir);
    model.put("restoredDir", restoredDir);
    model.put("runDir", runDir);
    return model;
  }

  @Override
  public void plan(PlanContext plan) {
    Inventory inv = plan.inventory();
    String runDir = Restore.runDir(inv, PlanContext.RUN_ID);
    if (ExternalRestore.external(inv)) {
      planExternal(plan, runDir);
      return;
    }
    for (Inventory.Member m : plan.nodes()) {
      String node = m.name();
      plan.command(
          node,
          plan.render(
              RestorePlan.CAT_FILE, RestorePlan.catModel(Restore.manifest(inv, Restore.ETCD))));
      java.util.Optional<EtcdManifest> manifest = RestorePlan.manifest(plan, node);
      String hostPath = RestorePlan.dataHostPath(plan, node);
      plan.command(
          node,
          plan.render(
              INSPECT, inspectModel(hostPath, RestorePlan.restoredDir(node, hostPath), runDir)));
      plan.command(node, plan.render(RestorePlan.DETECT_TOOLS, Map.of()));
      RestorePlan.restoreTool(plan, node);
      manifest.ifPresent(
          mf ->
              plan.discovered(
                  node, "etcd image version", java.util.Optional.of(mf.imageVersion())));
      planCertificates(
          plan,
          node,
          flag -> manifest.map(mf -> mf.flag(flag)).map(f -> manifest.get().hostPathOf(f)),
          "etcd.yaml");
    }
    plan.note(
        "compares each live etcd.yaml with the inventory, and checks root, the restore tool, the etcd"
            + " version against the snapshot's, free space (twice the snapshot), that the restore"
            + " target and the run's dir do not exist, and the certificates' SANs; lists every problem");
  }

  /** Plans the read of the server and peer certificates named in {@code where}. */
  private static void planCertificates(
      PlanContext plan,
      String node,
      java.util.function.Function<String, java.util.Optional<String>> onHostOf,
      String where) {
    for (String flag : List.of("cert-file", "peer-cert-file")) {
      java.util.Optional<String> onHost = onHostOf.apply(flag);
      if (onHost.isPresent()) {
        plan.command(node, plan.render(RestorePlan.CAT_FILE, RestorePlan.catModel(onHost.get())));
      } else {
        plan.unknown(
            node
                + ": reads the --"
                + flag
                + " certificate named in "
                + where
                + " (--probe shows which)");
      }
    }
  }

  private static void planExternal(PlanContext plan, String runDir) {
    Inventory inv = plan.inventory();
    String unitName = ExternalRestore.unit(inv);
    for (Inventory.Member m : plan.nodes()) {
      String node = m.name();
      java.util.Optional<ExternalRestore.Read> read = ExternalRestore.planRead(plan, node);
      String dataDir = RestorePlan.dataHostPath(plan, node);
      read.map(r -> r.unit().setting("data-dir"))
          .ifPresent(
              d ->
                  plan.note(
                      node
                          + ": "
                          + unitName
                          + " runs etcd on "
                          + d.value()
                          + " ("
                          + d.source()
                          + ")"));
      read.ifPresent(
          r ->
              plan.note(
                  node
                      + ": "
                      + unitName
                      + " passes etcd its settings as "
                      + r.unit().style()
                      + (r.unit().dropIns().isEmpty()
                          ? ", no drop-ins"
                          : ", drop-ins " + r.unit().dropIns())));
      plan.command(
          node,
          plan.render(
              INSPECT, inspectModel(dataDir, RestorePlan.restoredDir(node, dataDir), runDir)));
      plan.command(node, plan.render(RestorePlan.DETECT_TOOLS, Map.of()));
      RestorePlan.restoreTool(plan, node);
      planCertificates(plan, node, flag -> read.map(r -> r.unit().value(flag)), unitName);
    }
    String manifest = Restore.manifest(inv, ExternalRestore.API_SERVER);
    for (Inventory.Member cp : ExternalRestore.controlPlanes(inv)) {
      plan.command(cp.name(), plan.render(RestorePlan.CAT_FILE, RestorePlan.catModel(manifest)));
    }
    plan.note(
        "reads each member's "
            + unitName
            + " as systemd does (systemctl cat, then its environment files) and refuses: no such"
            + " unit, a data dir it does not name, someone else's drop-in changing what etcd runs,"
            + " an earlier restore's drop-in, members whose units disagree or differ from the"
            + " inventory; then root, the restore tool, the etcd version against the snapshot's,"
            + " free space (twice the snapshot), that the restore target and the run's dir do not"
            + " exist, the certificates' SANs, and each control plane's "
            + ExternalRestore.API_SERVER
            + "; lists every problem");
  }
}

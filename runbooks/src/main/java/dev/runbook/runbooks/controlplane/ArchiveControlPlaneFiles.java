package dev.runbook.runbooks.controlplane;

import dev.runbook.engine.api.CommandResult;
import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Archives each node's control-plane files to the engine host: lists them on the node (names,
 * modes, owners, digests; never content), reads each over SFTP, checks it against the listed
 * digest, and writes one encrypted archive per node ({@link ControlPlaneArchive}) through {@code
 * .part}, fsync and rename, mode 0600. The nodes are only read; running it again writes new
 * archives beside the old ones.
 */
@Doc(
    "Archives each node's PKI, kubeconfigs, static-pod manifests and kubelet configuration into one encrypted archive per node on the engine host, with a manifest of every file's path, mode, owner and SHA-256.")
final class ArchiveControlPlaneFiles
    extends DeclaredStep<ArchiveControlPlaneFiles.Input, ArchiveControlPlaneFiles.Output> {

  static final Duration TIMEOUT = Duration.ofMinutes(2);
  static final String TEMPLATE = "commands/control-plane-backup/list-files.ftl";
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  /** The kubeadm files beside the PKI; each is optional (listed as missing when absent). */
  static final List<String> OPTIONAL_FILES =
      List.of(
          "/etc/kubernetes/admin.conf",
          "/etc/kubernetes/super-admin.conf",
          "/etc/kubernetes/controller-manager.conf",
          "/etc/kubernetes/scheduler.conf",
          "/etc/kubernetes/kubelet.conf",
          "/var/lib/kubelet/config.yaml",
          "/var/lib/kubelet/kubeadm-flags.env",
          "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
          "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf");

  record Input(
      @Doc(
              value =
                  "Directory on the engine host for the archives (created, mode 0700, when missing).",
              required = true)
          String dir,
      @Doc(
              value =
                  "The operator's key file on the engine host: its first line, at least 32 printable characters, is the passphrase.",
              required = true)
          String keyFile,
      @Doc(
              value = "The PKI directory on the nodes; a node without it fails the step.",
              required = true)
          String pkiDir) {
    Input {
      if (dir == null || !dir.startsWith("/")) {
        throw new IllegalArgumentException("dir must be an absolute path");
      }
      if (keyFile == null || keyFile.isBlank()) {
        throw new IllegalArgumentException("keyFile is required");
      }
      if (pkiDir == null || !pkiDir.startsWith("/")) {
        throw new IllegalArgumentException("pkiDir must be an absolute path");
      }
    }
  }

  /**
   * @param archives per node, the archive's path on the engine host
   * @param sha256 per node, the archive's SHA-256 (as NAME.sha256 holds it)
   * @param hmac per node, the HMAC-SHA256 of the archive under the key (as NAME.hmac holds it)
   * @param files per node, how many files the archive holds
   * @param missing the optional files and dirs a node lacked, as {@code node: path}
   */
  record Output(
      Map<String, String> archives,
      Map<String, String> sha256,
      Map<String, String> hmac,
      Map<String, Integer> files,
      List<String> missing) {}

  ArchiveControlPlaneFiles() {
    super("controlPlaneArchive", Input.class, Effect.READ_ONLY);
  }

  static Map<String, Object> model(Inventory inventory, String pkiDir) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("pkiDir", pkiDir);
    model.put("dirs", List.of(inventory.etcd().manifestDir(), "/var/lib/kubelet/pki"));
    model.put("files", OPTIONAL_FILES);
    return model;
  }

  static String fileName(String cluster, String node, Instant at, String runId) {
    return "control-plane-"
        + cluster
        + "-"
        + node
        + "-"
        + STAMP.format(at)
        + "-"
        + runId
        + ".tar.enc";
  }

  @Override
  public Output run(Input input, StepContext context) {
    ControlPlaneSteps.requireStacked(context.inventory(), "control-plane-backup");
    KeyFile key = KeyFile.forStep(input.keyFile());
    Path dir = Path.of(input.dir());
    try {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      throw new RunbookError(
          ErrorCode.STEP_FAILED, "cannot create the backup directory " + dir + ": " + e);
    }
    String command = context.render(TEMPLATE, model(context.inventory(), input.pkiDir()));
    Map<String, String> archives = new LinkedHashMap<>();
    Map<String, String> sha = new LinkedHashMap<>();
    Map<String, String> hmac = new LinkedHashMap<>();
    Map<String, Integer> counts = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    for (Inventory.Member node : context.nodes()) {
      String n = node.name();
      CommandResult listed = context.exec(n, command, TIMEOUT);
      if (listed.exitStatus() == 3) {
        throw new RunbookError(ErrorCode.STEP_FAILED, n + ": " + listed.stderr().strip());
      }
      if (!listed.ok()) {
        throw new RunbookError(
            ErrorCode.STEP_FAILED,
            n + ": listing the control-plane files failed with exit " + listed.exitStatus());
      }
      Listing listing = Listing.parse(n, listed.stdout());
      Map<String, byte[]> contents = new LinkedHashMap<>();
      for (ControlPlaneArchive.FileEntry f : listing.files()) {
        if (!"file".equals(f.type())) {
          continue;
        }
        byte[] bytes = context.shell().read(n, f.path());
        if (!ArchiveCipher.sha256(bytes).equals(f.sha256())) {
          throw new RunbookError(
              ErrorCode.STEP_FAILED,
              n + ": " + f.path() + " changed between its listing and its reading: run again");
        }
        contents.put(f.path(), bytes);
      }
      Instant at = Instant.now();
      ControlPlaneArchive.Manifest manifest =
          new ControlPlaneArchive.Manifest(
              ControlPlaneArchive.FORMAT,
              context.inventory().cluster(),
              n,
              node.host(),
              context.runId(),
              at.toString(),
              listing.files(),
              listing.missing());
      ControlPlaneArchive.Sealed sealed = ControlPlaneArchive.seal(manifest, contents, key);
      Path target = dir.resolve(fileName(context.inventory().cluster(), n, at, context.runId()));
      try {
        ControlPlaneArchive.write(target, sealed);
      } catch (IOException e) {
        throw new RunbookError(ErrorCode.STEP_FAILED, "cannot write " + target + ": " + e);
      }
      context.artifact("control-plane-manifest-" + n + ".json", manifest.json());
      context.progress(
          n
              + ": "
              + listing.files().size()
              + " files archived to "
              + target
              + (listing.missing().isEmpty()
                  ? ""
                  : "; not on the node: " + String.join(", ", listing.missing())));
      archives.put(n, target.toString());
      sha.put(n, sealed.sha256());
      hmac.put(n, sealed.hmac());
      counts.put(n, listing.files().size());
      listing.missing().forEach(m -> missing.add(n + ": " + m));
    }
    return new Output(archives, sha, hmac, counts, missing);
  }

  @Override
  public void plan(PlanContext plan) {
    ControlPlaneSteps.requireStacked(plan.inventory(), "control-plane-backup");
    String command = plan.render(TEMPLATE, model(plan.inventory(), plan.input("pkiDir")));
    for (Inventory.Member node : plan.nodes()) {
      plan.command(node.name(), command);
    }
    plan.note(
        "reads each listed regular file over SFTP (its content never enters a command's output),"
            + " checks it against the listed SHA-256, and writes one archive per node to "
            + plan.input("dir")
            + "/"
            + fileName(plan.inventory().cluster(), "⟨node⟩", Instant.EPOCH, PlanContext.RUN_ID)
                .replace("19700101T000000Z", "⟨time⟩")
            + " (tar with "
            + ControlPlaneArchive.MANIFEST
            + ", encrypted as openssl enc "
            + ArchiveCipher.OPENSSL_OPTIONS
            + " -pass file:"
            + plan.input("keyFile")
            + "; .part, fsync, rename, mode 0600; .sha256 and .hmac beside it)");
  }

  /** The listing the template prints, parsed; anything unexpected is a step failure. */
  record Listing(List<ControlPlaneArchive.FileEntry> files, List<String> missing) {

    static Listing parse(String node, String stdout) {
      Map<String, ControlPlaneArchive.FileEntry> files = new LinkedHashMap<>();
      List<String> missing = new ArrayList<>();
      for (String line : stdout.split("\n")) {
        if (line.isBlank()) {
          continue;
        }
        String[] f = line.split("\t", -1);
        try {
          switch (f[0]) {
            case "M" -> missing.add(f[1]);
            case "F", "L" -> {
              boolean link = f[0].equals("L");
              if (f.length != (link ? 11 : 10)) {
                throw new IllegalArgumentException("fields");
              }
              String path = f[9];
              files.putIfAbsent(
                  path,
                  new ControlPlaneArchive.FileEntry(
                      path,
                      link ? "symlink" : "file",
                      f[1],
                      Integer.parseInt(f[2]),
                      Integer.parseInt(f[3]),
                      f[4],
                      f[5],
                      Long.parseLong(f[6]),
                      Long.parseLong(f[7]),
                      link ? ArchiveCipher.sha256(ControlPlaneArchive.bytes(f[10])) : f[8],
                      link ? f[10] : null));
            }
            default -> throw new IllegalArgumentException("kind");
          }
        } catch (RuntimeException e) {
          throw new RunbookError(
              ErrorCode.STEP_FAILED,
              node
                  + ": the file listing has a line this step cannot read (a name with a tab or"
                  + " newline?): "
                  + line);
        }
      }
      return new Listing(List.copyOf(files.values()), missing);
    }
  }
}

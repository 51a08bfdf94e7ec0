package dev.runbook.engine.internal.inventory;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.InventoryDiscovery;
import dev.runbook.engine.api.InventoryInit;
import dev.runbook.engine.api.RemoteFailure;
import dev.runbook.engine.api.RunbookPack;
import dev.runbook.engine.internal.catalog.Catalog;
import dev.runbook.engine.internal.ssh.SshRemoteShell;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** {@link InventoryInit}: connect, let the pack discover, render, validate, write. */
public final class InventoryInitCore {

  private InventoryInitCore() {}

  public static InventoryInit.Result run(InventoryInit.Request r, Path out) {
    return run(
        r, out, null, Path.of(System.getProperty("user.home")), System.getProperty("user.name"));
  }

  /**
   * @param allowedSigners an existing allowed-signers file to name, or null to start one beside
   *     {@code out} from the user's own public key ({@code home/.ssh/id_*.pub}, as {@code user})
   */
  public static InventoryInit.Result run(
      InventoryInit.Request r, Path out, Path allowedSigners, Path home, String user) {
    Path target = out == null ? null : out.toAbsolutePath().normalize();
    if (target != null) {
      refuseExisting(target);
      if (!Files.isDirectory(target.getParent())) {
        throw new BadInputException(
            "--out " + out + ": the directory " + target.getParent() + " does not exist");
      }
    }
    InventoryDiscovery discovery = discovery(Catalog.packs());
    Inventory.Ssh ssh =
        new Inventory.Ssh(
            r.user(), r.port(), r.identityFile(), r.knownHosts(), false, r.connectTimeout());
    // The node is known by its address until the pack has read its etcd name.
    String node = r.host();
    Inventory seedOnly =
        new Inventory(
            null,
            "inventory-init",
            ssh,
            null,
            List.of(new Inventory.Member(node, r.host(), null, null, null)),
            new Inventory.Validate(null),
            Map.of(),
            List.of());
    InventoryDiscovery.Draft draft;
    String fingerprint;
    try (SshRemoteShell shell = new SshRemoteShell(seedOnly)) {
      fingerprint = shell.connect(node); // host key and key auth first, before any read
      draft =
          discovery.discover(
              shell, new InventoryDiscovery.Seed(node, r.host(), ssh, r.cluster(), r.external()));
    }
    Map<String, String> notes = new java.util.HashMap<>(draft.sources());
    notes.putIfAbsent("ssh.user", "from --ssh");
    notes.putIfAbsent("ssh.port", "from --port");
    notes.putIfAbsent("ssh.identityFile", "from --identity");
    notes.putIfAbsent("ssh.knownHosts", "from --known-hosts; it must know every member's host key");
    notes.putIfAbsent("ssh.sudo", "true runs every command through sudo -n");
    List<String> header = new java.util.ArrayList<>();
    header.add(
        "Written by `runbook inventory init` at "
            + java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
            + " through "
            + r.user()
            + "@"
            + r.host()
            + ":"
            + r.port()
            + " (host key "
            + fingerprint
            + ", found in "
            + r.knownHosts()
            + ").");
    header.addAll(draft.header());
    header.add("Each comment says where its value came from. Review them before a run.");
    Inventory.Approval approval = approval(target, allowedSigners, home, user, header, notes);
    Inventory d = draft.inventory();
    Inventory withApproval =
        new Inventory(
            d.source(),
            d.cluster(),
            d.ssh(),
            d.etcd(),
            d.members(),
            d.validate(),
            d.roles(),
            d.secretPatterns(),
            approval);
    String text = InventoryWriter.render(withApproval, header, notes);
    Inventory loaded =
        target == null
            ? checkedInTemp(text, draft.inventory())
            : write(target, text, draft.inventory());
    return new InventoryInit.Result(
        text, loaded, target, fingerprint, unverified(loaded, draft.inventory(), r.host()));
  }

  /** The public keys looked for, in this order, to start an allowed-signers file from. */
  static final List<String> OWN_KEYS = List.of("id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub");

  /**
   * The approval section: the allowed-signers file given, else one started beside the inventory
   * from the user's own public key (written only with the inventory, never over a file), else none,
   * and the header says what a run will need.
   */
  private static Inventory.Approval approval(
      Path target,
      Path given,
      Path home,
      String user,
      List<String> header,
      Map<String, String> notes) {
    if (given != null) {
      Path file = given.toAbsolutePath().normalize();
      if (!Files.isReadable(file)) {
        throw new BadInputException("--allowed-signers " + given + " cannot be read");
      }
      notes.put("approval.allowedSigners", "from --allowed-signers: its principals may act");
      return new Inventory.Approval("signed", file, null);
    }
    Path own =
        OWN_KEYS.stream()
            .map(k -> home.resolve(".ssh").resolve(k))
            .filter(Files::isReadable)
            .findFirst()
            .orElse(null);
    if (target == null || own == null) {
      header.add(
          "No approval section: a run is refused until one names an OpenSSH allowed-signers file"
              + " (docs/inventory.md, approval)"
              + (own == null ? "; no ~/.ssh/id_*.pub was found to start one from." : "."));
      return Inventory.Approval.NOT_GIVEN;
    }
    Path file = target.resolveSibling("allowed_signers");
    if (!Files.exists(file)) {
      String[] pub;
      try {
        pub = Files.readString(own).strip().split("\\s+");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + own, e);
      }
      if (pub.length < 2) {
        throw new BadInputException(own + " is not an OpenSSH public key (TYPE BASE64 [COMMENT])");
      }
      try {
        Files.writeString(
            file,
            "# Started by `runbook inventory init` from "
                + own
                + ". One person a line: PRINCIPAL"
                + " namespaces=\"runbook\" KEYTYPE BASE64; roles and --as name the principals.\n"
                + user
                + " namespaces=\"runbook\" "
                + pub[0]
                + " "
                + pub[1]
                + "\n",
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + file, e);
      }
      notes.put(
          "approval.allowedSigners",
          "started from " + own + " as " + user + "; add each approver's key as a line");
    } else {
      notes.put("approval.allowedSigners", "the allowed_signers file already beside the inventory");
    }
    return new Inventory.Approval("signed", Path.of("allowed_signers"), null);
  }

  /**
   * Connects to every member but the one init read (and, for external etcd, every control plane),
   * as a run would (strict host keys, the inventory's key), running nothing: so the user learns
   * now, with the exact fix, which host keys known_hosts still lacks.
   */
  private static List<RemoteFailure> unverified(
      Inventory loaded, Inventory draft, String seedHost) {
    List<RemoteFailure> failed = new java.util.ArrayList<>();
    try (SshRemoteShell shell = new SshRemoteShell(loaded)) {
      for (Inventory.Member m : draft.members()) {
        if (m.host().equals(seedHost)) {
          continue;
        }
        try {
          shell.connect(m.name());
        } catch (RemoteFailure e) {
          failed.add(e);
        }
      }
      if (loaded.etcd().isExternal()) {
        // The control planes too: a restore stops their API servers first.
        for (Inventory.ControlPlane cp : loaded.etcd().external().controlPlane()) {
          try {
            shell.connect(cp.name());
          } catch (RemoteFailure e) {
            failed.add(e);
          }
        }
      }
    }
    return failed;
  }

  static InventoryDiscovery discovery(List<RunbookPack> packs) {
    return packs.stream()
        .map(RunbookPack::inventoryDiscovery)
        .flatMap(Optional::stream)
        .findFirst()
        .orElseThrow(
            () ->
                new BadInputException(
                    "no runbook pack on the classpath can discover an inventory; write one by hand"
                        + " (docs/inventory.md)"));
  }

  private static void refuseExisting(Path target) {
    if (Files.exists(target)) {
      throw new BadInputException(
          "--out "
              + target
              + " already exists: inventory init never overwrites a file; choose another name,"
              + " or move that one aside first");
    }
  }

  /**
   * Writes {@code target.part}, loads it with the loader from where it will live (relative paths
   * resolve there), and only then links it to {@code target}: link(2) fails if the target appeared
   * meanwhile, so even a race never overwrites a file. The part is gone afterwards, also on
   * failure.
   */
  static Inventory write(Path target, String text, Inventory expected) {
    Path part = target.resolveSibling(target.getFileName() + ".part");
    try {
      try (FileChannel ch =
          FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        ch.force(true);
      } catch (FileAlreadyExistsException e) {
        throw new BadInputException(
            part
                + " exists: another inventory init may be writing it, or one was interrupted;"
                + " remove it when neither is the case");
      }
      try {
        Inventory loaded = checked(part, expected);
        try {
          Files.createLink(target, part);
        } catch (FileAlreadyExistsException e) {
          refuseExisting(target);
          throw new UncheckedIOException(e);
        }
        fsyncDir(target.getParent());
        return loaded;
      } finally {
        Files.deleteIfExists(part);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  private static Inventory checkedInTemp(String text, Inventory expected) {
    try {
      Path tmp = Files.createTempFile("runbook-inventory-", ".yaml");
      try {
        Files.writeString(tmp, text);
        return checked(tmp, expected);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check the inventory in a temporary file", e);
    }
  }

  /** Loads the written text and insists it reads back as the values discovered. */
  static Inventory checked(Path file, Inventory expected) {
    Inventory loaded = InventoryLoader.load(file);
    List<String> differ = new java.util.ArrayList<>();
    compare(differ, "cluster", expected.cluster(), loaded.cluster());
    compare(differ, "ssh", expected.ssh(), loaded.ssh());
    compare(differ, "etcd", expected.etcd(), loaded.etcd());
    compare(differ, "members", expected.members(), loaded.members());
    if (!differ.isEmpty()) {
      throw new IllegalStateException(
          "the written inventory reads back differently in " + differ + ": a bug in the writer");
    }
    return loaded;
  }

  private static void compare(List<String> differ, String what, Object a, Object b) {
    if (!Objects.equals(a, b)) {
      differ.add(what + " (" + a + " vs " + b + ")");
    }
  }

  private static void fsyncDir(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems cannot fsync a directory; the file itself was forced.
    }
  }
}

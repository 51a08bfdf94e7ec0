package dev.runbook.runbooks.controlplane;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One node's control-plane files as an archive (docs/adr/0007): a ustar tar whose first entry is
 * {@value #MANIFEST} (every file's path, type, mode, owner and SHA-256, and the optional files that
 * were missing), then the files under their node paths without the leading '/'; encrypted as {@code
 * openssl enc} writes ({@link ArchiveCipher}). Beside it: {@code NAME.sha256} (as {@code sha256sum}
 * prints) and {@code NAME.hmac} (HMAC-SHA256 of the ciphertext under the key), both checked before
 * anything is decrypted.
 */
public final class ControlPlaneArchive {

  public static final String FORMAT = "runbook-control-plane-files/1";
  public static final String MANIFEST = "runbook-manifest.json";
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ControlPlaneArchive() {}

  /**
   * One file as found on the node.
   *
   * @param type {@code file} or {@code symlink}
   * @param mode octal, as {@code stat -c %a} prints it (e.g. {@code 600})
   * @param sha256 of the content; for a link, of its target's path
   * @param linkTarget for a symlink, where it points; else null
   */
  public record FileEntry(
      String path,
      String type,
      String mode,
      int uid,
      int gid,
      String owner,
      String group,
      long size,
      long mtime,
      String sha256,
      String linkTarget) {}

  /** What an archive holds, and what the node lacked. */
  public record Manifest(
      String format,
      String cluster,
      String node,
      String host,
      String runId,
      String createdAt,
      List<FileEntry> files,
      List<String> missing) {
    public Manifest {
      files = List.copyOf(files);
      missing = List.copyOf(missing);
    }

    byte[] json() {
      try {
        return JSON.writeValueAsBytes(this);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /**
   * The archive's plain tar: the manifest, then each file in the manifest's order.
   *
   * @param contents per path, the file's bytes (links have none)
   */
  static byte[] tar(Manifest manifest, Map<String, byte[]> contents) {
    List<Tar.Entry> entries = new ArrayList<>();
    long now = System.currentTimeMillis() / 1000;
    entries.add(new Tar.Entry(MANIFEST, 0600, 0, 0, "root", "root", now, null, manifest.json()));
    for (FileEntry f : manifest.files()) {
      boolean link = "symlink".equals(f.type());
      entries.add(
          new Tar.Entry(
              f.path().substring(1),
              Integer.parseInt(f.mode(), 8),
              f.uid(),
              f.gid(),
              f.owner(),
              f.group(),
              f.mtime(),
              link ? f.linkTarget() : null,
              link ? null : contents.get(f.path())));
    }
    return Tar.write(entries);
  }

  /** The encrypted archive and its two digests. */
  public record Sealed(byte[] bytes, String sha256, String hmac) {}

  static Sealed seal(Manifest manifest, Map<String, byte[]> contents, KeyFile key) {
    byte[] sealed = ArchiveCipher.encrypt(tar(manifest, contents), key);
    return new Sealed(sealed, ArchiveCipher.sha256(sealed), ArchiveCipher.hmac(sealed, key));
  }

  /**
   * Writes an archive and its digests: {@code NAME.sha256} and {@code NAME.hmac} first, so that an
   * archive under its final name always has them beside it.
   */
  static void write(Path target, Sealed sealed) throws IOException {
    String name = target.getFileName().toString();
    writeAtomically(
        target.resolveSibling(name + ".sha256"),
        (sealed.sha256() + "  " + name + "\n").getBytes(StandardCharsets.US_ASCII));
    writeAtomically(
        target.resolveSibling(name + ".hmac"),
        (sealed.hmac() + "  " + name + "\n").getBytes(StandardCharsets.US_ASCII));
    writeAtomically(target, sealed.bytes());
  }

  /**
   * An archive of {@code contents} as {@code target}, for a fixture (tests, drills): what the
   * backup step writes.
   */
  public static void write(
      Path target, Manifest manifest, Map<String, byte[]> contents, Path keyFile)
      throws IOException {
    write(target, seal(manifest, contents, KeyFile.read(keyFile)));
  }

  /**
   * {@code .part} (mode 0600), fsync, rename, fsync the dir; an existing file is never replaced.
   */
  static void writeAtomically(Path target, byte[] bytes) throws IOException {
    if (Files.exists(target)) {
      throw new IOException(target + " exists already; it is left as it is");
    }
    Path part = target.resolveSibling(target.getFileName() + ".part");
    try (java.nio.channels.FileChannel ch =
        java.nio.channels.FileChannel.open(
            part,
            java.util.Set.of(
                java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE),
            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")))) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    } catch (IOException e) {
      Files.deleteIfExists(part);
      throw e;
    }
    Files.setPosixFilePermissions(
        part, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Files.move(part, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    try (java.nio.channels.FileChannel d =
        java.nio.channels.FileChannel.open(
            target.getParent(), java.nio.file.StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  /** What {@link #open} found: the manifest and every file's bytes, by node path. */
  public record Opened(Manifest manifest, Map<String, byte[]> contents, String sha256) {}

  /**
   * Opens an archive written by {@link #seal} with the key file: checks {@code NAME.sha256} (a
   * damaged or cut file), then {@code NAME.hmac} (a wrong key, or a file changed together with its
   * digest), decrypts, reads the tar and checks every file against the manifest.
   *
   * @throws ArchiveException with the reason; the message names the archive, never key material
   */
  public static Opened open(Path archive, Path keyFile) {
    return open(archive, KeyFile.read(keyFile));
  }

  static Opened open(Path archive, KeyFile key) {
    byte[] sealed;
    String recordedSha;
    String recordedHmac;
    try {
      sealed = Files.readAllBytes(archive);
      recordedSha = firstWord(sidecar(archive, ".sha256"));
      recordedHmac = firstWord(sidecar(archive, ".hmac"));
    } catch (IOException e) {
      throw new ArchiveException(
          ArchiveException.Reason.NOT_AN_ARCHIVE, "cannot read " + archive + ": " + e);
    }
    String sha = ArchiveCipher.sha256(sealed);
    if (!sha.equals(recordedSha)) {
      throw new ArchiveException(
          ArchiveException.Reason.DAMAGED,
          archive
              + " is damaged: its SHA-256 is "
              + sha
              + ", the one recorded beside it "
              + recordedSha);
    }
    if (!ArchiveCipher.hmac(sealed, key).equals(recordedHmac)) {
      throw new ArchiveException(
          ArchiveException.Reason.WRONG_KEY,
          archive
              + " is intact (SHA-256 as recorded) but its HMAC does not match under this key file:"
              + " a wrong key, or archive and digests were replaced together");
    }
    Opened opened = read(ArchiveCipher.decrypt(sealed, key, archive.toString()), archive);
    return new Opened(opened.manifest(), opened.contents(), sha);
  }

  /** The manifest and files of a decrypted tar, each file checked against its entry. */
  static Opened read(byte[] tar, Path archive) {
    List<Tar.Entry> entries;
    try {
      entries = Tar.read(tar);
    } catch (IllegalArgumentException e) {
      throw new ArchiveException(
          ArchiveException.Reason.NOT_AN_ARCHIVE, archive + ": " + e.getMessage());
    }
    if (entries.isEmpty() || !entries.get(0).path().equals(MANIFEST)) {
      throw new ArchiveException(
          ArchiveException.Reason.NOT_AN_ARCHIVE, archive + " has no " + MANIFEST + " first");
    }
    Manifest manifest;
    try {
      manifest = JSON.readValue(entries.get(0).content(), Manifest.class);
    } catch (IOException e) {
      throw new ArchiveException(
          ArchiveException.Reason.NOT_AN_ARCHIVE, archive + ": unreadable " + MANIFEST);
    }
    Map<String, Tar.Entry> byPath = new LinkedHashMap<>();
    entries.subList(1, entries.size()).forEach(e -> byPath.put("/" + e.path(), e));
    Map<String, byte[]> contents = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (FileEntry f : manifest.files()) {
      Tar.Entry e = byPath.remove(f.path());
      if (e == null) {
        problems.add(f.path() + " is in the manifest, not in the archive");
        continue;
      }
      boolean link = "symlink".equals(f.type());
      String digest =
          link
              ? ArchiveCipher.sha256(e.linkTarget() == null ? new byte[0] : bytes(e.linkTarget()))
              : ArchiveCipher.sha256(e.content());
      if (!digest.equals(f.sha256()) || link != e.symlink()) {
        problems.add(f.path() + ": SHA-256 " + digest + ", the manifest says " + f.sha256());
      }
      if (Integer.parseInt(f.mode(), 8) != e.mode() || f.uid() != e.uid() || f.gid() != e.gid()) {
        problems.add(f.path() + ": mode or owner differs from the manifest");
      }
      contents.put(f.path(), e.content());
    }
    byPath.keySet().forEach(p -> problems.add(p + " is in the archive, not in the manifest"));
    if (!problems.isEmpty()) {
      throw new ArchiveException(
          ArchiveException.Reason.MANIFEST_MISMATCH,
          archive + " does not match its manifest: " + String.join("; ", problems));
    }
    return new Opened(manifest, contents, null);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String sidecar(Path archive, String suffix) throws IOException {
    return Files.readString(archive.resolveSibling(archive.getFileName() + suffix));
  }

  private static String firstWord(String s) {
    String t = s.strip();
    int sp = t.indexOf(' ');
    return sp < 0 ? t : t.substring(0, sp);
  }
}

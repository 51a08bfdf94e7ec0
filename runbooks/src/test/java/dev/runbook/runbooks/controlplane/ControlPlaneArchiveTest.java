package dev.runbook.runbooks.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.engine.api.RunbookError;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive format of docs/adr/0007: a tar that GNU tar reads, encrypted as openssl enc writes it
 * (both ways), its digests beside it, and each way it cannot be opened told apart.
 */
class ControlPlaneArchiveTest {

  @TempDir Path tmp;

  static final String CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  static final String KEY =
      "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n"
          + "-----END PRIVATE KEY-----\n";

  private static ControlPlaneArchive.FileEntry file(String path, String mode, byte[] content) {
    return new ControlPlaneArchive.FileEntry(
        path,
        "file",
        mode,
        0,
        0,
        "root",
        "root",
        content.length,
        1_700_000_000L,
        ArchiveCipher.sha256(content),
        null);
  }

  private static ControlPlaneArchive.FileEntry link(String path, String target) {
    return new ControlPlaneArchive.FileEntry(
        path,
        "symlink",
        "777",
        0,
        0,
        "root",
        "root",
        target.length(),
        1_700_000_000L,
        ArchiveCipher.sha256(ControlPlaneArchive.bytes(target)),
        target);
  }

  private Map<String, byte[]> contents() {
    Map<String, byte[]> c = new LinkedHashMap<>();
    c.put("/etc/kubernetes/pki/etcd/ca.crt", CA.getBytes(StandardCharsets.US_ASCII));
    c.put("/etc/kubernetes/pki/etcd/ca.key", KEY.getBytes(StandardCharsets.US_ASCII));
    // Longer than ustar's 100-byte name field: it goes through the prefix field.
    c.put(
        "/var/lib/kubelet/pki/" + "x".repeat(90) + "/kubelet-client-2026-12-03.pem",
        "pem".getBytes(StandardCharsets.US_ASCII));
    return c;
  }

  private ControlPlaneArchive.Manifest manifest(Map<String, byte[]> contents) {
    List<ControlPlaneArchive.FileEntry> files = new java.util.ArrayList<>();
    contents.forEach((p, b) -> files.add(file(p, p.endsWith(".key") ? "600" : "644", b)));
    files.add(link("/var/lib/kubelet/pki/kubelet-client-current.pem", "kubelet-client.pem"));
    return new ControlPlaneArchive.Manifest(
        ControlPlaneArchive.FORMAT,
        "lab",
        "cp-1",
        "127.0.0.11",
        "run1",
        "2026-12-03T00:00:00Z",
        files,
        List.of("/etc/kubernetes/super-admin.conf"));
  }

  /** Writes an archive as the step does, digests first. */
  private Path write(String name, KeyFile key) throws Exception {
    Map<String, byte[]> c = contents();
    ControlPlaneArchive.Sealed s = ControlPlaneArchive.seal(manifest(c), c, key);
    Path archive = tmp.resolve(name);
    ControlPlaneArchive.write(archive, s);
    return archive;
  }

  @Test
  void opensslAndTarOpenWhatTheEngineWroteWithTheSameBytesModesAndOwners() throws Exception {
    Path keyFile = Openssl.keyFile(tmp, "key");
    Path archive = write("a.tar.enc", KeyFile.read(keyFile));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(archive)))
        .isEqualTo("rw-------");
    assertThat(tmp.resolve("a.tar.enc.part")).doesNotExist();
    Openssl.check(tmp, List.of("sha256sum", "-c", "a.tar.enc.sha256"));
    String hmac =
        Openssl.check(
                tmp,
                List.of(
                    "openssl",
                    "dgst",
                    "-sha256",
                    "-hmac",
                    Files.readString(keyFile).strip(),
                    archive.toString()))
            .output();
    assertThat(hmac.strip())
        .endsWith(Files.readString(tmp.resolve("a.tar.enc.hmac")).split(" ")[0]);

    Path tar = tmp.resolve("a.tar");
    Openssl.check(tmp, Openssl.decrypt(archive, keyFile, tar));
    String listing = Openssl.check(tmp, List.of("tar", "-tvf", tar.toString())).output();
    assertThat(listing)
        .contains("-rw------- root/root")
        .contains("etc/kubernetes/pki/etcd/ca.key")
        .contains("var/lib/kubelet/pki/kubelet-client-current.pem -> kubelet-client.pem");
    Path out = Files.createDirectory(tmp.resolve("out"));
    Openssl.check(out, List.of("tar", "-xf", tar.toString()));
    for (Map.Entry<String, byte[]> e : contents().entrySet()) {
      assertThat(out.resolve(e.getKey().substring(1))).hasBinaryContent(e.getValue());
    }
    String manifest = Files.readString(out.resolve(ControlPlaneArchive.MANIFEST));
    assertThat(manifest)
        .contains("\"format\" : \"" + ControlPlaneArchive.FORMAT + "\"")
        .contains("\"missing\" : [ \"/etc/kubernetes/super-admin.conf\" ]")
        .doesNotContain("PRIVATE KEY");
    assertThat(
            Files.readSymbolicLink(out.resolve("var/lib/kubelet/pki/kubelet-client-current.pem")))
        .isEqualTo(Path.of("kubelet-client.pem"));

    ControlPlaneArchive.Opened opened = ControlPlaneArchive.open(archive, keyFile);
    assertThat(opened.manifest()).isEqualTo(manifest(contents()));
    assertThat(opened.contents().get("/etc/kubernetes/pki/etcd/ca.key"))
        .isEqualTo(KEY.getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void theEngineOpensWhatOpensslEncrypted() throws Exception {
    Path keyFile = Openssl.keyFile(tmp, "key");
    Path plain = tmp.resolve("plain");
    Files.write(plain, new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
    List<String> enc = new java.util.ArrayList<>(Openssl.decrypt(plain, keyFile, tmp.resolve("x")));
    enc.set(2, "-e");
    enc.set(enc.indexOf("-in") + 1, plain.toString());
    enc.set(enc.indexOf("-out") + 1, tmp.resolve("plain.enc").toString());
    Openssl.check(tmp, enc);
    assertThat(
            ArchiveCipher.decrypt(
                Files.readAllBytes(tmp.resolve("plain.enc")), KeyFile.read(keyFile), "plain.enc"))
        .isEqualTo(Files.readAllBytes(plain));
  }

  @Test
  void aWrongKeyADamagedArchiveAndAReplacedOneAreEachTheirOwnError() throws Exception {
    Path keyFile = Openssl.keyFile(tmp, "key");
    Path other = Openssl.keyFile(tmp, "other");
    Path archive = write("a.tar.enc", KeyFile.read(keyFile));

    assertThatThrownBy(() -> ControlPlaneArchive.open(archive, other))
        .isInstanceOfSatisfying(
            ArchiveException.class,
            e -> assertThat(e.reason()).isEqualTo(ArchiveException.Reason.WRONG_KEY))
        .hasMessageContaining(archive.toString())
        .hasMessageNotContaining(Files.readString(other).strip());
    // The standard tool refuses a wrong key too.
    assertThat(Openssl.run(tmp, Openssl.decrypt(archive, other, tmp.resolve("t"))).exit())
        .isNotZero();

    byte[] bytes = Files.readAllBytes(archive);
    bytes[bytes.length / 2] ^= 1;
    Files.write(archive, bytes);
    assertThatThrownBy(() -> ControlPlaneArchive.open(archive, keyFile))
        .isInstanceOfSatisfying(
            ArchiveException.class,
            e -> assertThat(e.reason()).isEqualTo(ArchiveException.Reason.DAMAGED))
        .hasMessageContaining("is damaged");

    // Changed with its SHA-256 rewritten to match: the HMAC, which needs the key, still tells.
    Files.writeString(
        tmp.resolve("a.tar.enc.sha256"), ArchiveCipher.sha256(bytes) + "  a.tar.enc\n");
    assertThatThrownBy(() -> ControlPlaneArchive.open(archive, keyFile))
        .isInstanceOfSatisfying(
            ArchiveException.class,
            e -> assertThat(e.reason()).isEqualTo(ArchiveException.Reason.WRONG_KEY))
        .hasMessageContaining("replaced together");

    Files.delete(tmp.resolve("a.tar.enc.hmac"));
    assertThatThrownBy(() -> ControlPlaneArchive.open(archive, keyFile))
        .isInstanceOfSatisfying(
            ArchiveException.class,
            e -> assertThat(e.reason()).isEqualTo(ArchiveException.Reason.NOT_AN_ARCHIVE));
  }

  @Test
  void aFileThatDiffersFromItsManifestEntryIsAMismatch() {
    Map<String, byte[]> c = contents();
    ControlPlaneArchive.Manifest m = manifest(c);
    c.put("/etc/kubernetes/pki/etcd/ca.crt", "changed".getBytes(StandardCharsets.US_ASCII));
    byte[] tar = ControlPlaneArchive.tar(m, c);
    assertThatThrownBy(() -> ControlPlaneArchive.read(tar, Path.of("x")))
        .isInstanceOfSatisfying(
            ArchiveException.class,
            e -> assertThat(e.reason()).isEqualTo(ArchiveException.Reason.MANIFEST_MISMATCH))
        .hasMessageContaining("/etc/kubernetes/pki/etcd/ca.crt: SHA-256");
  }

  @Test
  void aKeyFileMustBeTheOwnersAloneLongEnoughAndPrintable() throws Exception {
    Path key = tmp.resolve("k");
    Files.writeString(key, "a".repeat(40) + "\n");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> KeyFile.read(key))
        .isInstanceOfSatisfying(
            ArchiveException.class,
            e -> assertThat(e.reason()).isEqualTo(ArchiveException.Reason.BAD_KEY_FILE))
        .hasMessageContaining("chmod 600");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    assertThat(KeyFile.read(key).toString()).doesNotContain("aaaa");
    Files.writeString(key, "short\n");
    assertThatThrownBy(() -> KeyFile.read(key)).hasMessageContaining("at least 32");
    Files.writeString(key, "ä".repeat(40));
    assertThatThrownBy(() -> KeyFile.read(key)).hasMessageContaining("not printable ASCII");
    assertThatThrownBy(() -> KeyFile.read(tmp.resolve("none")))
        .hasMessageContaining("cannot be read");
  }

  @Test
  void anArchiveIsNeverWrittenOverAnExistingFile() throws Exception {
    Path f = tmp.resolve("x");
    Files.writeString(f, "old");
    assertThatThrownBy(() -> ControlPlaneArchive.writeAtomically(f, new byte[] {1}))
        .hasMessageContaining("exists already");
    assertThat(f).hasContent("old");
  }

  @Test
  void theListingIsReadAsTheTemplatePrintsItAndAnythingElseIsRefused() {
    String out =
        "F\t600\t0\t0\troot\troot\t227\t1700000000\t"
            + "a".repeat(64)
            + "\t/etc/kubernetes/pki/ca.key\n"
            + "L\t777\t0\t0\troot\troot\t18\t1700000000\t-\t/var/lib/kubelet/pki/cur.pem\tk.pem\n"
            + "M\t/etc/kubernetes/super-admin.conf\n";
    ArchiveControlPlaneFiles.Listing l = ArchiveControlPlaneFiles.Listing.parse("cp-1", out);
    assertThat(l.files())
        .extracting(ControlPlaneArchive.FileEntry::path, ControlPlaneArchive.FileEntry::type)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("/etc/kubernetes/pki/ca.key", "file"),
            org.assertj.core.groups.Tuple.tuple("/var/lib/kubelet/pki/cur.pem", "symlink"));
    assertThat(l.files().get(1).linkTarget()).isEqualTo("k.pem");
    assertThat(l.missing()).containsExactly("/etc/kubernetes/super-admin.conf");
    assertThatThrownBy(() -> ArchiveControlPlaneFiles.Listing.parse("cp-1", "F\t600\tbroken\n"))
        .isInstanceOf(RunbookError.class)
        .hasMessageContaining("cp-1: the file listing has a line");
  }
}

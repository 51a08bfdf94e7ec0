package dev.runbook.runbooks.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/** The standard tools the archive format promises to work with, run as a person would. */
final class Openssl {

  private Openssl() {}

  record Result(int exit, String output) {}

  static Result run(Path dir, List<String> command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(p.waitFor(), out);
  }

  static Result check(Path dir, List<String> command) throws IOException, InterruptedException {
    Result r = run(dir, command);
    assertThat(r.exit()).as(String.join(" ", command) + "\n" + r.output()).isZero();
    return r;
  }

  /** A key file as the docs say to make one: {@code openssl rand -hex 32 > KEY}, mode 0600. */
  static Path keyFile(Path dir, String name) throws IOException, InterruptedException {
    Path key = dir.resolve(name);
    String hex = check(dir, List.of("openssl", "rand", "-hex", "32")).output();
    Files.writeString(key, hex);
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    return key;
  }

  /** The documented way to open an archive: openssl enc -d, then tar. */
  static List<String> decrypt(Path archive, Path key, Path out) {
    return List.of(
        "openssl",
        "enc",
        "-d",
        "-aes-256-cbc",
        "-pbkdf2",
        "-iter",
        Integer.toString(ArchiveCipher.ITERATIONS),
        "-md",
        "sha256",
        "-pass",
        "file:" + key,
        "-in",
        archive.toString(),
        "-out",
        out.toString());
  }

  /** A P-256 key and a self-signed certificate valid for {@code days}. */
  static void cert(Path dir, String name, String subject, String san, int days)
      throws IOException, InterruptedException {
    check(
        dir,
        List.of(
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            name + ".key",
            "-out",
            name + ".crt",
            "-days",
            Integer.toString(days),
            "-subj",
            subject,
            "-addext",
            "subjectAltName=" + san));
  }
}

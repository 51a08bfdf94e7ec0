package dev.runbook.engine.internal.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The real OpenSSH tools, run by the tests: ssh-keygen, ssh-agent, ssh-add. */
public final class SshTools {

  private SshTools() {}

  public record Result(int exit, String out) {}

  public static Result run(Map<String, String> env, Path stdin, String... command)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    if (stdin != null) {
      pb.redirectInput(stdin.toFile());
    } else {
      pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      return new Result(p.waitFor(), out);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  public static String ok(Map<String, String> env, Path stdin, String... command)
      throws IOException {
    Result r = run(env, stdin, command);
    assertThat(r.exit()).as(String.join(" ", command) + ": " + r.out()).isZero();
    return r.out();
  }

  /** A new key of {@code type} (ed25519, ecdsa, rsa) at dir/name, with name.pub beside it. */
  public static Path keygen(Path dir, String name, String type, String passphrase)
      throws IOException {
    Path key = dir.resolve(name);
    List<String> cmd = new ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-N", passphrase));
    if (type.equals("ecdsa")) {
      cmd.addAll(List.of("-b", "256"));
    }
    if (type.equals("rsa")) {
      cmd.addAll(List.of("-b", "2048"));
    }
    cmd.addAll(List.of("-C", name, "-f", key.toString()));
    ok(Map.of(), null, cmd.toArray(String[]::new));
    return key;
  }

  public static String publicKey(Path key) throws IOException {
    String[] f = Files.readString(Path.of(key + ".pub")).strip().split(" ");
    return f[0] + " " + f[1];
  }

  /** ssh-keygen -Y sign: the armored signature of {@code file}. */
  public static String sign(Path key, String namespace, Path file) throws IOException {
    ok(
        Map.of(),
        null,
        "ssh-keygen",
        "-q",
        "-Y",
        "sign",
        "-n",
        namespace,
        "-f",
        key.toString(),
        file.toString());
    return Files.readString(Path.of(file + ".sig"));
  }

  /** ssh-keygen -Y verify, as docs/evidence.md tells a person to check a statement by hand. */
  public static Result verify(Path allowedSigners, String principal, Path sig, Path file)
      throws IOException {
    return run(
        Map.of(),
        file,
        "ssh-keygen",
        "-Y",
        "verify",
        "-f",
        allowedSigners.toString(),
        "-I",
        principal,
        "-n",
        SshSig.NAMESPACE,
        "-s",
        sig.toString());
  }
}

package dev.runbook.cli;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.Identity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * How a person signs the statement of their action (docs/inventory.md, approval): a key file, the
 * ssh-agent at SSH_AUTH_SOCK, or a signature made elsewhere with {@code ssh-keygen -Y sign}.
 */
final class SigningOptions {

  /** A passphrase-protected --sign-key reads its passphrase from here, never from the command. */
  static final String PASSPHRASE_ENV = "RUNBOOK_SIGN_KEY_PASSPHRASE";

  @Option(
      names = "--sign-key",
      paramLabel = "FILE",
      description =
          "Sign with this OpenSSH private key (passphrase from env "
              + PASSPHRASE_ENV
              + "). Default: ssh-agent when SSH_AUTH_SOCK is set.")
  Path signKey;

  @Option(
      names = "--signature",
      paramLabel = "FILE",
      description =
          "A signature made elsewhere: ssh-keygen -Y sign -n runbook -f KEY STATEMENT writes"
              + " STATEMENT.sig, of the text `runbook statement` printed.")
  Path signature;

  @Option(
      names = "--statement",
      paramLabel = "FILE",
      description = "The statement --signature signs (default: the signature's file less .sig).")
  Path statement;

  Identity identity() {
    return identity(System.getenv());
  }

  Identity identity(Map<String, String> env) {
    if (signature != null) {
      if (signKey != null) {
        throw new BadInputException("give --sign-key or --signature, not both");
      }
      Path text = statement;
      if (text == null) {
        String name = signature.getFileName().toString();
        if (!name.endsWith(".sig")) {
          throw new BadInputException(
              "--signature " + signature + ": name the signed statement with --statement FILE");
        }
        text = signature.resolveSibling(name.substring(0, name.length() - 4));
      }
      return new Identity.Signed(read(text, "--statement"), read(signature, "--signature"));
    }
    if (signKey != null) {
      String pass = env.get(PASSPHRASE_ENV);
      return new Identity.KeyFile(signKey, pass == null ? null : pass.toCharArray());
    }
    String agent = env.get("SSH_AUTH_SOCK");
    if (agent != null && !agent.isBlank()) {
      return new Identity.Agent(Path.of(agent));
    }
    return new Identity.None();
  }

  private static String read(Path file, String option) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new BadInputException(option + " " + file + " cannot be read: " + e.getMessage());
    }
  }
}

package dev.runbook.engine.internal.identity;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * What verifying one statement costs (parse the armor, check the allowed-signers line, verify):
 * {@code java -cp ... SshSigBench} prints microseconds per signature for each key type. Not a test:
 * a figure for bench notes.
 */
public final class SshSigBench {

  private SshSigBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("sshsig-bench");
    byte[] message =
        "runbook statement v1\naction: approve\nrun: 1234abcd\n".getBytes(StandardCharsets.UTF_8);
    for (String type : new String[] {"ed25519", "ecdsa", "rsa"}) {
      Path key = SshTools.keygen(dir, type, type, "");
      Path signers =
          Files.writeString(dir.resolve(type + ".signers"), "p " + SshTools.publicKey(key) + "\n");
      AllowedSigners allowed = AllowedSigners.load(signers);
      String armored = SshSig.sign(KeyFileSigner.load(key, null), "runbook", message).armored();
      int warm = 2000;
      int n = 5000;
      for (int i = 0; i < warm; i++) {
        SshSig.parse(armored).verify(message, "runbook", allowed, "p", Instant.now());
      }
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        SshSig.parse(armored).verify(message, "runbook", allowed, "p", Instant.now());
      }
      long per = (System.nanoTime() - t0) / n;
      System.out.printf("%-8s %6.1f us per verification (%d runs)%n", type, per / 1000.0, n);
    }
  }
}

package dev.runbook.engine.internal.identity;

/** Something holding a private key: a key file read into memory, or a key held by ssh-agent. */
public interface Signer {

  SshKey key();

  /**
   * Signs {@code data} and returns the SSH signature blob ({@code string algorithm, string
   * signature}); RSA signs with rsa-sha2-512.
   */
  byte[] sign(byte[] data);
}

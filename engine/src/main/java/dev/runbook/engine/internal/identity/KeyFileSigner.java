package dev.runbook.engine.internal.identity;

import com.hierynomus.sshj.userauth.keyprovider.OpenSSHKeyV1KeyFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import net.schmizz.sshj.userauth.password.PasswordFinder;
import net.schmizz.sshj.userauth.password.Resource;

/**
 * Signs with an OpenSSH private key file ({@code -----BEGIN OPENSSH PRIVATE KEY-----}, what
 * ssh-keygen writes), read by sshj; a passphrase-protected one needs the passphrase.
 */
public final class KeyFileSigner implements Signer {

  private final SshKey key;
  private final PrivateKey privateKey;

  private KeyFileSigner(SshKey key, PrivateKey privateKey) {
    this.key = key;
    this.privateKey = privateKey;
  }

  /**
   * Reads the key.
   *
   * @param passphrase null for an unencrypted key
   * @throws IllegalArgumentException the file is not a usable OpenSSH private key, saying why
   */
  public static KeyFileSigner load(Path file, char[] passphrase) {
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException("cannot read the signing key " + file);
    }
    OpenSSHKeyV1KeyFile kf = new OpenSSHKeyV1KeyFile();
    if (passphrase == null) {
      kf.init(file.toFile());
    } else {
      kf.init(
          file.toFile(),
          new PasswordFinder() {
            @Override
            public char[] reqPassword(Resource<?> resource) {
              return passphrase.clone();
            }

            @Override
            public boolean shouldRetry(Resource<?> resource) {
              return false;
            }
          });
    }
    PublicKey pub;
    PrivateKey priv;
    try {
      pub = kf.getPublic();
      priv = kf.getPrivate();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          file
              + " is not a usable OpenSSH private key"
              + (passphrase == null ? " (if it has a passphrase, give it)" : " (wrong passphrase?)")
              + ": "
              + e.getMessage());
    }
    SshKey key = SshKey.of(pub);
    return new KeyFileSigner(key, jdkKey(key.type(), priv));
  }

  public static KeyFileSigner of(SshKey key, PrivateKey privateKey) {
    return new KeyFileSigner(key, jdkKey(key.type(), privateKey));
  }

  /** The JDK's own form of the key, so the JDK providers sign with it whoever parsed it. */
  private static PrivateKey jdkKey(String type, PrivateKey key) {
    String alg =
        switch (type) {
          case "ssh-ed25519" -> "Ed25519";
          case "ecdsa-sha2-nistp256" -> "EC";
          default -> "RSA";
        };
    try {
      return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the " + type + " private key is not usable: " + e);
    }
  }

  @Override
  public SshKey key() {
    return key;
  }

  @Override
  public byte[] sign(byte[] data) {
    String alg =
        switch (key.type()) {
          case "ssh-ed25519" -> "ssh-ed25519";
          case "ecdsa-sha2-nistp256" -> "ecdsa-sha2-nistp256";
          default -> "rsa-sha2-512";
        };
    try {
      Signature s = Signature.getInstance(key.jcaAlgorithm(alg));
      s.initSign(privateKey);
      s.update(data);
      byte[] sig = s.sign();
      if (key.type().equals("ecdsa-sha2-nistp256")) {
        sig = SshKey.sshEcdsaSignature(sig);
      }
      return new SshWire.Writer().string(alg).string(sig).bytes();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("signing with " + key + " failed", e);
    }
  }
}

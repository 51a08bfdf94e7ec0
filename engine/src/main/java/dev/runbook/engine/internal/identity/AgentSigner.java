package dev.runbook.engine.internal.identity;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A key held by ssh-agent, reached over its Unix socket ({@code SSH_AUTH_SOCK}) with the agent
 * protocol (draft-miller-ssh-agent): the private key never leaves the agent.
 */
public final class AgentSigner implements Signer {

  private static final int SSH_AGENTC_REQUEST_IDENTITIES = 11;
  private static final int SSH_AGENT_IDENTITIES_ANSWER = 12;
  private static final int SSH_AGENTC_SIGN_REQUEST = 13;
  private static final int SSH_AGENT_SIGN_RESPONSE = 14;
  private static final int SSH_AGENT_RSA_SHA2_512 = 4;

  /** A bound on an answer's size, so a confused peer cannot make this allocate without limit. */
  private static final int MAX_MESSAGE = 256 * 1024;

  private final Path socket;
  private final SshKey key;

  private AgentSigner(Path socket, SshKey key) {
    this.socket = socket;
    this.key = key;
  }

  /**
   * One signer per key the agent holds whose type this engine verifies, in the agent's order.
   *
   * @throws IllegalArgumentException the agent cannot be reached
   */
  public static List<AgentSigner> list(Path socket) {
    byte[] answer = call(socket, new SshWire.Writer().byte8(SSH_AGENTC_REQUEST_IDENTITIES).bytes());
    SshWire.Reader r = new SshWire.Reader(answer);
    if (r.byte8() != SSH_AGENT_IDENTITIES_ANSWER) {
      throw new IllegalArgumentException("ssh-agent at " + socket + " did not list its keys");
    }
    int n = r.uint32();
    List<AgentSigner> keys = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] blob = r.string();
      r.string(); // comment
      try {
        keys.add(new AgentSigner(socket, SshKey.fromBlob(blob)));
      } catch (IllegalArgumentException unsupported) {
        // A key type this engine does not verify (say a certificate or an sk- key): not offered.
      }
    }
    return keys;
  }

  @Override
  public SshKey key() {
    return key;
  }

  @Override
  public byte[] sign(byte[] data) {
    int flags = key.type().equals("ssh-rsa") ? SSH_AGENT_RSA_SHA2_512 : 0;
    byte[] answer =
        call(
            socket,
            new SshWire.Writer()
                .byte8(SSH_AGENTC_SIGN_REQUEST)
                .string(key.blob())
                .string(data)
                .uint32(flags)
                .bytes());
    SshWire.Reader r = new SshWire.Reader(answer);
    if (r.byte8() != SSH_AGENT_SIGN_RESPONSE) {
      throw new IllegalArgumentException(
          "ssh-agent at "
              + socket
              + " refused to sign with "
              + key.fingerprint()
              + " (a confirm-only key declined, or the key was removed)");
    }
    return r.string();
  }

  /** One request, one answer, each a uint32 length and the message. */
  private static byte[] call(Path socket, byte[] request) {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ByteBuffer out = ByteBuffer.allocate(4 + request.length);
      out.putInt(request.length).put(request).flip();
      while (out.hasRemaining()) {
        ch.write(out);
      }
      ByteBuffer len = read(ch, 4);
      int n = len.getInt();
      if (n <= 0 || n > MAX_MESSAGE) {
        throw new IllegalArgumentException("ssh-agent at " + socket + " sent a bad answer");
      }
      return read(ch, n).array();
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot reach ssh-agent at " + socket + " (SSH_AUTH_SOCK): " + e.getMessage());
    }
  }

  private static ByteBuffer read(SocketChannel ch, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n);
    while (b.hasRemaining()) {
      if (ch.read(b) < 0) {
        throw new IOException("the agent closed the connection mid-answer");
      }
    }
    return b.flip();
  }
}

package dev.runbook.engine.internal.ssh;

import dev.runbook.engine.api.FailureReason;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RemoteFailure;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import javax.net.SocketFactory;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.DisconnectReason;
import net.schmizz.sshj.connection.ConnectionException;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.sftp.SFTPClient;
import net.schmizz.sshj.sftp.SFTPException;
import net.schmizz.sshj.transport.TransportException;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of {@link SshRemoteShell} and its connection, opened on first use and again after it
 * was lost: the connect with its strict host-key check and public-key authentication, the session
 * channels and the one SFTP client, and the failures of each, typed by exception and verdict.
 */
final class SshNode {

  // The shell's logger: operators filter one name for everything SSH.
  private static final Logger LOG = LoggerFactory.getLogger(SshRemoteShell.class);

  private static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** Key exchange and authentication may take longer than the TCP connect on a busy host. */
  private static final Duration MIN_HANDSHAKE_TIMEOUT = Duration.ofSeconds(15);

  /** A dead peer is noticed after about 5 unanswered keepalives (75 s), even mid-command. */
  private static final int KEEPALIVE_SECONDS = 15;

  final Inventory.Member member;
  private final Object sftpLock = new Object();
  private SSHClient client; // guarded by this
  private SFTPClient sftp; // guarded by this
  volatile String fingerprint;

  private final Inventory.Ssh ssh;
  private final DefaultConfig config;
  private final BooleanSupplier closed;

  /**
   * @param config the shell's one SSH configuration (algorithm lists, keepalive)
   * @param closed whether the shell was closed: a closed shell opens no connection
   */
  SshNode(
      Inventory.Member member, Inventory.Ssh ssh, DefaultConfig config, BooleanSupplier closed) {
    this.member = member;
    this.ssh = ssh;
    this.config = config;
    this.closed = closed;
  }

  /** The connection, opened (or reopened after it was lost) here. */
  synchronized SSHClient client() {
    if (closed.getAsBoolean()) {
      throw new IllegalStateException("SSH-030 the remote shell is closed");
    }
    if (client != null && client.isConnected() && client.isAuthenticated()) {
      return client;
    }
    if (client != null) {
      LOG.warn("SSH-011 {}: the connection was lost; connecting again", member.name());
      drop();
    }
    client = connect();
    return client;
  }

  /**
   * A new session channel. If the connection turns out dead (nothing was sent on it yet), it is
   * reopened once.
   */
  Session openSession() {
    SSHClient c = client();
    try {
      return c.startSession();
    } catch (ConnectionException | TransportException e) {
      LOG.warn("SSH-012 {}: cannot open a session ({}); connecting again", member.name(), e);
      synchronized (this) {
        if (client == c) {
          drop();
        }
      }
      try {
        return client().startSession();
      } catch (IOException again) {
        throw lost(this, "while opening a session", again);
      }
    }
  }

  <T> T sftp(String what, SftpOperation<T> op) {
    synchronized (sftpLock) {
      SFTPClient s;
      synchronized (this) {
        SSHClient c = client();
        if (sftp == null) {
          try {
            sftp = c.newSFTPClient();
          } catch (IOException e) {
            throw lost(this, "while starting SFTP", e);
          }
        }
        s = sftp;
      }
      try {
        return op.apply(s);
      } catch (SFTPException e) {
        if (e.getCause() instanceof TimeoutException) {
          throw new RemoteFailure(
              FailureReason.TIMEOUT,
              member.name(),
              "SSH-009 SFTP " + what + ": no answer from the node (" + e.getMessage() + ")",
              e);
        }
        // The node answered with an error status (no such file, permission denied, ...).
        throw new RemoteFailure(
            FailureReason.NON_ZERO_EXIT,
            member.name(),
            "SSH-009 SFTP "
                + what
                + " failed on the node: "
                + e.getStatusCode()
                + " "
                + e.getMessage(),
            e);
      } catch (IOException e) {
        throw lost(this, "during SFTP " + what, e);
      }
    }
  }

  synchronized void dropIfDead() {
    if (client != null && !client.isConnected()) {
      drop();
    }
  }

  synchronized void drop() {
    if (sftp != null) {
      closeQuietly(sftp);
      sftp = null;
    }
    if (client != null) {
      closeQuietly(client);
      client = null;
    }
  }

  private SSHClient connect() {
    String name = member.name();
    String where = member.host() + ":" + ssh.port();
    SSHClient c = new SSHClient(config);
    boolean ok = false;
    try {
      KeyProvider identity = identity(c);
      HostKeyCheck check = hostKeyCheck();
      Duration connectTimeout =
          ssh.connectTimeout() == null ? DEFAULT_CONNECT_TIMEOUT : ssh.connectTimeout();
      c.setSocketFactory(NO_DELAY);
      c.setConnectTimeout((int) connectTimeout.toMillis());
      c.getTransport()
          .setTimeoutMs(
              (int)
                  (connectTimeout.compareTo(MIN_HANDSHAKE_TIMEOUT) > 0
                          ? connectTimeout
                          : MIN_HANDSHAKE_TIMEOUT)
                      .toMillis());
      c.getConnection().getKeepAlive().setKeepAliveInterval(KEEPALIVE_SECONDS);
      c.addHostKeyVerifier(check);
      long start = System.nanoTime();
      try {
        c.connect(member.host(), ssh.port());
      } catch (IOException e) {
        throw connectFailure(check, where, e);
      }
      try {
        c.authPublickey(ssh.user(), identity);
      } catch (UserAuthException e) {
        throw new RemoteFailure(
            FailureReason.AUTH_FAILED,
            name,
            "SSH-004 "
                + where
                + " refused the key "
                + ssh.identityFile()
                + " for user "
                + ssh.user()
                + ": add its public key to the user's authorized_keys on the node",
            e);
      } catch (TransportException e) {
        if (isAuthRefusal(e.getDisconnectReason())) {
          throw new RemoteFailure(
              FailureReason.AUTH_FAILED,
              name,
              "SSH-004 " + where + " ended authentication: " + e.getDisconnectReason(),
              e);
        }
        throw new RemoteFailure(
            FailureReason.CONNECTION_LOST,
            name,
            "SSH-008 connection lost during authentication (" + e + ")",
            e);
      }
      fingerprint = check.presented();
      LOG.info(
          "SSH-010 {}: connected to {} as {} in {} ms; host key {} {} ({})",
          name,
          where,
          ssh.user(),
          Duration.ofNanos(System.nanoTime() - start).toMillis(),
          check.presentedType(),
          fingerprint,
          check.isPinned() ? "pinned" : "known_hosts");
      ok = true;
      return c;
    } finally {
      if (!ok) {
        closeQuietly(c);
      }
    }
  }

  private HostKeyCheck hostKeyCheck() {
    if (member.pinnedFingerprint().isPresent()) {
      return HostKeyCheck.pinned(member.hostKeyFingerprint());
    }
    if (ssh.knownHosts() == null) {
      throw new RemoteFailure(
          FailureReason.HOST_KEY_UNKNOWN,
          member.name(),
          "SSH-001 the inventory names no known_hosts file and member "
              + member.name()
              + " pins no hostKeyFingerprint, so its host key cannot be checked; nothing was run",
          null);
    }
    try {
      return HostKeyCheck.knownHosts(ssh.knownHosts());
    } catch (IOException e) {
      throw new RemoteFailure(
          FailureReason.HOST_KEY_UNKNOWN,
          member.name(),
          "SSH-001 cannot read known_hosts "
              + ssh.knownHosts()
              + " ("
              + e
              + "), so the host key cannot be checked; nothing was run",
          e);
    }
  }

  /** Loads and parses the key before connecting: a bad key file never reaches the network. */
  private KeyProvider identity(SSHClient c) {
    Path file = ssh.identityFile();
    if (file == null || !Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new RemoteFailure(
          FailureReason.AUTH_FAILED,
          member.name(),
          "SSH-003 the identity file " + file + " (inventory ssh.identityFile) is not readable",
          null);
    }
    try {
      KeyProvider kp = c.loadKeys(file.toString());
      kp.getPrivate();
      kp.getPublic();
      return kp;
    } catch (IOException | RuntimeException e) {
      throw new RemoteFailure(
          FailureReason.AUTH_FAILED,
          member.name(),
          "SSH-003 cannot use the identity file "
              + file
              + " ("
              + e
              + "); it must be a private key without a passphrase",
          e);
    }
  }

  private RemoteFailure connectFailure(HostKeyCheck check, String where, IOException e) {
    String name = member.name();
    switch (check.verdict()) {
      case UNKNOWN:
        return new RemoteFailure(
            FailureReason.HOST_KEY_UNKNOWN,
            name,
            "SSH-001 the host key of "
                + where
                + " ("
                + check.presentedType()
                + " "
                + check.presented()
                + ") is not in "
                + knownHostsDescription()
                + "; nothing was run and nothing was trusted. Check that fingerprint"
                + " out-of-band, on the node's console: ssh-keygen -lf "
                + HostKeyCheck.hostKeyFile(check.presentedType())
                + "; if it is the same, add exactly that key (the command refuses any other):\n  "
                + HostKeyCheck.addKnownHostCommand(
                    member.host(),
                    ssh.port(),
                    check.presentedType(),
                    check.presented(),
                    ssh.knownHosts())
                + "\n"
                + "or pin it as hostKeyFingerprint of member "
                + name
                + " in the inventory"
                + (check.expected().isEmpty()
                    ? ""
                    : " (known_hosts has keys of other types for it: " + check.expected() + ")"),
            e);
      case MISMATCH:
        return new RemoteFailure(
            FailureReason.HOST_KEY_MISMATCH,
            name,
            "SSH-002 HOST KEY MISMATCH for "
                + where
                + ": expected "
                + String.join(" or ", check.expected())
                + (check.isPinned()
                    ? " (pinned in the inventory)"
                    : " (from " + ssh.knownHosts() + ")")
                + ", presented "
                + check.presentedType()
                + " "
                + check.presented()
                + "; nothing was run. Either the node was reinstalled or someone is in"
                + " between: find out which before changing known_hosts or the pin",
            e);
      case REVOKED:
        return new RemoteFailure(
            FailureReason.HOST_KEY_REVOKED,
            name,
            "SSH-010 the host key of "
                + where
                + " ("
                + check.presentedType()
                + " "
                + check.presented()
                + ") is marked @revoked in "
                + ssh.knownHosts()
                + "; nothing was run. A revoked key is never trusted: give the node a new host"
                + " key and add that one",
            e);
      default:
        break;
    }
    String why;
    if (e instanceof UnknownHostException) {
      why = "the name does not resolve";
    } else if (e instanceof TransportException) {
      why = "the SSH handshake failed";
    } else {
      why = "no SSH server answered";
    }
    return new RemoteFailure(
        FailureReason.HOST_UNREACHABLE,
        name,
        "SSH-005 cannot reach " + where + ": " + why + " (" + e + ")",
        e);
  }

  private String knownHostsDescription() {
    Path kh = ssh.knownHosts();
    return kh == null || !Files.exists(kh) ? "known_hosts (" + kh + " does not exist)" : "" + kh;
  }

  /** Sockets with Nagle off: SSH sends whole packets and waits for answers to small requests. */
  private static final SocketFactory NO_DELAY =
      new SocketFactory() {
        @Override
        public Socket createSocket() throws IOException {
          Socket s = new Socket();
          s.setTcpNoDelay(true);
          return s;
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
          throw new UnsupportedOperationException("sshj connects unconnected sockets");
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress local, int localPort) {
          throw new UnsupportedOperationException("sshj connects unconnected sockets");
        }

        @Override
        public Socket createSocket(InetAddress host, int port) {
          throw new UnsupportedOperationException("sshj connects unconnected sockets");
        }

        @Override
        public Socket createSocket(
            InetAddress address, int port, InetAddress localAddress, int localPort) {
          throw new UnsupportedOperationException("sshj connects unconnected sockets");
        }
      };

  /** One SFTP operation; sshj reports each failure as some IOException. */
  @FunctionalInterface
  interface SftpOperation<T> {
    T apply(SFTPClient sftp) throws IOException;
  }

  /** CONNECTION_LOST; the node reconnects on its next use if the transport is gone. */
  static RemoteFailure lost(SshNode n, String what, IOException e) {
    n.dropIfDead();
    return new RemoteFailure(
        FailureReason.CONNECTION_LOST,
        n.member.name(),
        "SSH-008 connection lost " + what + " (" + e + "); the outcome on the node is unknown",
        e);
  }

  static void closeQuietly(Closeable c) {
    try {
      c.close();
    } catch (IOException | RuntimeException ignored) {
      // best effort: the connection may already be gone
    }
  }

  private static boolean isAuthRefusal(DisconnectReason reason) {
    return reason == DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE
        || reason == DisconnectReason.AUTH_CANCELLED_BY_USER
        || reason == DisconnectReason.ILLEGAL_USER_NAME;
  }
}

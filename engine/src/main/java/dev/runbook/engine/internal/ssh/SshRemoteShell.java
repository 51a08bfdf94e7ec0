package dev.runbook.engine.internal.ssh;

import dev.runbook.engine.api.CommandResult;
import dev.runbook.engine.api.FailureReason;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.OutputListener;
import dev.runbook.engine.api.RemoteFailure;
import dev.runbook.engine.api.RemoteShell;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import net.schmizz.keepalive.KeepAliveProvider;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.Factory;
import net.schmizz.sshj.connection.ConnectionException;
import net.schmizz.sshj.connection.channel.direct.LocalPortForwarder;
import net.schmizz.sshj.connection.channel.direct.Parameters;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.connection.channel.direct.Signal;
import net.schmizz.sshj.sftp.FileAttributes;
import net.schmizz.sshj.sftp.OpenMode;
import net.schmizz.sshj.sftp.RemoteFile;
import net.schmizz.sshj.sftp.RenameFlags;
import net.schmizz.sshj.transport.cipher.Cipher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RemoteShell} over SSH with sshj: one connection per node, opened on first use and reused
 * by every later command, read and write of the run until {@link #close()}.
 *
 * <p>Host keys are checked strictly, always: against the inventory's known_hosts, or against the
 * fingerprint a member pins (then known_hosts is not consulted for it). An unknown or changed key
 * stops the connection before authentication, so nothing runs on that node. Authentication is by
 * the inventory's key file only (unencrypted OpenSSH or PEM key; no agent, no password).
 *
 * <p>Every command is sent in the wire form of {@link #wireCommand}: run by {@code sh -c} under
 * coreutils {@code timeout}, so the node ends a command that outlives its timeout even if the
 * engine or the connection dies. {@link CommandResult#command()} is the command as given (the one
 * the plan shows and the approver approved); evidence that must show the bytes sent records {@link
 * #wireCommand} beside it.
 *
 * <p>Output is handed to the {@link OutputListener} line by line as it arrives, stdout and stderr
 * from two threads but never at the same time, and kept in the result up to {@value #KEEP_BYTES}
 * bytes per stream (then cut, with a closing note).
 *
 * <p>Files travel over SFTP as the SSH user, without sudo: with {@code ssh.sudo} the user must be
 * able to write where files go.
 *
 * <p>Failures are {@link RemoteFailure}s classified by exception type, disconnect reason, exit
 * status and the host-key check's own verdict, never by message text. Messages carry a code ({@code
 * SSH-0nn}) an operator can search for.
 */
public final class SshRemoteShell implements RemoteShell {

  private static final Logger LOG = LoggerFactory.getLogger(SshRemoteShell.class);

  private final List<Forward> forwards = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Output kept in a {@link CommandResult} per stream; the listener still sees all of it. */
  public static final int KEEP_BYTES = 4 * 1024 * 1024;

  /** Waited beyond a command's timeout and {@code timeout -k} before the engine gives up on it. */
  static final Duration BACKSTOP_MARGIN = Duration.ofSeconds(5);

  /** How long the output may stay open after the command exited (a background child holds it). */
  static final Duration OUTPUT_GRACE = Duration.ofSeconds(5);

  private static final Duration JOIN_SLICE = Duration.ofMillis(250);

  private static final Duration PUMP_DRAIN = Duration.ofSeconds(10);
  private static final Duration SYNC_TIMEOUT = Duration.ofMinutes(2);
  private static final int UPLOAD_MODE = 0600;
  private static final int SFTP_REQUESTS_IN_FLIGHT = 16;

  private final Inventory.Ssh ssh;
  private final Map<String, SshNode> nodes;
  private final DefaultConfig config;
  private final ExecutorService pumps;
  private volatile boolean closed;

  /**
   * A shell for the inventory's members (by name), and an external etcd's control-plane nodes, with
   * its SSH settings. Connects to nothing yet.
   */
  public SshRemoteShell(Inventory inventory) {
    this.ssh = Objects.requireNonNull(inventory.ssh(), "inventory.ssh");
    // One config for every connection: its algorithm lists are immutable once built.
    this.config = new DefaultConfig();
    this.config.setKeepAliveProvider(KeepAliveProvider.KEEP_ALIVE);
    // AES-GCM by the JDK first: snapshots of hundreds of MB go over this (see JdkAesGcm).
    List<Factory.Named<Cipher>> ciphers = new ArrayList<>(JdkAesGcm.FACTORIES);
    for (Factory.Named<Cipher> c : this.config.getCipherFactories()) {
      if (JdkAesGcm.FACTORIES.stream().noneMatch(j -> j.getName().equals(c.getName()))) {
        ciphers.add(c);
      }
    }
    this.config.setCipherFactories(ciphers);
    AtomicInteger threads = new AtomicInteger();
    this.pumps =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "ssh-output-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    Map<String, SshNode> byName = new LinkedHashMap<>();
    // External etcd: the API servers run on control-plane nodes apart from the members, and a
    // restore must stop them first.
    for (Inventory.Member m : inventory.nodes()) {
      byName.put(m.name(), new SshNode(m, ssh, config, () -> closed));
    }
    this.nodes = byName;
  }

  /**
   * The command line sent for {@code command}: {@code [sudo -n ]timeout -k 5 SECONDS sh -c
   * 'COMMAND'}.
   */
  @Override
  public String wireCommand(String command, Duration timeout) {
    return RemoteCommand.wrap(command, timeout, ssh.sudo());
  }

  @Override
  public CommandResult run(String node, String command, Duration timeout, OutputListener output) {
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(output, "output");
    SshNode n = node(node);
    String wire = wireCommand(command, timeout);
    Session session = n.openSession();
    LOG.debug("SSH-040 {}: {}", node, wire);
    long start = System.nanoTime();
    Session.Command cmd = exec(n, session, wire);
    try {
      Object turn = new Object(); // the listener sees one batch at a time
      OutputPump outPump =
          new OutputPump(
              cmd.getInputStream(),
              lines -> {
                synchronized (turn) {
                  output.lines(node, false, lines);
                }
              },
              KEEP_BYTES);
      OutputPump errPump =
          new OutputPump(
              cmd.getErrorStream(),
              lines -> {
                synchronized (turn) {
                  output.lines(node, true, lines);
                }
              },
              KEEP_BYTES);
      Future<OutputPump.Captured> out = pumps.submit(outPump);
      Future<OutputPump.Captured> err = pumps.submit(errPump);
      await(n, command, timeout, cmd, List.of(outPump, errPump), out, err, start);
      OutputPump.Captured stdout = drain(n, command, out);
      OutputPump.Captured stderr = drain(n, command, err);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      Integer status = cmd.getExitStatus();
      if (status == null) {
        Signal signal = cmd.getExitSignal();
        if (signal == null) {
          throw SshNode.lost(
              n,
              "the session closed without an exit status while running: " + command,
              new IOException("no exit-status and no exit-signal"));
        }
        status = 128 + signalNumber(signal);
      }
      CommandResult result =
          new CommandResult(
              node, command, status, stdout.text(), stderr.text(), took, n.fingerprint);
      LOG.debug("SSH-042 {}: exit {} in {} ms", node, status, took.toMillis());
      boolean timedOut =
          status == RemoteCommand.TIMED_OUT || status == RemoteCommand.TIMED_OUT_KILLED;
      if (timedOut && took.compareTo(timeout) >= 0) {
        throw new RemoteFailure(
            FailureReason.TIMEOUT,
            node,
            "SSH-006 timed out after "
                + RemoteCommand.seconds(timeout)
                + " s and was ended on the node (exit "
                + status
                + " from timeout): "
                + command,
            result,
            null);
      }
      return result;
    } finally {
      SshNode.closeQuietly(cmd);
    }
  }

  @Override
  public byte[] read(String node, String path) {
    SshNode n = node(node);
    return n.sftp(
        "read " + path,
        sftp -> {
          try (RemoteFile f = sftp.open(path, EnumSet.of(OpenMode.READ));
              InputStream in = f.new ReadAheadRemoteFileInputStream(SFTP_REQUESTS_IN_FLIGHT)) {
            return in.readAllBytes();
          }
        });
  }

  @Override
  public void write(String node, String path, byte[] content, int mode) {
    Objects.requireNonNull(content, "content");
    putAtomically(node(node), path, mode, o -> o.write(content));
  }

  @Override
  public void upload(String node, Path local, String remotePath) {
    if (!Files.isRegularFile(local) || !Files.isReadable(local)) {
      throw new IllegalArgumentException("no readable local file to upload: " + local);
    }
    SshNode n = node(node);
    try (InputStream in = Files.newInputStream(local)) {
      putAtomically(
          n,
          remotePath,
          UPLOAD_MODE,
          o -> {
            byte[] buf = new byte[64 * 1024];
            int r;
            while ((r = readLocal(in, local, buf)) != -1) {
              o.write(buf, 0, r);
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the local file " + local, e);
    }
  }

  @Override
  public Forward forward(String node, String remoteHost, int remotePort) {
    if (remotePort < 1 || remotePort > 65535) {
      throw new IllegalArgumentException("not a port: " + remotePort);
    }
    SshNode n = node(node);
    SSHClient c = n.client();
    ServerSocket listening = null;
    try {
      listening = new ServerSocket();
      listening.setReuseAddress(true);
      // Loopback only: the forward reaches a member's etcd with the engine's credentials.
      listening.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      LocalPortForwarder forwarder =
          c.newLocalPortForwarder(
              new Parameters("127.0.0.1", listening.getLocalPort(), remoteHost, remotePort),
              listening);
      ServerSocket socket = listening;
      Thread t =
          new Thread(
              () -> {
                try {
                  forwarder.listen();
                } catch (IOException e) {
                  if (!socket.isClosed()) {
                    LOG.warn("SSH-013 {}: forward to port {} stopped: {}", node, remotePort, e);
                  }
                }
              },
              "ssh-forward-" + node + "-" + remotePort);
      t.setDaemon(true);
      t.start();
      Forward f =
          new Forward() {
            @Override
            public int localPort() {
              return socket.getLocalPort();
            }

            @Override
            public void close() {
              forwards.remove(this);
              SshNode.closeQuietly(forwarder::close);
              SshNode.closeQuietly(socket);
            }
          };
      forwards.add(f);
      return f;
    } catch (IOException e) {
      SshNode.closeQuietly(listening);
      throw SshNode.lost(n, "while forwarding port " + remotePort, e);
    }
  }

  @Override
  public String connect(String node) {
    SshNode n = node(node);
    n.client();
    return n.fingerprint;
  }

  @Override
  public String hostKeyFingerprint(String node) {
    return node(node).fingerprint;
  }

  @Override
  public void close() {
    closed = true;
    List.copyOf(forwards).forEach(Forward::close);
    for (SshNode n : nodes.values()) {
      n.drop();
    }
    pumps.shutdownNow();
  }

  private SshNode node(String name) {
    SshNode n = nodes.get(name);
    if (n == null) {
      throw new IllegalArgumentException(
          "unknown node " + name + "; the inventory's members are " + nodes.keySet());
    }
    return n;
  }

  private static Session.Command exec(SshNode n, Session session, String wire) {
    try {
      return session.exec(wire);
    } catch (IOException e) {
      SshNode.closeQuietly(session);
      throw SshNode.lost(n, "while starting: " + wire, e);
    }
  }

  /**
   * Waits for the session to close: normally right after the command exits. Gives up (TIMEOUT) when
   * the output stays open but silent {@link #OUTPUT_GRACE} after the exit status arrived, or when
   * nothing ended the command {@link #BACKSTOP_MARGIN} after {@code timeout -k} should have.
   */
  private void await(
      SshNode n,
      String command,
      Duration timeout,
      Session.Command cmd,
      List<OutputPump> streams,
      Future<OutputPump.Captured> out,
      Future<OutputPump.Captured> err,
      long start) {
    long backstop =
        start
            + timeout.plusSeconds(RemoteCommand.KILL_AFTER_SECONDS).plus(BACKSTOP_MARGIN).toNanos();
    long exitSeen = 0;
    while (true) {
      try {
        cmd.join(JOIN_SLICE.toMillis(), TimeUnit.MILLISECONDS);
        return;
      } catch (ConnectionException e) {
        if (e.getCause() instanceof InterruptedException) {
          Thread.currentThread().interrupt();
          throw new RemoteFailure(
              FailureReason.CONNECTION_LOST,
              n.member.name(),
              "SSH-041 interrupted while waiting for the command; it may still run: " + command,
              e);
        }
        if (!(e.getCause() instanceof TimeoutException)) {
          throw SshNode.lost(n, "while running: " + command, e);
        }
      }
      long now = System.nanoTime();
      if (exitSeen == 0 && (cmd.getExitStatus() != null || cmd.getExitSignal() != null)) {
        exitSeen = now;
      }
      // Output still flowing after the exit (a large rest on a slow link) is not held open.
      long quietSince = exitSeen;
      for (OutputPump p : streams) {
        quietSince = p.lastRead() - quietSince > 0 ? p.lastRead() : quietSince;
      }
      if (now - backstop >= 0 || (exitSeen != 0 && now - quietSince >= OUTPUT_GRACE.toNanos())) {
        throw abandon(n, command, timeout, cmd, out, err, start);
      }
    }
  }

  /**
   * The backstop: no end of the session long after {@code timeout} should have ended the command.
   * Seen when the command exited but left a process behind that holds its stdout or stderr open
   * (sshd waits for those to close), or when {@code timeout} itself is stuck.
   */
  private RemoteFailure abandon(
      SshNode n,
      String command,
      Duration timeout,
      Session.Command cmd,
      Future<OutputPump.Captured> out,
      Future<OutputPump.Captured> err,
      long start) {
    Integer status = cmd.getExitStatus();
    try {
      cmd.signal(Signal.KILL); // honoured by OpenSSH 7.9 and later, if the command still runs
    } catch (IOException ignored) {
      // closing below is what matters
    }
    SshNode.closeQuietly(cmd);
    CommandResult partial =
        new CommandResult(
            n.member.name(),
            command,
            status == null ? -1 : status,
            drainQuietly(out),
            drainQuietly(err),
            Duration.ofNanos(System.nanoTime() - start),
            n.fingerprint);
    long waited = Duration.ofNanos(System.nanoTime() - start).toSeconds();
    return new RemoteFailure(
        FailureReason.TIMEOUT,
        n.member.name(),
        status != null
            ? "SSH-007 the command exited "
                + status
                + " but its output was still open "
                + OUTPUT_GRACE.toSeconds()
                + " s later: a process it started in the background holds stdout or stderr (redirect"
                + " a background process's output, e.g. >/dev/null 2>&1); the session was closed,"
                + " that process may still run: "
                + command
            : "SSH-007 no exit status after "
                + waited
                + " s, although timeout should have ended the command after "
                + RemoteCommand.seconds(timeout)
                + " s; the session was closed and SIGKILL sent, check the node: "
                + command,
        partial,
        null);
  }

  private static OutputPump.Captured drain(
      SshNode n, String command, Future<OutputPump.Captured> pump) {
    try {
      return pump.get(PUMP_DRAIN.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw SshNode.lost(
          n,
          "while reading the output of: " + command,
          cause instanceof IOException io ? io : new IOException(cause));
    } catch (TimeoutException e) {
      throw SshNode.lost(
          n, "output still open after the session closed: " + command, new IOException(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RemoteFailure(
          FailureReason.CONNECTION_LOST,
          n.member.name(),
          "SSH-041 interrupted while reading the output of: " + command,
          e);
    }
  }

  private static String drainQuietly(Future<OutputPump.Captured> pump) {
    try {
      return pump.get(1, TimeUnit.SECONDS).text();
    } catch (ExecutionException | TimeoutException e) {
      pump.cancel(true);
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /** Like a shell reports a signalled child: 128 + the signal's Linux number. */
  static int signalNumber(Signal s) {
    return switch (s) {
      case HUP -> 1;
      case INT -> 2;
      case QUIT -> 3;
      case ILL -> 4;
      case ABRT -> 6;
      case FPE -> 8;
      case KILL -> 9;
      case USR1 -> 10;
      case SEGV -> 11;
      case USR2 -> 12;
      case PIPE -> 13;
      case ALRM -> 14;
      case TERM -> 15;
      case UNKNOWN -> 0;
    };
  }

  /** Writes {@code path.part}, sets its mode, fsyncs it, renames it over {@code path}. */
  private void putAtomically(SshNode n, String path, int mode, Content content) {
    Objects.requireNonNull(path, "path");
    String part = path + ".part";
    AtomicBoolean created = new AtomicBoolean();
    try {
      n.sftp(
          "write " + part,
          sftp -> {
            FileAttributes create = new FileAttributes.Builder().withPermissions(mode).build();
            Set<OpenMode> how = EnumSet.of(OpenMode.WRITE, OpenMode.CREAT, OpenMode.TRUNC);
            created.set(true); // from here on a .part may exist
            try (RemoteFile f = sftp.open(part, how, create);
                OutputStream o = f.new RemoteFileOutputStream(0, SFTP_REQUESTS_IN_FLIGHT)) {
              content.writeTo(o);
            }
            sftp.chmod(part, mode); // the create mode went through the server's umask
            return null;
          });
      // sshj 0.40 has no fsync@openssh.com: coreutils sync FILE fsyncs the file itself.
      check(
          n.member.name(),
          "sync -- " + RemoteCommand.quote(part),
          SYNC_TIMEOUT,
          OutputListener.NONE);
      n.sftp(
          "rename " + part + " to " + path,
          sftp -> {
            // OVERWRITE makes sshj use posix-rename@openssh.com: rename(2), atomic over the target.
            sftp.rename(part, path, EnumSet.of(RenameFlags.OVERWRITE));
            return null;
          });
    } catch (RuntimeException e) {
      if (created.get()) {
        removeQuietly(n, part);
      }
      throw e;
    }
    check(
        n.member.name(),
        "sync -- " + RemoteCommand.quote(parentOf(path)),
        SYNC_TIMEOUT,
        OutputListener.NONE);
  }

  private void removeQuietly(SshNode n, String part) {
    try {
      n.sftp(
          "remove " + part,
          sftp -> {
            if (sftp.statExistence(part) != null) {
              sftp.rm(part);
            }
            return null;
          });
    } catch (RuntimeException e) {
      LOG.warn("SSH-031 {}: could not remove {}: {}", n.member.name(), part, e.getMessage());
    }
  }

  static String parentOf(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "." : slash == 0 ? "/" : path.substring(0, slash);
  }

  private static int readLocal(InputStream in, Path local, byte[] buf) {
    try {
      return in.read(buf);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the local file " + local, e);
    }
  }

  /** What {@link #putAtomically} writes. */
  @FunctionalInterface
  private interface Content {
    void writeTo(OutputStream out) throws IOException;
  }
}

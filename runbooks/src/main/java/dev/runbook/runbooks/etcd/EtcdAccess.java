package dev.runbook.runbooks.etcd;

import com.google.common.util.concurrent.MoreExecutors;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RemoteFailure;
import dev.runbook.engine.api.RemoteShell;
import dev.runbook.engine.api.StepContext;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * How a step reaches etcd: one jetcd client per member, bound to that member's endpoint alone (a
 * client with several endpoints spreads calls over them, and a status or a snapshot must come from
 * the member asked). Mutual TLS always; the inventory says whether the engine host reaches the
 * client URLs directly with local certificates, or through an SSH tunnel with the node's own
 * certificates read over SFTP into memory, never written to the engine host's disk.
 *
 * <p>Before jetcd connects, a plain TLS handshake (plus the HTTP/2 preface, so that a server that
 * refuses the client certificate under TLS 1.3 says so) runs with a deadline: jetcd's own retries
 * hang silently on a wrong certificate, and an incident commander needs the TLS reason within
 * seconds.
 */
final class EtcdAccess implements AutoCloseable {

  static final Duration TIMEOUT = Duration.ofSeconds(5);

  private static final byte[] H2_PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  // An empty SETTINGS frame: length 0, type 4, flags 0, stream 0.
  private static final byte[] H2_SETTINGS = {0, 0, 0, 4, 0, 0, 0, 0, 0};

  /**
   * Runs the callbacks of the snapshot stream on the gRPC transport thread (a direct executor)
   * instead of gRPC's default executor. The stream is etcd's 32 KiB messages, one requested at a
   * time: on the default executor every message is a round trip between two threads (hand the
   * message over, write it, wake the event loop for the next), which cost about a quarter of the
   * throughput. The transport thread only appends each chunk to the file (the page cache; the fsync
   * is at the end, in the caller's thread), and flow control still bounds what is in memory to
   * gRPC's window. Other calls keep the default executor.
   */
  static final ClientInterceptor SNAPSHOT_ON_TRANSPORT_THREAD =
      new ClientInterceptor() {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(
            MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
          return next.newCall(
              method,
              method
                      .getFullMethodName()
                      .equals(MaintenanceGrpc.getSnapshotMethod().getFullMethodName())
                  ? options.withExecutor(MoreExecutors.directExecutor())
                  : options);
        }
      };

  private final Inventory inventory;
  private final RemoteShell shell;
  private final MemberClient.ClusterChanges changes;
  private final Map<String, MemberClient> clients = new LinkedHashMap<>();
  private final List<RemoteShell.Forward> forwards = new ArrayList<>();
  private Tls direct;
  private final Map<Tls, SSLContext> contexts = new java.util.IdentityHashMap<>();

  /** An access that only reads: a request that changes the cluster is refused. */
  EtcdAccess(Inventory inventory, RemoteShell shell) {
    this(inventory, shell, MemberClient.ClusterChanges.NONE);
  }

  private EtcdAccess(Inventory inventory, RemoteShell shell, MemberClient.ClusterChanges changes) {
    this.inventory = inventory;
    this.shell = shell;
    this.changes = changes;
  }

  /** A step's access: each request that changes the cluster goes only as its plan shows it. */
  static EtcdAccess of(StepContext context) {
    return new EtcdAccess(context.inventory(), context.shell(), context::etcdRequest);
  }

  boolean tunnel() {
    return !"direct".equals(inventory.etcd().access().mode());
  }

  /** How this access reaches etcd, for evidence. */
  String describe() {
    return tunnel()
        ? "SSH tunnel to each member's client URL as seen from its node, with the node's certificates"
            + " (read over SFTP into memory)"
        : "direct to the client URLs with the local certificates of etcd.access";
  }

  /**
   * A client bound to {@code member}'s endpoint, connected and TLS-checked.
   *
   * @throws EtcdUnreachable when the member cannot be reached or refuses the certificates
   */
  MemberClient member(Inventory.Member member) {
    // Not connected under the lock: members are checked at once (ClusterHealth), and one that
    // does not answer must not hold up the others for its deadline.
    synchronized (this) {
      MemberClient c = clients.get(member.name());
      if (c != null) {
        return c;
      }
    }
    URI url = member.clientUrl();
    boolean tls = "https".equals(url.getScheme());
    String host;
    int port;
    Tls material = null;
    if (tunnel()) {
      try {
        RemoteShell.Forward f = shell.forward(member.name(), url.getHost(), url.getPort());
        synchronized (this) {
          forwards.add(f);
        }
        host = "127.0.0.1";
        port = f.localPort();
      } catch (RemoteFailure e) {
        throw new EtcdUnreachable(
            EtcdUnreachable.Reason.CONNECT,
            member.name(),
            "cannot open an SSH tunnel to " + member.name() + ": " + e.getMessage(),
            e);
      }
      if (tls) {
        material = nodeTls(member);
      }
    } else {
      host = url.getHost();
      port = url.getPort();
      if (tls) {
        material = directTls();
      }
    }
    String authority = url.getHost() + ":" + url.getPort();
    if (material != null) {
      precheck(member.name(), url, host, port, material, jdkContext(member.name(), material));
    }
    Client client = build(member.name(), tls, host, port, authority, material);
    MemberClient mine = new MemberClient(member, client, changes);
    MemberClient kept;
    synchronized (this) {
      kept = clients.computeIfAbsent(member.name(), n -> mine);
    }
    if (kept != mine) {
      mine.close(); // another thread connected to this member meanwhile: one client is kept
    }
    return kept;
  }

  private Client build(
      String member, boolean tls, String host, int port, String authority, Tls material) {
    var b =
        Client.builder()
            .endpoints((tls ? "https://" : "http://") + host + ":" + port)
            .connectTimeout(TIMEOUT)
            .waitForReady(false)
            .retryMaxDuration(TIMEOUT)
            .retryMaxAttempts(2)
            .interceptor(SNAPSHOT_ON_TRANSPORT_THREAD);
    if (tls) {
      // The certificate names the member's address, not the tunnel's local end.
      b.authority(authority);
      // gRPC picks OpenSSL (BoringSSL, netty-tcnative, a dependency of this module) when its
      // native library loads, else the JDK's TLS. The JDK's AES-GCM is plain Java unless C2
      // compiles it with its intrinsics, and the CLI runs C1 only: there it decrypted about
      // 40 MiB/s and capped the snapshot stream; BoringSSL uses AES-NI from the first byte.
      TlsKeys keys = keys(member, material);
      try {
        b.sslContext(s -> s.trustManager(keys.trustManagers()).keyManager(keys.keyManagers()));
      } catch (SSLException e) {
        throw unusable(member, material, e);
      }
    }
    return b.build();
  }

  private synchronized Tls directTls() {
    if (direct == null) {
      Inventory.Access a = inventory.etcd().access();
      direct =
          new Tls(
              readLocal(a.cacert()),
              readLocal(a.cert()),
              readLocal(a.key()),
              "etcd.access: " + a.cacert() + ", " + a.cert() + ", " + a.key());
    }
    return direct;
  }

  private static byte[] readLocal(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new EtcdUnreachable(
          EtcdUnreachable.Reason.TLS, null, "cannot read " + p + ": " + e.getMessage(), e);
    }
  }

  private Tls nodeTls(Inventory.Member m) {
    Inventory.Pki pki = inventory.etcd().pki();
    return new Tls(
        readRemote(m, pki.cacert()),
        readRemote(m, pki.cert()),
        readRemote(m, pki.key()),
        "etcd.pki on " + m.name() + ": " + pki.cacert() + ", " + pki.cert() + ", " + pki.key());
  }

  private byte[] readRemote(Inventory.Member m, String path) {
    try {
      return shell.read(m.name(), path);
    } catch (RemoteFailure e) {
      throw new EtcdUnreachable(
          EtcdUnreachable.Reason.TLS,
          m.name(),
          "cannot read "
              + path
              + " on "
              + m.name()
              + " over SFTP (as the SSH user; keys are often root-only): "
              + e.getMessage(),
          e);
    }
  }

  /** A TLS handshake with a deadline, so a wrong certificate fails fast and says why. */
  static void precheck(
      String member, URI url, String host, int port, Tls material, SSLContext context) {
    int ms = (int) TIMEOUT.toMillis();
    try (Socket raw = new Socket()) {
      raw.connect(new InetSocketAddress(host, port), ms);
      raw.setSoTimeout(ms);
      try (SSLSocket s =
          (SSLSocket)
              context.getSocketFactory().createSocket(raw, url.getHost(), url.getPort(), false)) {
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setApplicationProtocols(new String[] {"h2"});
        s.setSSLParameters(p);
        s.startHandshake();
        OutputStream out = s.getOutputStream();
        out.write(H2_PREFACE);
        out.write(H2_SETTINGS);
        out.flush();
        InputStream in = s.getInputStream();
        if (in.read() < 0) {
          throw new EtcdUnreachable(
              EtcdUnreachable.Reason.TLS,
              member,
              "etcd at "
                  + url
                  + " closed the connection after the TLS handshake: it does not accept the"
                  + " client certificate ("
                  + material.source()
                  + ")",
              null);
        }
      }
    } catch (SocketTimeoutException e) {
      throw new EtcdUnreachable(
          EtcdUnreachable.Reason.TIMEOUT,
          member,
          "etcd at " + url + " did not answer within " + TIMEOUT.toSeconds() + " s",
          e);
    } catch (SSLException e) {
      throw new EtcdUnreachable(
          EtcdUnreachable.Reason.TLS,
          member,
          "TLS with etcd at "
              + url
              + " failed: "
              + e.getMessage()
              + " (certificates: "
              + material.source()
              + ")",
          e);
    } catch (ConnectException e) {
      throw new EtcdUnreachable(
          EtcdUnreachable.Reason.CONNECT,
          member,
          "nothing answers at " + url + ": " + e.getMessage(),
          e);
    } catch (IOException e) {
      throw new EtcdUnreachable(
          EtcdUnreachable.Reason.CONNECT, member, "cannot reach etcd at " + url + ": " + e, e);
    }
  }

  /**
   * The precheck's JDK context for {@code material}, made once per access: with direct access every
   * member shares the local certificates, and parsing them again cost each member's check.
   */
  private SSLContext jdkContext(String member, Tls material) {
    synchronized (this) {
      SSLContext c = contexts.get(material);
      if (c != null) {
        return c;
      }
    }
    SSLContext c = newJdkContext(member, material);
    synchronized (this) {
      return contexts.computeIfAbsent(material, m -> c);
    }
  }

  private static SSLContext newJdkContext(String member, Tls material) {
    try {
      return keys(member, material).jdkContext();
    } catch (java.security.GeneralSecurityException e) {
      throw unusable(member, material, e);
    }
  }

  private static TlsKeys keys(String member, Tls material) {
    try {
      return TlsKeys.of(material.ca(), material.cert(), material.key());
    } catch (IllegalArgumentException e) {
      throw unusable(member, material, e);
    }
  }

  private static EtcdUnreachable unusable(String member, Tls material, Exception e) {
    return new EtcdUnreachable(
        EtcdUnreachable.Reason.TLS,
        member,
        "cannot use the etcd client certificates (" + material.source() + "): " + e.getMessage(),
        e);
  }

  @Override
  public synchronized void close() {
    clients.values().forEach(MemberClient::close);
    clients.clear();
    forwards.forEach(RemoteShell.Forward::close);
    forwards.clear();
  }

  /** CA, certificate and key in PEM, in memory only. */
  record Tls(byte[] ca, byte[] cert, byte[] key, String source) {}
}

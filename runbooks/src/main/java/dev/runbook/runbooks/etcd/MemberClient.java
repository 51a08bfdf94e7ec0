package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.Inventory;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.SnapshotResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.options.GetOption;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/** A jetcd client bound to one member's endpoint. Every call has a deadline. */
final class MemberClient implements AutoCloseable {

  /** What a member says about itself. */
  record Status(
      String name,
      String id,
      boolean leader,
      boolean learner,
      long raftIndex,
      long raftTerm,
      long revision,
      long dbSize,
      String version,
      String clusterId,
      List<String> errors) {}

  /**
   * A member as the member list shows it; a member added but not started yet has no name and no
   * client URLs.
   */
  record Listed(
      String id, String name, List<String> peerUrls, boolean learner, List<String> clientUrls) {}

  /**
   * Asked before every request that changes the cluster, with the member it goes through and its
   * words ({@link dev.runbook.engine.api.StepContext#etcdRequest}: the engine lets it go only when
   * the approved plan shows it). Every such request passes here, so no step sends one unplanned.
   */
  @FunctionalInterface
  interface ClusterChanges {
    void asking(String member, String request);

    /** For a client that only reads (inventory discovery): every change is refused. */
    ClusterChanges NONE =
        (member, request) -> {
          throw new IllegalStateException("this etcd access only reads; not sent: " + request);
        };
  }

  private final Inventory.Member member;
  private final Client client;
  private final ClusterChanges changes;

  MemberClient(Inventory.Member member, Client client, ClusterChanges changes) {
    this.member = member;
    this.client = client;
    this.changes = changes;
  }

  // The requests in etcdctl's words, which a reviewer of the plan knows; plan and run both
  // build them here, so that what is approved and what is sent are one text.

  static String removeRequest(String hexId) {
    return "member remove " + hexId;
  }

  static String addLearnerRequest(String peerUrl) {
    return "member add --learner --peer-urls=" + peerUrl;
  }

  static String promoteRequest(String hexId) {
    return "member promote " + hexId;
  }

  Inventory.Member member() {
    return member;
  }

  Status status() {
    StatusResponse r =
        await(client.getMaintenanceClient().statusMember(member.clientUrl().toString()), "status");
    long self = r.getHeader().getMemberId();
    return new Status(
        member.name(),
        Long.toHexString(self),
        r.getLeader() == self,
        r.isLearner(),
        r.getRaftIndex(),
        r.getRaftTerm(),
        r.getHeader().getRevision(),
        r.getDbSize(),
        r.getVersion(),
        Long.toHexString(r.getHeader().getClusterId()),
        List.copyOf(r.getErrorList()));
  }

  /**
   * A linearizable read, as {@code etcdctl endpoint health} does: it needs a leader and a quorum,
   * so a member cut off from the others fails it.
   */
  void health() {
    await(client.getKVClient().get(bytes("health")), "health read");
  }

  List<Listed> members() {
    return await(client.getClusterClient().listMember(), "member list").getMembers().stream()
        .map(
            m ->
                new Listed(
                    Long.toHexString(m.getId()),
                    m.getName(),
                    m.getPeerURIs().stream().map(Object::toString).toList(),
                    m.isLearner(),
                    m.getClientURIs().stream().map(Object::toString).toList()))
        .toList();
  }

  /** Removes the member with id {@code hexId} from the cluster (a cluster change: needs quorum). */
  void removeMember(String hexId) {
    changes.asking(member.name(), removeRequest(hexId));
    await(
        client.getClusterClient().removeMember(Long.parseUnsignedLong(hexId, 16)), "member remove");
  }

  /**
   * Adds a member with {@code peerUrl} as a learner: it receives the log but does not vote until
   * promoted, so a new member catching up never costs the quorum.
   *
   * @return the new member as the list shows it (no name until it starts)
   */
  Listed addLearner(String peerUrl) {
    changes.asking(member.name(), addLearnerRequest(peerUrl));
    var m =
        await(
                client.getClusterClient().addMember(List.of(java.net.URI.create(peerUrl)), true),
                "member add --learner")
            .getMember();
    return new Listed(
        Long.toHexString(m.getId()),
        m.getName(),
        m.getPeerURIs().stream().map(Object::toString).toList(),
        m.isLearner(),
        m.getClientURIs().stream().map(Object::toString).toList());
  }

  /** Promotes the learner {@code hexId} to a voting member; etcd refuses until it caught up. */
  void promote(String hexId) {
    changes.asking(member.name(), promoteRequest(hexId));
    await(
        client.getClusterClient().promoteMember(Long.parseUnsignedLong(hexId, 16)),
        "member promote");
  }

  /**
   * The value of {@code key} as this member's own store holds it (a serializable read, answered
   * locally without asking the leader), or null when it does not exist.
   */
  String getLocal(String key) {
    var kvs =
        await(
                client
                    .getKVClient()
                    .get(bytes(key), GetOption.builder().withSerializable(true).build()),
                "local get " + key)
            .getKvs();
    return kvs.isEmpty() ? null : kvs.get(0).getValue().toString(StandardCharsets.UTF_8);
  }

  /** The value of {@code key}, or null when it does not exist. */
  String get(String key) {
    var kvs = await(client.getKVClient().get(bytes(key)), "get " + key).getKvs();
    return kvs.isEmpty() ? null : kvs.get(0).getValue().toString(StandardCharsets.UTF_8);
  }

  /**
   * Streams a snapshot of this member's backend into {@code file} (which must not exist) and fsyncs
   * it. A stream that stays silent for {@code idle} is given up.
   *
   * @return the number of bytes written
   */
  long snapshot(Path file, java.time.Duration idle) {
    CompletableFuture<Long> done = new CompletableFuture<>();
    AtomicLong written = new AtomicLong();
    AtomicLong lastData = new AtomicLong(System.nanoTime());
    try (FileChannel out =
        FileChannel.open(
            file,
            java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
      client
          .getMaintenanceClient()
          .snapshot(
              new StreamObserver<SnapshotResponse>() {
                @Override
                public void onNext(SnapshotResponse r) {
                  // Written in the gRPC transport thread (EtcdAccess runs this call's callbacks
                  // there): flow control then keeps at most a window of the stream in memory,
                  // whatever the size of the database.
                  try {
                    ByteBuffer b = r.getBlob().asReadOnlyByteBuffer();
                    while (b.hasRemaining()) {
                      written.addAndGet(out.write(b));
                    }
                    lastData.set(System.nanoTime());
                  } catch (IOException e) {
                    done.completeExceptionally(e);
                    throw new UncheckedIOException(e);
                  }
                }

                @Override
                public void onError(Throwable t) {
                  done.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                  done.complete(written.get());
                }
              });
      while (true) {
        try {
          long n = done.get(1, TimeUnit.SECONDS);
          out.force(true);
          return n;
        } catch (TimeoutException e) {
          if (System.nanoTime() - lastData.get() > idle.toNanos()) {
            throw new EtcdUnreachable(
                EtcdUnreachable.Reason.TIMEOUT,
                member.name(),
                "the snapshot stream from "
                    + member.name()
                    + " stalled: no data for "
                    + idle.toSeconds()
                    + " s after "
                    + written.get()
                    + " bytes",
                null);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the snapshot to " + file, e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw new UncheckedIOException("cannot write the snapshot to " + file, io);
      }
      throw new EtcdUnreachable(
          EtcdUnreachable.Reason.ERROR,
          member.name(),
          "the snapshot stream from " + member.name() + " failed: " + c.getMessage(),
          c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdUnreachable(
          EtcdUnreachable.Reason.ERROR, member.name(), "interrupted while snapshotting", e);
    }
  }

  /** How many keys hold a value now (as {@code etcdctl get "" --prefix --count-only}). */
  long countKeys() {
    // Key "\0" with range end "\0" is etcd's "every key": from the smallest to the end.
    ByteSequence zero = ByteSequence.from(new byte[] {0});
    GetOption all = GetOption.builder().withRange(zero).withCountOnly(true).build();
    return await(client.getKVClient().get(zero, all), "count keys").getCount();
  }

  private <T> T await(CompletableFuture<T> f, String what) {
    try {
      return f.get(EtcdAccess.TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new EtcdUnreachable(
          EtcdUnreachable.Reason.TIMEOUT,
          member.name(),
          what
              + " on "
              + member.name()
              + " got no answer within "
              + EtcdAccess.TIMEOUT.toSeconds() * 2
              + " s",
          e);
    } catch (ExecutionException e) {
      throw new EtcdUnreachable(
          EtcdUnreachable.Reason.ERROR,
          member.name(),
          what + " on " + member.name() + " failed: " + e.getCause().getMessage(),
          e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdUnreachable(
          EtcdUnreachable.Reason.ERROR, member.name(), "interrupted: " + what, e);
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    client.close();
  }
}

package dev.runbook.runbooks.etcd;

/** A member's etcd could not be reached or did not answer; the reason is typed, not parsed. */
final class EtcdUnreachable extends RuntimeException {

  enum Reason {
    /** Nothing listens, or the SSH tunnel to it could not be opened. */
    CONNECT,
    /** The TLS handshake failed: wrong CA, certificate, key or name. */
    TLS,
    /** Connected, but no answer in time. */
    TIMEOUT,
    /** etcd answered with an error. */
    ERROR
  }

  private final Reason reason;
  private final String member;

  EtcdUnreachable(Reason reason, String member, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.member = member;
  }

  Reason reason() {
    return reason;
  }

  /**
   * Whether etcd said it cannot serve the call for now (gRPC UNAVAILABLE: no leader yet, or its
   * strict reconfiguration check calling the cluster unhealthy), which asking again a little later
   * may get past. The jetcd type stays here, behind the pack's etcd interface.
   */
  boolean unavailable() {
    return getCause() instanceof io.etcd.jetcd.common.exception.EtcdException x
        && x.getErrorCode() == io.etcd.jetcd.common.exception.ErrorCode.UNAVAILABLE;
  }

  String member() {
    return member;
  }
}

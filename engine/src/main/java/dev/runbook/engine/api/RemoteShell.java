package dev.runbook.engine.api;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Runs commands on the inventory's nodes. One connection per node per run, reused across steps;
 * strict host-key checking always. Implementations throw {@link RemoteFailure}, never a bare
 * exception.
 */
public interface RemoteShell extends AutoCloseable {

  /**
   * Runs {@code command} (a POSIX sh command line) on {@code node} (a member name of the
   * inventory). The timeout is enforced on the remote side too, so a timed-out command does not
   * keep running there.
   *
   * @return the result, whatever the exit status
   * @throws RemoteFailure for every failure except a non-zero exit status, and for TIMEOUT
   */
  CommandResult run(String node, String command, Duration timeout, OutputListener output);

  /** Like {@link #run} but a non-zero exit status throws {@link FailureReason#NON_ZERO_EXIT}. */
  default CommandResult check(String node, String command, Duration timeout, OutputListener out) {
    CommandResult r = run(node, command, timeout, out);
    if (!r.ok()) {
      throw new RemoteFailure(
          FailureReason.NON_ZERO_EXIT,
          node,
          "exit status " + r.exitStatus() + " from: " + command,
          r,
          null);
    }
    return r;
  }

  /**
   * Reads a file on the node into memory over SFTP (for small files: manifests, certs). A missing
   * or unreadable file is {@link FailureReason#NON_ZERO_EXIT}.
   */
  byte[] read(String node, String path);

  /**
   * Writes {@code content} to {@code path} on the node over SFTP: to {@code path.part} first, which
   * gets {@code mode} (e.g. {@code 0644}), is fsynced and renamed over {@code path}. An error
   * status from the node is {@link FailureReason#NON_ZERO_EXIT}.
   */
  void write(String node, String path, byte[] content, int mode);

  /**
   * Copies a local file to {@code remotePath} on the node, streamed (snapshots are too large for
   * {@link #write}): written to {@code remotePath.part}, made mode 0600, fsynced, then renamed over
   * {@code remotePath}. A reader of {@code remotePath} sees the old file or the whole new one,
   * never a part; a failed upload leaves no {@code .part} behind where it can remove it.
   *
   * @throws IllegalArgumentException when {@code local} is not a readable file
   * @throws RemoteFailure when the transfer fails; an error status from the node (no such
   *     directory, permission denied) is {@link FailureReason#NON_ZERO_EXIT}
   */
  void upload(String node, Path local, String remotePath);

  /**
   * Forwards a port on the engine host's loopback to {@code remoteHost:remotePort} as seen from the
   * node, through the node's SSH connection (to reach a member's etcd that the engine host cannot
   * reach directly). Close the returned forward when done; closing the shell closes it too.
   *
   * @throws RemoteFailure when the node cannot be reached
   */
  Forward forward(String node, String remoteHost, int remotePort);

  /** A forwarded port: connect to {@code 127.0.0.1:localPort()} on the engine host. */
  interface Forward extends AutoCloseable {
    int localPort();

    @Override
    void close();
  }

  /**
   * Connects to the node unless already connected, verifying its host key strictly.
   *
   * @return the fingerprint (SHA256:...) of the key the node presented
   * @throws RemoteFailure HOST_UNREACHABLE, HOST_KEY_UNKNOWN, HOST_KEY_MISMATCH, AUTH_FAILED
   */
  String connect(String node);

  /** The fingerprint (SHA256:...) of the key the node presented, once connected; else null. */
  String hostKeyFingerprint(String node);

  /** The command line actually sent for {@code command}: with its remote timeout and sudo. */
  default String wireCommand(String command, Duration timeout) {
    return command;
  }

  @Override
  void close();
}

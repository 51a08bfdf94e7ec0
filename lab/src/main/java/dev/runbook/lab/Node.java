package dev.runbook.lab;

import java.nio.file.Path;

/**
 * One lab node: its name, loopback address, and where its files live on the host. Inside the node's
 * mount namespace {@link #root()}{@code /etc/kubernetes} is {@code /etc/kubernetes}, {@code
 * root()/var/lib} is {@code /var/lib}, and {@code root()/usr/local/bin} is {@code /usr/local/bin}.
 */
record Node(String name, String address, Path dir) {

  static final int CLIENT_PORT = 2379;
  static final int PEER_PORT = 2380;
  static final int METRICS_PORT = 2381;

  /**
   * Node {@code index} (0-based) of the lab in {@code labDir} holding loopback block {@code block}.
   */
  static Node of(Path labDir, int block, int index) {
    String name = "cp-" + (index + 1);
    return new Node(name, address(block, index), labDir.resolve("nodes").resolve(name));
  }

  static String address(int block, int index) {
    return "127." + block + ".0." + (11 + index);
  }

  Path root() {
    return dir.resolve("root");
  }

  /** A node path ({@code /etc/kubernetes/...}) as seen from the host. */
  Path hostPath(String nodePath) {
    return root().resolve(nodePath.substring(1));
  }

  Path sshDir() {
    return dir.resolve("ssh");
  }

  Path logs() {
    return dir.resolve("logs");
  }

  String clientUrl() {
    return "https://" + address + ":" + CLIENT_PORT;
  }

  String peerUrl() {
    return "https://" + address + ":" + PEER_PORT;
  }
}

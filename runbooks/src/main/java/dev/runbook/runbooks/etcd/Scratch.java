package dev.runbook.runbooks.etcd;

/**
 * Where a rehearsal works on its node: a directory unique to the run, which must not exist
 * beforehand and is the only thing the rehearsal ever removes.
 */
record Scratch(String dir) {

  static Scratch of(String root, String runId) {
    if (root == null || !root.startsWith("/")) {
      throw new IllegalArgumentException("scratchRoot must be an absolute path, not " + root);
    }
    return new Scratch((root.endsWith("/") ? root : root + "/") + "etcd-rehearsal-" + runId);
  }

  String snapshot() {
    return dir + "/snapshot.db";
  }

  String dataDir() {
    return dir + "/data";
  }

  String pidFile() {
    return dir + "/etcd.pid";
  }

  String logFile() {
    return dir + "/etcd.log";
  }
}

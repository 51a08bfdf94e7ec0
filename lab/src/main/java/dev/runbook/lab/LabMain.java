package dev.runbook.lab;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lab}: a local kubeadm-like lab of etcd members, each a node with its own loopback address,
 * sshd, mount namespace and kubelet simulator.
 */
@Command(
    name = "lab",
    mixinStandardHelpOptions = true,
    description =
        "A local kubeadm-like etcd lab: real etcd, real sshd, a kubelet simulator per node.",
    subcommands = {LabMain.Up.class, LabMain.Down.class, LabMain.Status.class, LabMain.Seed.class})
public final class LabMain {

  public static void main(String[] args) {
    org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
    org.slf4j.bridge.SLF4JBridgeHandler.install();
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    System.exit(run(out, err, args));
  }

  /** Runs one lab command; returns its exit code (0 ok, 1 failed, 2 bad input). */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = new CommandLine(new LabMain());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (e instanceof LabException le) {
            err.println("lab: " + le.getMessage());
            return le.exitCode();
          }
          err.println("lab: internal error: " + e);
          e.printStackTrace(err);
          return LabException.FAILED;
        });
    // picocli's own usage errors (unknown option, missing value) are bad input too.
    cl.setParameterExceptionHandler(
        (e, a) -> {
          err.println("lab: " + e.getMessage());
          e.getCommandLine().usage(err);
          return LabException.BAD_INPUT;
        });
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  abstract static class DirOption {
    @Option(
        names = "--dir",
        description = "The lab dir (default: $RUNBOOK_LAB_DIR or ${DEFAULT-VALUE}).",
        defaultValue = "${env:RUNBOOK_LAB_DIR:-/tmp/runbook-lab}")
    Path dir;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    Lab lab() {
      return new Lab(dir, spec.commandLine().getOut());
    }
  }

  @Command(
      name = "up",
      description =
          "Bring up N etcd members, one lab node each, and write inventory.yaml, known_hosts, the SSH key, client certs and lab.env into the lab dir.")
  static final class Up extends DirOption implements Callable<Integer> {
    @Option(
        names = "--members",
        defaultValue = "3",
        description = "Number of members, 1 to 5 (default ${DEFAULT-VALUE}).")
    int members;

    @Option(
        names = "--etcd",
        defaultValue = "3.5",
        description =
            "etcd version: 3.4 (the system's), 3.5 (Debian trixie's 3.5.16) or 3.5.30 (Debian"
                + " unstable's) (default ${DEFAULT-VALUE}).")
    String etcd;

    @Option(
        names = "--ssh-port",
        defaultValue = "2222",
        description = "Port of every node's sshd (default ${DEFAULT-VALUE}).")
    int sshPort;

    @Option(
        names = "--block",
        description =
            "Loopback block N: the nodes get 127.N.0.11, .12, ... (1 to 254; default: the lowest block no other lab holds).")
    Integer block;

    @Option(
        names = "--cache",
        defaultValue = "${env:RUNBOOK_LAB_CACHE:-/var/cache/runbook-lab}",
        description = "Where fetched etcd packages are kept (default ${DEFAULT-VALUE}).")
    Path cache;

    @Option(
        names = "--disk-mb",
        description =
            "Give each node's /var/lib a disk of its own of N MiB (a tmpfs, so RAM), to try what a full disk does; at least "
                + Lab.MIN_DISK_MB
                + " (default: the host's disk).")
    Integer diskMb;

    @CommandLine.Mixin ExternalOptions topology;

    @Option(
        names = "--object-store",
        description =
            "Also start an S3-compatible object store (S3Proxy, files under the lab dir) on 127.N.0.5:"
                + ObjectStoreServer.PORT
                + " and name it in the inventory's objectStore section.")
    boolean objectStore;

    @Override
    public Integer call() {
      lab()
          .withObjectStore(objectStore)
          .up(members, etcd, sshPort, block, cache, diskMb, topology.external());
      return 0;
    }
  }

  @Command(
      name = "down",
      description =
          "Stop every process of the lab, by pid and mount namespace, and remove the lab dir.")
  static final class Down extends DirOption implements Callable<Integer> {
    @Override
    public Integer call() {
      lab().down();
      return 0;
    }
  }

  @Command(
      name = "status",
      description =
          "Per node: sshd, the containers the kubelet simulator runs, etcd health, and the data dir etcd really uses. Exit 1 when something is down.")
  static final class Status extends DirOption implements Callable<Integer> {
    @Override
    public Integer call() {
      return lab().status() ? 0 : 1;
    }
  }

  @Command(
      name = "seed",
      description =
          "Write Kubernetes-like keys under /registry/ (namespaces, configmaps, pods, secrets).")
  static final class Seed extends DirOption implements Callable<Integer> {
    @Option(
        names = "--keys",
        defaultValue = "1000",
        description = "How many keys (default ${DEFAULT-VALUE}).")
    int keys;

    @Option(
        names = "--value-bytes",
        defaultValue = "256",
        description =
            "Filler bytes per value (default ${DEFAULT-VALUE}); large values make large DBs.")
    int valueBytes;

    @Override
    public Integer call() {
      Lab lab = lab();
      if (!LabState.exists(lab.dir())) {
        throw LabException.badInput("no lab in " + lab.dir() + ": run `lab up` first");
      }
      Seeder.seed(
          LabState.read(lab.dir()), lab.dir(), keys, valueBytes, spec.commandLine().getOut());
      return 0;
    }
  }
}

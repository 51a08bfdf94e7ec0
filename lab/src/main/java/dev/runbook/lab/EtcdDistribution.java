package dev.runbook.lab;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where a lab node's etcd binaries come from. 3.4 is the system's apt package (Debian bookworm).
 * The others come from a newer Debian suite's etcd-server and etcd-client packages, fetched with
 * {@code apt-get download} through a private apt state (the system's sources and package lists are
 * not touched) and unpacked with {@code dpkg -x} into the lab cache: never installed over the
 * system's etcd. 3.5 is Debian trixie's (3.5.16); 3.5.30 is Debian unstable's, the newest 3.5
 * Debian carries.
 */
record EtcdDistribution(String version, Path binDir) {

  /** The lab's etcd versions: a minor (any patch the suite ships) or one exact version. */
  static final List<String> SUPPORTED = List.of("3.4", "3.5", "3.5.30");

  /** The Debian suite each fetched lab version comes from. */
  private static final Map<String, String> SUITES = Map.of("3.5", "trixie", "3.5.30", "unstable");

  private static final Pattern VERSION = Pattern.compile("etcd Version: (\\d+\\.\\d+\\.\\d+)");

  Path etcdctl() {
    return binDir.resolve("etcdctl");
  }

  /**
   * Whether etcd {@code version} is lab version {@code labVersion}: the exact version when the lab
   * version names one, else a patch of the minor that no other lab version names exactly (so that
   * 3.5 stays trixie's 3.5.16 with unstable's 3.5.30 in the same cache).
   */
  static boolean provides(String labVersion, String version) {
    if (labVersion.equals(version)) {
      return true;
    }
    return version.startsWith(labVersion + ".") && !SUPPORTED.contains(version);
  }

  static EtcdDistribution resolve(String minor, Path cacheDir, PrintWriter out) {
    if (!SUPPORTED.contains(minor)) {
      throw LabException.badInput(
          "unknown etcd version '" + minor + "': the lab runs " + String.join(" or ", SUPPORTED));
    }
    if (minor.equals("3.4")) {
      Path bin = Path.of("/usr/bin");
      if (!Files.isExecutable(bin.resolve("etcd")) || !Files.isExecutable(bin.resolve("etcdctl"))) {
        throw LabException.badInput(
            "etcd 3.4 is not installed: run `apt-get install etcd-server etcd-client` (Debian bookworm ships 3.4)");
      }
      String version = versionOf(bin.resolve("etcd"));
      if (!provides("3.4", version)) {
        throw LabException.badInput(
            "the system's etcd is "
                + version
                + ", not 3.4: the lab's 3.4 is Debian bookworm's etcd-server package");
      }
      return new EtcdDistribution(version, bin);
    }
    // Labs brought up at once (parallel tests) on a fresh machine would otherwise fetch into the
    // same download dir together; the second one finds the first one's copy.
    Path cached =
        HostLock.holding(
            cacheDir.resolve(".lock"),
            () -> {
              Path found = findCached(cacheDir, minor);
              return found != null ? found : fetch(cacheDir, minor, out);
            });
    return new EtcdDistribution(versionOf(cached.resolve("etcd")), cached);
  }

  static String versionOf(Path etcd) {
    Exec.Result r = Exec.run(List.of(etcd.toString(), "--version"));
    Matcher m = VERSION.matcher(r.output());
    if (!r.ok() || !m.find()) {
      throw LabException.badInput(
          etcd + " --version did not answer with a version: " + r.output().strip());
    }
    return m.group(1);
  }

  private static Path findCached(Path cacheDir, String minor) {
    if (!Files.isDirectory(cacheDir)) {
      return null;
    }
    try (Stream<Path> dirs = Files.list(cacheDir)) {
      return dirs.filter(
              d -> {
                String name = d.getFileName().toString();
                return name.startsWith("etcd-") && provides(minor, name.substring(5));
              })
          .map(d -> d.resolve("usr/bin"))
          .filter(
              b ->
                  Files.isExecutable(b.resolve("etcd")) && Files.isExecutable(b.resolve("etcdutl")))
          .sorted()
          .reduce((a, b) -> b)
          .orElse(null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path fetch(Path cacheDir, String minor, PrintWriter out) {
    String suite = SUITES.get(minor);
    out.printf(
        "Fetching etcd %s from Debian %s (apt-get download, unpacked with dpkg -x into %s)%n",
        minor, suite, cacheDir);
    out.flush();
    Path apt = cacheDir.resolve("apt-" + suite);
    Path work = cacheDir.resolve("download.part");
    try {
      deleteTree(work);
      Files.createDirectories(apt.resolve("lists/partial"));
      Files.createDirectories(apt.resolve("cache/archives/partial"));
      Files.createDirectories(work);
      Path sources = apt.resolve("sources.list");
      Files.writeString(sources, AptSources.debianLine(suite) + "\n");
      List<String> aptOptions =
          List.of(
              "-o",
              "Dir::Etc::sourcelist=" + sources,
              "-o",
              "Dir::Etc::sourceparts=-",
              "-o",
              "Dir::State::Lists=" + apt.resolve("lists"),
              "-o",
              "Dir::Cache=" + apt.resolve("cache"),
              "-o",
              "APT::Get::List-Cleanup=0",
              "-o",
              "APT::Sandbox::User=root");
      aptGet(
          aptOptions,
          work,
          List.of("update"),
          "cannot read Debian " + suite + "'s package lists (needed for etcd " + minor + ")");
      aptGet(
          aptOptions,
          work,
          List.of("download", "etcd-server", "etcd-client"),
          "cannot download etcd-server and etcd-client from Debian " + suite);
      Path unpacked = work.resolve("root");
      try (Stream<Path> debs = Files.list(work)) {
        for (Path deb : debs.filter(p -> p.toString().endsWith(".deb")).toList()) {
          Exec.check(
              "unpacking " + deb.getFileName(),
              List.of("dpkg", "-x", deb.toString(), unpacked.toString()));
        }
      }
      String version = versionOf(unpacked.resolve("usr/bin/etcd"));
      if (!provides(minor, version)) {
        // unstable moves on: a pinned version it no longer ships is named, not replaced.
        throw LabException.badInput(
            "Debian "
                + suite
                + " ships etcd "
                + version
                + ", not "
                + minor
                + "; nothing was cached");
      }
      Path target = cacheDir.resolve("etcd-" + version);
      deleteTree(target);
      Files.move(unpacked, target);
      deleteTree(work);
      out.printf("etcd %s cached in %s%n", version, target);
      return target.resolve("usr/bin");
    } catch (IOException e) {
      throw new LabException(
          LabException.FAILED, "fetching etcd " + minor + " failed: " + e.getMessage(), e);
    }
  }

  private static void aptGet(List<String> options, Path dir, List<String> args, String failure) {
    List<String> cmd = new ArrayList<>(List.of("apt-get", "-q"));
    cmd.addAll(options);
    cmd.addAll(args);
    Exec.Result r = Exec.run(cmd, dir, Map.of(), 300);
    if (!r.ok()) {
      throw LabException.badInput(failure + ":\n" + r.output().strip());
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}

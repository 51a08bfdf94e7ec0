package dev.runbook.engine.internal.run;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server from Debian's packages, in a temp dir, on 127.0.0.1 and a free port, run
 * as the postgres user (initdb refuses root). Stopped and removed by {@link #close()}.
 */
final class Postgres implements AutoCloseable {

  private final Path dir;
  private final Path bin;
  final int port;

  private Postgres(Path dir, Path bin, int port) {
    this.dir = dir;
    this.bin = bin;
    this.port = port;
  }

  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=runbook";
  }

  static Postgres start() throws IOException, InterruptedException {
    Path bin;
    try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      bin =
          versions
              .map(v -> v.resolve("bin"))
              .filter(b -> Files.isExecutable(b.resolve("initdb")))
              .max(Comparator.naturalOrder())
              .orElseThrow(
                  () -> new IllegalStateException("no PostgreSQL server: run scripts/setup"));
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IllegalStateException("no PostgreSQL server installed: run scripts/setup", e);
    }
    Path dir = Files.createTempDirectory("runbook-pg-");
    run("chown", "postgres:postgres", dir.toString());
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    Postgres pg = new Postgres(dir, bin, port);
    pg.asPostgres(
        bin.resolve("initdb").toString(),
        "-D",
        dir.resolve("data").toString(),
        "-A",
        "trust",
        "-U",
        "runbook",
        "--no-sync",
        "-E",
        "UTF8");
    pg.asPostgres(
        bin.resolve("pg_ctl").toString(),
        "-D",
        dir.resolve("data").toString(),
        "-w",
        "-l",
        dir.resolve("log").toString(),
        "-o",
        "-h 127.0.0.1 -p " + port + " -k " + dir + " -c fsync=off",
        "start");
    return pg;
  }

  private void asPostgres(String... cmd) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
    full.addAll(List.of(cmd));
    run(full.toArray(String[]::new));
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + out);
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    asPostgres(
        bin.resolve("pg_ctl").toString(),
        "-D",
        dir.resolve("data").toString(),
        "-m",
        "fast",
        "-w",
        "stop");
    run("rm", "-rf", "--", dir.toString());
  }
}

package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.RunbookInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduled runs in deploy/systemd: systemd itself accepts every unit, and every service runs a
 * runbook the engine ships with parameters that runbook declares, from settings the example
 * environment file defines.
 */
class SystemdUnitsTest {

  static final Path UNITS = Path.of("..", "deploy", "systemd").toAbsolutePath().normalize();
  static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)}");

  @TempDir Path tmp;

  @Test
  void systemdAcceptsEveryUnitWithoutAWarning() throws Exception {
    // An offline root: the units, systemd's own (their targets), and the launcher they start.
    Path root = tmp.resolve("root");
    Path system = Files.createDirectories(root.resolve("etc/systemd/system"));
    Path own = Files.createDirectories(root.resolve("usr/lib/systemd"));
    copyTree(Path.of("/lib/systemd/system"), own.resolve("system"));
    Path launcher = Files.createDirectories(root.resolve("usr/local/bin")).resolve("runbook");
    Files.writeString(launcher, "#!/bin/sh\n");
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
    List<String> command = new ArrayList<>(List.of("systemd-analyze", "verify", "--root=" + root));
    for (Path unit : units()) {
      Files.copy(unit, system.resolve(unit.getFileName()));
      command.add("/etc/systemd/system/" + unit.getFileName());
    }
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out).as("systemd-analyze's warnings").isEmpty();
  }

  @Test
  void everyServiceRunsAShippedRunbookWithItsDeclaredParameters() throws IOException {
    Map<String, String> env = environment(UNITS.resolve("runbook.env.example"));
    Map<String, RunbookInfo> shipped = new LinkedHashMap<>();
    RunbookEngine.list(EngineOptions.of(tmp.resolve("home"))).forEach(r -> shipped.put(r.id(), r));
    List<Path> services = units().stream().filter(u -> u.toString().endsWith(".service")).toList();
    assertThat(services).hasSizeGreaterThanOrEqualTo(2);
    for (Path service : services) {
      String exec =
          Files.readAllLines(service).stream()
              .filter(l -> l.startsWith("ExecStart="))
              .findFirst()
              .orElseThrow()
              .substring("ExecStart=".length());
      Matcher v = VARIABLE.matcher(exec);
      while (v.find()) {
        assertThat(env)
            .as("%s uses ${%s}", service.getFileName(), v.group(1))
            .containsKey(v.group(1));
      }
      List<String> args = List.of(v.replaceAll(m -> env.get(m.group(1))).split(" "));
      assertThat(args.get(0)).isEqualTo("/usr/local/bin/runbook");
      String id = args.get(args.indexOf("run") + 1);
      assertThat(shipped).as(service.getFileName().toString()).containsKey(id);
      assertThat(service.getFileName().toString()).isEqualTo("runbook-" + id + ".service");
      assertThat(args).contains("-i", "--as", "--sign-key", "--home");
      Map<String, String> given = new LinkedHashMap<>();
      for (int i = 0; i < args.size() - 1; i++) {
        if (args.get(i).equals("-p")) {
          String[] kv = args.get(i + 1).split("=", 2);
          given.put(kv[0], kv[1]);
        }
      }
      for (RunbookInfo.Parameter p : shipped.get(id).parameters()) {
        if (p.required() && p.defaultValue() == null) {
          assertThat(given).as("%s: required parameter", id).containsKey(p.name());
        }
      }
      assertThat(shipped.get(id).parameters().stream().map(RunbookInfo.Parameter::name))
          .as("%s: declared parameters", id)
          .containsAll(given.keySet());
      assertThat(units()).as("its timer").contains(UNITS.resolve("runbook-" + id + ".timer"));
    }
  }

  private static List<Path> units() throws IOException {
    try (Stream<Path> s = Files.list(UNITS)) {
      return s.filter(p -> p.toString().matches(".*\\.(service|timer)")).sorted().toList();
    }
  }

  /** NAME=value lines; comments and blank lines skipped, as systemd's EnvironmentFile= reads. */
  private static Map<String, String> environment(Path file) throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] kv = line.split("=", 2);
      assertThat(kv).as(line).hasSize(2);
      assertThat(kv[1])
          .as("%s: no spaces (the services pass it as one argument)", kv[0])
          .doesNotContain(" ");
      env.put(kv[0], kv[1]);
    }
    return env;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isSymbolicLink(p)) {
          // Aliases (dbus-org.*.service and such): the verification needs none of them.
          continue;
        }
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}

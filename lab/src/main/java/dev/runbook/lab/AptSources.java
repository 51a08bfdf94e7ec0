package dev.runbook.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds the Debian archive this machine's apt already uses, so the lab fetches a newer suite's
 * package from the same place (and with the same keyring) instead of naming a mirror of its own.
 */
final class AptSources {
  private static final String KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";

  private AptSources() {}

  /**
   * A one-line sources.list entry for {@code suite}'s main component on the system's Debian
   * archive.
   */
  static String debianLine(String suite) {
    String uri = systemDebianUri();
    if (uri == null) {
      throw LabException.badInput(
          "cannot find a Debian archive in /etc/apt/sources.list or /etc/apt/sources.list.d: the lab fetches etcd 3.5 from Debian "
              + suite
              + " through it");
    }
    return "deb [signed-by=" + KEYRING + "] " + uri + " " + suite + " main";
  }

  private static String systemDebianUri() {
    String codename = osCodename();
    try {
      Path list = Path.of("/etc/apt/sources.list");
      if (Files.isReadable(list)) {
        String uri = fromOneLineFormat(Files.readAllLines(list), codename);
        if (uri != null) {
          return uri;
        }
      }
      Path parts = Path.of("/etc/apt/sources.list.d");
      if (Files.isDirectory(parts)) {
        try (Stream<Path> files = Files.list(parts)) {
          for (Path f : files.sorted().toList()) {
            String name = f.getFileName().toString();
            String uri =
                name.endsWith(".sources")
                    ? fromDeb822(Files.readString(f), codename)
                    : name.endsWith(".list")
                        ? fromOneLineFormat(Files.readAllLines(f), codename)
                        : null;
            if (uri != null) {
              return uri;
            }
          }
        }
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }

  static String fromOneLineFormat(List<String> lines, String codename) {
    for (String line : lines) {
      String l = line.replaceAll("\\[[^]]*]", " ").strip();
      String[] f = l.split("\\s+");
      if (f.length >= 3 && f[0].equals("deb") && f[2].equals(codename)) {
        return f[1];
      }
    }
    return null;
  }

  static String fromDeb822(String text, String codename) {
    for (String stanza : text.split("\\n\\s*\\n")) {
      String uris = null;
      boolean suiteMatches = false;
      boolean debs = false;
      for (String line : stanza.split("\\n")) {
        if (line.startsWith("URIs:")) {
          uris = line.substring(5).strip().split("\\s+")[0];
        } else if (line.startsWith("Suites:")) {
          suiteMatches = List.of(line.substring(7).strip().split("\\s+")).contains(codename);
        } else if (line.startsWith("Types:")) {
          debs = List.of(line.substring(6).strip().split("\\s+")).contains("deb");
        }
      }
      if (uris != null && suiteMatches && debs) {
        return uris;
      }
    }
    return null;
  }

  private static String osCodename() {
    try {
      for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
        if (line.startsWith("VERSION_CODENAME=")) {
          return line.substring("VERSION_CODENAME=".length()).replace("\"", "");
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return "bookworm";
  }
}

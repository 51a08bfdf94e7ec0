package dev.runbook.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AptSourcesTest {

  @Test
  void findsTheArchiveOfTheSystemSuiteInDeb822() {
    String sources =
        """
        Types: deb
        URIs: http://mirror.example/debian
        Suites: bookworm bookworm-updates
        Components: main

        Types: deb
        URIs: http://mirror.example/debian-security
        Suites: bookworm-security
        Components: main
        """;
    assertThat(AptSources.fromDeb822(sources, "bookworm"))
        .isEqualTo("http://mirror.example/debian");
    assertThat(AptSources.fromDeb822(sources, "trixie")).isNull();
    assertThat(
            AptSources.fromDeb822(
                sources.replace(
                    "Types: deb\nURIs: http://mirror.example/debian\n",
                    "Types: deb-src\nURIs: http://mirror.example/debian\n"),
                "bookworm"))
        .isNull();
  }

  @Test
  void findsTheArchiveInOneLineFormat() {
    List<String> lines =
        List.of(
            "# comment",
            "deb [signed-by=/k.gpg] http://mirror.example/debian-security bookworm-security main",
            "deb http://mirror.example/debian bookworm main");
    assertThat(AptSources.fromOneLineFormat(lines, "bookworm"))
        .isEqualTo("http://mirror.example/debian");
  }
}

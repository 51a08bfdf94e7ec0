package dev.runbook.engine.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class InventoryInitRequestTest {

  private static InventoryInit.Request of(String ssh) {
    return InventoryInit.Request.of(ssh, 22, Path.of("/k"), Path.of("/kh"), null);
  }

  @Test
  void userAtHostIsSplitAndBracketsAroundIpv6Dropped() {
    assertThat(of("root@10.0.0.10").user()).isEqualTo("root");
    assertThat(of("root@10.0.0.10").host()).isEqualTo("10.0.0.10");
    assertThat(of("ops_1@cp-1.example.com").host()).isEqualTo("cp-1.example.com");
    assertThat(of("root@[fd00::10]").host()).isEqualTo("fd00::10");
  }

  @Test
  void anythingElseIsBadInputNamingWhatWasGiven() {
    for (String bad :
        new String[] {
          "",
          "10.0.0.10",
          "root@",
          "@host",
          "root@host:22",
          "root@a b",
          "root@$(id)",
          "a@b@c",
          "root@-oProxyCommand=x",
          "root@host;rm"
        }) {
      assertThatThrownBy(() -> of(bad))
          .as(bad)
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("--ssh must be USER@HOST")
          .hasMessageContaining("'" + bad + "'");
    }
    assertThatThrownBy(
            () -> InventoryInit.Request.of("root@h", 0, Path.of("/k"), Path.of("/kh"), null))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("--port");
    assertThatThrownBy(
            () -> InventoryInit.Request.of("root@h", 22, Path.of("/k"), Path.of("/kh"), "-x y"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("--cluster");
  }
}

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

  @Test
  void externalTakesAServiceNameAndNamedOrBareControlPlanes() {
    InventoryInit.Request r =
        of("root@10.0.0.11").external("etcd", java.util.List.of("cp-1=10.0.0.21", "cp-2.example"));
    assertThat(r.external().unit()).isEqualTo("etcd.service");
    assertThat(r.external().controlPlane())
        .containsExactly(
            new Inventory.ControlPlane("cp-1", "10.0.0.21", null),
            new Inventory.ControlPlane("cp-2.example", "cp-2.example", null));
    assertThat(of("root@h").external()).isNull();
  }

  @Test
  void externalRefusesNoControlPlaneABadOneOrABadUnitNamingWhatWasGiven() {
    InventoryInit.Request r = of("root@10.0.0.11");
    assertThatThrownBy(() -> r.external(null, java.util.List.of()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("--control-plane cp-1=10.0.0.21");
    for (String bad :
        new String[] {"cp-1=", "=10.0.0.1", "cp 1=h", "cp-1=-oProxyCommand=x", "a=$(id)"}) {
      assertThatThrownBy(() -> r.external(null, java.util.List.of(bad)))
          .as(bad)
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("--control-plane must be NAME=HOST or HOST")
          .hasMessageContaining("'" + bad + "'");
    }
    assertThatThrownBy(() -> r.external(null, java.util.List.of("cp-1=h1", "cp-1=h2")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("given twice");
    assertThatThrownBy(() -> r.external("etcd;id", java.util.List.of("cp-1=h1")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("--unit must be a systemd service name");
  }
}

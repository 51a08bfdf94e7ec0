package dev.runbook.lab;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Two labs up at once, each in its own loopback block, each healthy; one going down spares the
 * other.
 */
class LabsSideBySideIT {

  @Test
  void twoLabsRunAtOnceAndStatusListsBoth() throws Exception {
    try (LabFixture first = LabFixture.up(1, "3.4")) {
      LabFixture second = LabFixture.up(3, "3.5");
      try {
        assertThat(second.block()).isNotEqualTo(first.block());
        assertThat(second.address(1)).startsWith("127." + second.block() + ".0.");
        assertThat(first.healthy(1)).isTrue();
        for (int n = 1; n <= 3; n++) {
          assertThat(second.healthy(n)).as("second lab, node %d", n).isTrue();
        }
        // Each lab's data is its own.
        first.put(1, Lab.MARKER_KEY, "first");
        second.put(1, Lab.MARKER_KEY, "second");
        assertThat(first.get(1, Lab.MARKER_KEY)).isEqualTo("first");
        assertThat(second.get(2, Lab.MARKER_KEY)).isEqualTo("second");
        // Each node answers SSH on its own address with its own host key.
        assertThat(first.ssh(1, "cat /etc/hostname 2>/dev/null; echo ok").output()).contains("ok");
        assertThat(second.ssh(3, "echo ok").output()).contains("ok");

        // The kernel hands a dead node's namespace number to the next namespace made; a node's
        // processes are those in its namespace that also see its /var/lib, never another's.
        LabState.NodeState real = LabState.read(second.dir).nodes().get(0);
        LabState.NodeState reused =
            new LabState.NodeState(
                real.name(),
                real.address(),
                real.pid(),
                real.mountNamespace(),
                LabState.read(first.dir).nodes().get(0).varLib());
        assertThat(Processes.ofNode(real)).isNotEmpty();
        assertThat(Processes.ofNode(reused)).isEmpty();
        assertThat(Processes.isRunning(reused)).isFalse();

        LabFixture.Output status = LabFixture.lab("status", "--dir", first.dir.toString());
        assertThat(status.exitCode()).as(status.out() + status.err()).isZero();
        assertThat(status.out())
            .contains("Lab in " + first.dir)
            .contains("Other labs on this machine")
            .contains(second.dir.toString())
            .contains(second.address(1) + "-13");
      } finally {
        second.close();
      }
      // The first lab lives on, and no longer lists the second.
      assertThat(first.healthy(1)).isTrue();
      LabFixture.Output status = LabFixture.lab("status", "--dir", first.dir.toString());
      assertThat(status.out()).doesNotContain(second.dir.toString());
    }
  }
}

package dev.runbook.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loopback-block registry on a registry dir of the test's own. */
class LabBlocksTest {

  @TempDir Path tmp;

  private static final IntFunction<List<String>> NOTHING_LISTENS = n -> List.of();

  private LabBlocks blocks() {
    return new LabBlocks(tmp.resolve("registry"));
  }

  /** What {@code lab up} does inside the lock: the dir and a lab.json naming the block. */
  private static IntConsumer writesState(Path dir) {
    return n -> {
      try {
        Files.createDirectories(dir);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      new LabState("3.4.23", "/usr/bin", 2222, n, List.of()).write(dir);
    };
  }

  @Test
  void labsTakeTheLowestFreeBlocksAndEachOneIsListed() {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    assertThat(blocks().claim(a, null, NOTHING_LISTENS, writesState(a))).isEqualTo(1);
    assertThat(blocks().claim(b, null, NOTHING_LISTENS, writesState(b))).isEqualTo(2);
    assertThat(blocks().claims())
        .containsExactly(new LabBlocks.Claim(1, a), new LabBlocks.Claim(2, b));
    assertThat(LabState.read(b).block()).isEqualTo(2);
  }

  @Test
  void aBlockWhereSomethingElseListensIsSkipped() {
    Path a = tmp.resolve("a");
    IntFunction<List<String>> squatted = n -> n == 1 ? List.of("127.1.0.11:2222") : List.of();
    assertThat(blocks().claim(a, null, squatted, writesState(a))).isEqualTo(2);
  }

  @Test
  void aWantedBlockHeldByALabOrSquattedIsRefusedNamingWhy() {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    blocks().claim(a, 7, NOTHING_LISTENS, writesState(a));
    assertThatThrownBy(() -> blocks().claim(b, 7, NOTHING_LISTENS, writesState(b)))
        .isInstanceOf(LabException.class)
        .hasMessageContaining("block 7 (127.7.0.x) is held by the lab in " + a);
    assertThatThrownBy(() -> blocks().claim(b, 8, n -> List.of("127.8.0.12:2380"), writesState(b)))
        .isInstanceOf(LabException.class)
        .hasMessageContaining("already in use: 127.8.0.12:2380");
    assertThat(b).doesNotExist();
  }

  @Test
  void aClaimWhoseLabIsGoneOrMovedOnFreesItsBlock() throws Exception {
    Path a = tmp.resolve("a");
    blocks().claim(a, null, NOTHING_LISTENS, writesState(a));
    // The dir went away without `lab down` tidying the registry (killed during down).
    Files.delete(a.resolve(LabState.FILE));
    Path b = tmp.resolve("b");
    assertThat(blocks().claim(b, null, NOTHING_LISTENS, writesState(b))).isEqualTo(1);
    // A lab.json naming another block does not hold this one either.
    Path c = tmp.resolve("c");
    blocks().claim(c, null, NOTHING_LISTENS, writesState(c));
    new LabState("3.4.23", "/usr/bin", 2222, 9, List.of()).write(c);
    assertThat(blocks().claims()).containsExactly(new LabBlocks.Claim(1, b));
  }

  @Test
  void onlyTheHolderReleasesABlock() {
    Path a = tmp.resolve("a");
    int n = blocks().claim(a, null, NOTHING_LISTENS, writesState(a));
    blocks().release(n, tmp.resolve("someone-else"));
    assertThat(blocks().claims()).containsExactly(new LabBlocks.Claim(n, a));
    blocks().release(n, a);
    assertThat(blocks().claims()).isEmpty();
  }

  @Test
  void labsBroughtUpAtOnceGetDistinctBlocks() throws Exception {
    int labs = 8;
    CountDownLatch go = new CountDownLatch(1);
    Set<Integer> taken = ConcurrentHashMap.newKeySet();
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < labs; i++) {
      Path dir = tmp.resolve("lab-" + i);
      Thread t =
          new Thread(
              () -> {
                try {
                  go.await();
                  taken.add(
                      new LabBlocks(tmp.resolve("registry"))
                          .claim(dir, null, NOTHING_LISTENS, writesState(dir)));
                } catch (Throwable e) {
                  failures.add(e);
                }
              });
      t.start();
      threads.add(t);
    }
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failures).isEmpty();
    assertThat(taken).hasSize(labs).allMatch(n -> n >= 1 && n <= labs);
  }
}

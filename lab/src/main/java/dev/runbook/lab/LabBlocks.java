package dev.runbook.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;

/**
 * Which loopback block each lab on this machine holds. Lab number N owns 127.N.0.0/24 (its nodes
 * are 127.N.0.11, .12, ...), so a user's lab, the drill's lab and every test's lab run side by
 * side. The whole of 127.0.0.0/8 reaches the loopback interface on Linux, so a block needs no
 * setup.
 *
 * <p>A claim is a file {@code block-N} in the registry naming the lab dir. It holds for as long as
 * that dir's {@code lab.json} names block N; {@link #claim} writes the lab.json inside the
 * registry's lock, so a lab being brought up is never mistaken for a stale claim, and a lab whose
 * dir is gone (a crash after {@code lab down} removed it) frees its block by itself. The lock is a
 * {@link HostLock}, so it holds across the JVMs of parallel tests and the shell's {@code lab}
 * commands.
 */
final class LabBlocks {

  /** Fixed on purpose: labs avoid each other only if every lab on the machine uses the same one. */
  static final Path REGISTRY = Path.of("/tmp/runbook-labs");

  static final int FIRST = 1;
  static final int LAST = 254;

  /** One lab's claim as the registry has it. */
  record Claim(int block, Path dir) {}

  private final Path registry;

  LabBlocks(Path registry) {
    this.registry = registry;
  }

  static LabBlocks machine() {
    return new LabBlocks(REGISTRY);
  }

  /**
   * Claims a block for {@code dir}: {@code wanted} when given, else the lowest one no lab holds and
   * where {@code taken} finds nothing else listening (it lists the addresses and ports in use).
   * {@code create} runs inside the lock with the chosen block and must write the lab's {@code
   * lab.json} naming it.
   *
   * @throws LabException bad input when {@code wanted} is held or not usable, or no block is free
   */
  int claim(Path dir, Integer wanted, IntFunction<List<String>> taken, IntConsumer create) {
    return locked(
        () -> {
          if (wanted != null) {
            Optional<Claim> holder = holder(wanted);
            if (holder.isPresent()) {
              throw LabException.badInput(
                  "block %d (127.%d.0.x) is held by the lab in %s: choose another --block, or leave it out to take a free one"
                      .formatted(wanted, wanted, holder.get().dir()));
            }
            List<String> busy = taken.apply(wanted);
            if (!busy.isEmpty()) {
              throw LabException.badInput(
                  "already in use: %s (not by a lab: choose another --block, or leave it out to take a free one)"
                      .formatted(String.join(", ", busy)));
            }
            return take(wanted, dir, create);
          }
          for (int n = FIRST; n <= LAST; n++) {
            if (holder(n).isEmpty() && taken.apply(n).isEmpty()) {
              return take(n, dir, create);
            }
          }
          throw LabException.badInput(
              "no free loopback block for another lab (all of 127.%d.0.x to 127.%d.0.x are held): see `lab status`"
                  .formatted(FIRST, LAST));
        });
  }

  /** Frees {@code block} if {@code dir} holds it; a claim of another lab is left alone. */
  void release(int block, Path dir) {
    locked(
        () -> {
          Path file = file(block);
          if (claimedDir(file).map(dir::equals).orElse(false)) {
            Files.deleteIfExists(file);
          }
          return null;
        });
  }

  /** Every lab that holds a block now, lowest block first. */
  List<Claim> claims() {
    return locked(
        () -> {
          List<Claim> all = new ArrayList<>();
          for (int n = FIRST; n <= LAST; n++) {
            holder(n).ifPresent(all::add);
          }
          return all;
        });
  }

  private int take(int n, Path dir, IntConsumer create) throws IOException {
    create.accept(n);
    Path tmp = registry.resolve("block-" + n + ".tmp");
    Files.writeString(tmp, dir + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, file(n), StandardCopyOption.REPLACE_EXISTING);
    return n;
  }

  private Optional<Claim> holder(int n) {
    return claimedDir(file(n))
        .filter(d -> LabState.exists(d) && readBlock(d) == n)
        .map(d -> new Claim(n, d));
  }

  private static int readBlock(Path dir) {
    try {
      return LabState.read(dir).block();
    } catch (LabException e) {
      return -1;
    }
  }

  private static Optional<Path> claimedDir(Path file) {
    try {
      return Files.isRegularFile(file)
          ? Optional.of(Path.of(Files.readString(file, StandardCharsets.UTF_8).strip()))
          : Optional.empty();
    } catch (IOException | InvalidPathException e) {
      return Optional.empty();
    }
  }

  private Path file(int n) {
    return registry.resolve("block-" + n);
  }

  private <T> T locked(HostLock.Body<T> body) {
    return HostLock.holding(registry.resolve(".lock"), body);
  }
}

package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RunbookError;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * Does the same work on every member at once, one thread per member, and returns only when every
 * member's work has ended: a step that uses it keeps its barrier (nothing after it starts while a
 * member is still at work). Each member has its own SSH connection, and the engine records each
 * command in evidence as it is sent and as it ends, in one fsync'd sequence whatever the thread.
 *
 * <p>A member's failure does not cut the others short (an SSH command broken off half way leaves
 * its outcome unknown): they finish, then the first failure in inventory order is thrown, with the
 * others attached as suppressed exceptions. Steps that use this must therefore be safe to run again
 * for members that did finish, as the restore steps already are after a crash.
 */
final class EachMember {

  /** How often a wait's progress is reported while no member finishes. */
  static final Duration TICK = Duration.ofSeconds(1);

  private EachMember() {}

  /**
   * @return each member's result by member name, in the order of {@code members}
   */
  static <T> Map<String, T> inParallel(
      List<Inventory.Member> members, Function<Inventory.Member, T> work) {
    return inParallel(members, work, null);
  }

  /**
   * Like {@link #inParallel(List, Function)}, and while the members work, tells {@code tick} how
   * many have finished: at once, about every {@link #TICK}, and as each one finishes. For waits
   * whose progress the console shows; the ticks come from the calling thread.
   */
  static <T> Map<String, T> inParallel(
      List<Inventory.Member> members, Function<Inventory.Member, T> work, IntConsumer tick) {
    Map<String, T> results = new LinkedHashMap<>();
    if (members.isEmpty() || (members.size() == 1 && tick == null)) {
      members.forEach(m -> results.put(m.name(), work.apply(m)));
      return results;
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            members.size(),
            r -> {
              Thread t = new Thread(r, Thread.currentThread().getName() + "-member");
              t.setDaemon(true);
              return t;
            });
    List<Future<T>> futures = new ArrayList<>();
    try {
      for (Inventory.Member m : members) {
        Callable<T> task = () -> work.apply(m);
        futures.add(pool.submit(task));
      }
      RuntimeException failure = null;
      if (tick != null) {
        tick.accept(0);
      }
      for (int i = 0; i < members.size(); i++) {
        try {
          results.put(members.get(i).name(), await(futures, i, tick));
        } catch (ExecutionException e) {
          RuntimeException f = unchecked(e.getCause());
          if (failure == null) {
            failure = f;
          } else {
            failure.addSuppressed(f);
          }
        }
      }
      if (failure != null) {
        throw failure;
      }
      return results;
    } catch (InterruptedException e) {
      // The engine is stopping: the members' commands get the interrupt too, and end.
      pool.shutdownNow();
      awaitUninterruptibly(pool);
      Thread.currentThread().interrupt();
      throw new RunbookError(ErrorCode.STEP_FAILED, "interrupted while working on every member");
    } finally {
      pool.shutdownNow();
    }
  }

  private static <T> T await(List<Future<T>> futures, int i, IntConsumer tick)
      throws InterruptedException, ExecutionException {
    if (tick == null) {
      return futures.get(i).get();
    }
    while (true) {
      try {
        T result = futures.get(i).get(TICK.toMillis(), TimeUnit.MILLISECONDS);
        tick.accept((int) futures.stream().filter(Future::isDone).count());
        return result;
      } catch (TimeoutException e) {
        tick.accept((int) futures.stream().filter(Future::isDone).count());
      }
    }
  }

  private static RuntimeException unchecked(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(t);
  }

  private static void awaitUninterruptibly(ExecutorService pool) {
    boolean interrupted = false;
    while (true) {
      try {
        if (pool.awaitTermination(1, TimeUnit.MINUTES)) {
          break;
        }
      } catch (InterruptedException again) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}

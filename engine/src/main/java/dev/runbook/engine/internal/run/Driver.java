package dev.runbook.engine.internal.run;

/**
 * Which job this thread executes now. Jobs are executed by the CLI process itself (the job executor
 * is off), one at a time, so a thread-local is enough for the step delegate to know its job (the
 * identity of an attempt across crashes).
 */
final class Driver {

  private static final ThreadLocal<String> CURRENT_JOB = new ThreadLocal<>();

  private Driver() {}

  static String currentJob() {
    String id = CURRENT_JOB.get();
    if (id == null) {
      throw new IllegalStateException("a step ran outside of the engine's driver");
    }
    return id;
  }

  static void runJob(String jobId, Runnable r) {
    CURRENT_JOB.set(jobId);
    try {
      r.run();
    } finally {
      CURRENT_JOB.remove();
    }
  }
}

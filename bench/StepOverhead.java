// Benchmark (issue 3): what the engine adds per step. Run by bench/step-overhead with the
// runbook jar on the class path: java -cp cli/target/runbook.jar bench/StepOverhead.java LABDIR WORKDIR
//
// Baseline: the same 100 commands sent through one bare sshj session (connection made once,
// strict host keys, key auth). The engine runs a runbook of 100 READ_ONLY remoteCheck steps
// whose template renders the same command, with evidence, async continuations and the
// remote-side timeout wrapper. Both include the one SSH connect. Target: at most 10 ms per step.
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.Identity;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunbookEngine;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.Session;

public class StepOverhead {

  static final int STEPS = 100;
  static final String COMMAND = "true";
  /** The same command as the engine sends it: killed on the node at its timeout. */
  static final String WIRE = "timeout -k 5 60 sh -c 'true'";

  public static void main(String[] args) throws Exception {
    Path lab = Path.of(args[0]);
    Path work = Path.of(args[1]);
    Path runbooks = Files.createDirectories(work.resolve("runbooks"));
    Path templates = Files.createDirectories(work.resolve("templates/commands/bench"));
    Files.writeString(templates.resolve("noop.ftl"), COMMAND + "\n");
    Files.writeString(runbooks.resolve("noop-steps.bpmn"), bpmn(STEPS));
    // Paired rounds: bare and engine back to back, the figure is the median of the per-round
    // differences. This machine's SSH round trip drifts from one minute to the next by as much
    // as the engine adds, so a best-of over separate blocks would measure the drift.
    int rounds = 7;
    double[] perStep = new double[rounds];
    double[] wireCost = new double[rounds];
    double[] outside = new double[rounds];
    EngineOptions options =
        EngineOptions.of(work.resolve("home"))
            .withRunbooksDir(runbooks)
            .withTemplatesDir(work.resolve("templates"))
            .withListener(RunListener.NONE);
    long bootStart = System.nanoTime();
    try (RunbookEngine engine = RunbookEngine.open(options)) {
      System.out.printf("engine boot (in-process, H2 in a fresh home): %.0f ms%n", ms(bootStart));
      // The lab's inventory is signed: the run is started by alice, with her key.
      Identity alice = new Identity.KeyFile(lab.resolve("people/alice"), null);
      engine.start("noop-steps", lab.resolve("inventory.yaml"), Map.of(), "alice", null, alice);
      for (int round = 0; round < rounds; round++) {
        double bare = bare(lab, COMMAND, bareCommands);
        long start = System.nanoTime();
        RunOutcome o =
            engine.start("noop-steps", lab.resolve("inventory.yaml"), Map.of(), "alice", null, alice);
        double eng = ms(start);
        double wire = bare(lab, WIRE, new java.util.ArrayList<>());
        if (!o.state().name().equals("DONE")) {
          throw new IllegalStateException("run did not finish: " + o);
        }
        Path runDir = work.resolve("home/runs").resolve(o.runId());
        double commands = commandMillis(runDir);
        lastRun = runDir;
        engineSteps.addAll(stepPeriods(runDir));
        perStep[round] = (eng - bare) / STEPS;
        wireCost[round] = (wire - bare) / STEPS;
        outside[round] = (eng - commands) / STEPS;
        System.out.printf(
            "round %d: bare sshj %.1f ms per `%s`, %.1f ms per `%s`; engine %.1f ms per step, of"
                + " which %.1f ms outside its SSH commands: the engine adds %.1f ms per step%n",
            round + 1, bare / STEPS, COMMAND, wire / STEPS, WIRE, eng / STEPS, outside[round],
            perStep[round]);
      }
    }
    double added = median(perStep);
    System.out.printf(
        "median of %d paired rounds: the engine adds %.1f ms per step (target: at most 10 ms;"
            + " ratio %.2f to the target)%n",
        rounds, added, added / 10);
    System.out.printf(
        "of which the remote-side timeout wrapper (required: a timed-out command must not keep"
            + " running on the node) costs %.1f ms per command; the engine's own time outside its"
            + " SSH commands (from the run's evidence) is %.1f ms per step%n",
        median(wireCost), median(outside));
    double bareOne = middleMean(bareCommands);
    double engineOne = middleMean(engineSteps);
    System.out.printf(
        "single steps over all rounds, mean of the middle half (a few commands on this machine"
            + " take tens of ms more, and sway the sums above): bare sshj %.1f ms per command,"
            + " engine %.1f ms per step (one step's start to the next's): the engine adds %.1f ms"
            + " per step (ratio %.2f to the target)%n",
        bareOne, engineOne, engineOne - bareOne, (engineOne - bareOne) / 10);
    System.out.println("where a step's time went in the last round (from its evidence):");
    breakdown(lastRun);
  }

  static Path lastRun;
  static final java.util.List<Double> bareCommands = new java.util.ArrayList<>();
  static final java.util.List<Double> engineSteps = new java.util.ArrayList<>();

  /** The mean of the values between the first and the third quartile. */
  static double middleMean(java.util.List<Double> values) {
    java.util.List<Double> v = new java.util.ArrayList<>(values);
    java.util.Collections.sort(v);
    java.util.List<Double> middle = v.subList(v.size() / 4, v.size() - v.size() / 4);
    return middle.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  /** From each step's start to the next step's start, in ms (the evidence's resolution). */
  static java.util.List<Double> stepPeriods(Path runDir) throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    java.util.List<Double> out = new java.util.ArrayList<>();
    long previous = -1;
    for (String line : Files.readAllLines(runDir.resolve("evidence.jsonl"))) {
      com.fasterxml.jackson.databind.JsonNode r = json.readTree(line);
      if (r.path("type").asText().equals("step.started")) {
        long at = java.time.Instant.parse(r.path("at").asText()).toEpochMilli();
        if (previous >= 0) {
          out.add((double) (at - previous));
        }
        previous = at;
      }
    }
    return out;
  }

  /**
   * Where a step's time goes, in the last round's evidence (timestamps in ms, so means over 100
   * steps): between one step's end and the next one's start (the Camunda commit, the next job's
   * query and start), from a step's start to its command, the command, and from its end to the
   * step's end.
   */
  static void breakdown(Path runDir) throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    Map<String, double[]> gaps = new java.util.LinkedHashMap<>();
    String previous = null;
    long at = 0;
    for (String line : Files.readAllLines(runDir.resolve("evidence.jsonl"))) {
      com.fasterxml.jackson.databind.JsonNode r = json.readTree(line);
      String type = r.path("type").asText();
      long ts = java.time.Instant.parse(r.path("at").asText()).toEpochMilli();
      if (previous != null && !type.equals("command.output") && !previous.equals("run.started")) {
        double[] g = gaps.computeIfAbsent(previous + " -> " + type, k -> new double[2]);
        g[0] += ts - at;
        g[1]++;
      }
      if (!type.equals("command.output")) {
        previous = type;
        at = ts;
      }
    }
    gaps.forEach(
        (k, g) -> {
          if (g[1] >= STEPS - 1) {
            System.out.printf("  %-36s %5.1f ms per step%n", k, g[0] / g[1]);
          }
        });
  }

  static double median(double[] values) {
    double[] v = values.clone();
    java.util.Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /** The sum of the SSH command durations the run's evidence records. */
  static double commandMillis(Path runDir) throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    double sum = 0;
    for (String line : Files.readAllLines(runDir.resolve("evidence.jsonl"))) {
      com.fasterxml.jackson.databind.JsonNode r = json.readTree(line);
      if (r.path("type").asText().equals("command.finished")) {
        sum += r.path("durationMillis").asLong();
      }
    }
    return sum;
  }

  static double ms(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e6;
  }

  /** cp-1's address: each lab holds a loopback block of its own, so it is read, not assumed. */
  static String firstHost(Path lab) throws java.io.IOException {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("name: cp-1, host: ([0-9.]+),")
            .matcher(java.nio.file.Files.readString(lab.resolve("inventory.yaml")));
    if (!m.find()) {
      throw new IllegalStateException("no cp-1 in " + lab.resolve("inventory.yaml"));
    }
    return m.group(1);
  }

  static double bare(Path lab, String command, java.util.List<Double> each) throws Exception {
    long start = System.nanoTime();
    try (SSHClient ssh = new SSHClient()) {
      // TCP_NODELAY, as the engine sets it: without it, Nagle's algorithm alone makes the bare
      // session slower than the engine and the comparison says nothing.
      ssh.setSocketFactory(
          new javax.net.SocketFactory() {
            @Override
            public java.net.Socket createSocket() throws java.io.IOException {
              java.net.Socket s = new java.net.Socket();
              s.setTcpNoDelay(true);
              return s;
            }

            @Override
            public java.net.Socket createSocket(String h, int p) {
              throw new UnsupportedOperationException();
            }

            @Override
            public java.net.Socket createSocket(String h, int p, java.net.InetAddress l, int lp) {
              throw new UnsupportedOperationException();
            }

            @Override
            public java.net.Socket createSocket(java.net.InetAddress h, int p) {
              throw new UnsupportedOperationException();
            }

            @Override
            public java.net.Socket createSocket(
                java.net.InetAddress h, int p, java.net.InetAddress l, int lp) {
              throw new UnsupportedOperationException();
            }
          });
      ssh.loadKnownHosts(lab.resolve("known_hosts").toFile());
      ssh.connect(firstHost(lab), 2222);
      ssh.authPublickey("root", ssh.loadKeys(lab.resolve("id_ed25519").toString()));
      for (int i = 0; i < STEPS; i++) {
        long one = System.nanoTime();
        try (Session s = ssh.startSession()) {
          Session.Command c = s.exec(command);
          c.getInputStream().readAllBytes();
          c.join();
          if (c.getExitStatus() != 0) {
            throw new IllegalStateException("exit " + c.getExitStatus());
          }
        }
        each.add(ms(one));
      }
    }
    return ms(start);
  }

  static String bpmn(int steps) {
    StringBuilder tasks = new StringBuilder();
    String previous = "StartEvent_Begin";
    for (int i = 1; i <= steps; i++) {
      String id = "Task_Noop" + i;
      tasks.append(
          """
          <bpmn:sequenceFlow id="Flow_To%1$s" sourceRef="%2$s" targetRef="%1$s" />
          <bpmn:serviceTask id="%1$s" name="No-op %3$d" camunda:asyncBefore="true" camunda:delegateExpression="${remoteCheck}">
            <bpmn:documentation>Runs true on cp-1.</bpmn:documentation>
            <bpmn:extensionElements><camunda:inputOutput>
              <camunda:inputParameter name="nodes">cp-1</camunda:inputParameter>
              <camunda:inputParameter name="template">commands/bench/noop.ftl</camunda:inputParameter>
            </camunda:inputOutput></bpmn:extensionElements>
          </bpmn:serviceTask>
          """
              .formatted(id, previous, i));
      previous = id;
    }
    return """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
            xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_Bench" targetNamespace="bench">
          <bpmn:process id="noop-steps" name="No-op steps" isExecutable="true" camunda:historyTimeToLive="P1D">
            <bpmn:startEvent id="StartEvent_Begin" />
            %s
            <bpmn:sequenceFlow id="Flow_ToEnd" sourceRef="%s" targetRef="EndEvent_Done" />
            <bpmn:endEvent id="EndEvent_Done"><bpmn:extensionElements><camunda:properties><camunda:property name="outcome" value="done" /></camunda:properties></bpmn:extensionElements></bpmn:endEvent>
          </bpmn:process>
        </bpmn:definitions>
        """
        .formatted(tasks, previous);
  }
}

package dev.runbook.engine.internal.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.engine.api.CommandResult;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.OutputListener;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.Runs;
import dev.runbook.engine.api.SealedSecretException;
import dev.runbook.engine.api.Step;
import dev.runbook.engine.api.StepContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17's test: every secret shape planted in a real run (a secret parameter, and each pattern
 * in a command's output and in a failure's message), then every byte the engine wrote searched for
 * the raw secrets: the whole home with H2's database files, runs, plans, errors, the evidence
 * export (its entries unpacked too) and what reached the console (listener, stdout, stderr).
 *
 * <p>The search can fail: a non-secret parameter (the canary) is stored by the same path the secret
 * one took before sealing, and the search finds it in engine.mv.db. Each of the three guards was
 * turned off once and this test failed: with the secret parameter passed to Camunda in clear (as
 * before issue 17) and with step outputs stored unsealed, "at the gate: .../engine.mv.db holds
 * tok-...-Param (UTF-8)"; with a step's unexpected failure left unredacted, the failed job's
 * message and trace in the database held the token.
 */
class SecretsAtRestTest {

  @TempDir Path tmp;
  Path home;
  Path work;
  Path inventory;
  Path runbooks;
  final List<String> console = new CopyOnWriteArrayList<>();

  // Distinct random secret parts, so a search finds exactly the planted value.
  final String id = HexFormat.of().formatHex(java.security.SecureRandom.getSeed(6));
  final String token = "tok-" + id + "-Param";
  final String canary = "canary-" + id + "-Clear";
  final Map<String, String> shapes = new LinkedHashMap<>();

  @BeforeEach
  void setUp() throws Exception {
    home = tmp.resolve("home");
    work = Files.createDirectories(tmp.resolve("work"));
    LocalInventory.write(tmp);
    inventory = tmp.resolve("inventory.yaml");
    // The inventory's own pattern, one more shape.
    Files.writeString(
        inventory,
        Files.readString(inventory)
            + "secrets: {patterns: ['vault-ref (?<secret>[A-Za-z0-9-]{12,})']}\n");
    runbooks = Path.of(getClass().getResource("/secrets-test").toURI());
    // secret part -> the line it is planted in
    shape("pg-" + id + "-Pw", "PGPASSWORD=%s psql -h db");
    shape("aws-" + id + "-Key", "export AWS_SECRET_ACCESS_KEY=%s");
    shape("ckd" + id + "KeyData", "    client-key-data: %s");
    shape("YmFzaWM6" + id + "Basic", "Authorization: Basic %s");
    shape("url-" + id + "-Pw", "fetching https://admin:%s@backup.example/snap.db");
    shape("pass-" + id + "-Flag", "tool --pass=%s --verbose");
    shape("pw-" + id + "-Flag", "etcdctl --password=%s member list");
    shape("ectl-" + id + "-Env", "ETCDCTL_PASSWORD=%s");
    shape("user-" + id + "-Pw", "etcdctl --user root:%s get /");
    shape("bearer" + id + "Token", "Authorization: Bearer %s");
    shape("yaml-" + id + "-Setting", "password: %s");
    shape("vault-" + id + "-Custom", "vault-ref %s");
    shape("MIIEvQIBADANBg" + id + "kqhkiG9w0BAQEFAASC", "%s"); // inside a key block, below
  }

  private void shape(String secret, String line) {
    shapes.put(secret, line.formatted(secret));
  }

  /** What the node prints: every shape, a private key over several lines among them. */
  List<String> nodeOutput() {
    List<String> lines = new ArrayList<>();
    shapes.forEach(
        (secret, line) -> {
          if (line.equals(secret)) {
            lines.add("-----BEGIN PRIVATE KEY-----");
            lines.add(line);
            lines.add("-----END PRIVATE KEY-----");
          } else {
            lines.add(line);
          }
        });
    return lines;
  }

  /** Every line of every shape in one message, with the token: what a failure quotes. */
  String failureText() {
    return "it broke with " + token + "\n" + String.join("\n", nodeOutput());
  }

  /** A node that answers every command with every secret shape. */
  private final class NodeShell extends ScriptedShell {
    @Override
    public CommandResult run(String node, String command, Duration timeout, OutputListener out) {
      List<String> lines = nodeOutput();
      out.lines(node, false, lines);
      out.lines(node, true, List.of("on stderr: " + lines.get(0)));
      return new CommandResult(
          node, command, 0, String.join("\n", lines) + "\n", "", Duration.ZERO, "SHA256:local");
    }
  }

  /** Writes what it is given, and the token parameter as the step sees it, to {@code path}. */
  static final class Echo implements Step<Echo.Input, Echo.Output> {
    record Input(String text, String path) {}

    record Output(String text) {}

    public String name() {
      return "echo";
    }

    public Class<Input> inputType() {
      return Input.class;
    }

    public Effect effect() {
      return Effect.READ_ONLY;
    }

    public Output run(Input input, StepContext context) {
      try {
        Files.writeString(
            Path.of(input.path()),
            input.text() + "\nparameter: " + context.parameters().get("token") + "\n");
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return new Output(input.text());
    }
  }

  /** Fails quoting every secret: unexpectedly while dir/crash exists, else as a step reports. */
  final class Explode implements Step<Explode.Input, Explode.Output> {
    record Input(String dir, String token) {}

    record Output(boolean never) {}

    public String name() {
      return "explode";
    }

    public Class<Input> inputType() {
      return Input.class;
    }

    public Effect effect() {
      return Effect.READ_ONLY;
    }

    public Output run(Input input, StepContext context) {
      if (!input.token().equals(token)) {
        throw new AssertionError("the step got " + input.token());
      }
      if (Files.exists(Path.of(input.dir(), "crash"))) {
        throw new IllegalStateException(
            failureText(), new IOException("caused by " + token + " PGPASSWORD=" + id + "cause"));
      }
      throw new RunbookError(ErrorCode.STEP_FAILED, failureText());
    }
  }

  private RunbookEngine engine() {
    List<Step<?, ?>> steps = new ArrayList<>(TestSteps.all());
    steps.add(new Echo());
    steps.add(new Explode());
    RunListener listener =
        new RunListener() {
          @Override
          public void event(RunEvent event) {
            console.add(event.toString());
          }

          @Override
          public void output(String node, boolean stderr, String line) {
            console.add(node + ": " + line);
          }

          @Override
          public void notice(String message) {
            console.add(message);
          }

          @Override
          public void progress(String activityId, dev.runbook.engine.api.WaitProgress wait) {
            console.add(wait.text());
          }
        };
    Path templates;
    try {
      templates = Path.of(getClass().getResource("/test-templates").toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    return RunbookEngine.open(
        new EngineOptions(home, null, runbooks, templates, steps, listener)
            .withShells(inv -> new NodeShell()));
  }

  private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
  private PrintStream savedOut;
  private PrintStream savedErr;

  @BeforeEach
  void captureTheProcessConsole() {
    savedOut = System.out;
    savedErr = System.err;
    System.setOut(new PrintStream(new Tee(stdout, savedOut), true));
    System.setErr(new PrintStream(new Tee(stderr, savedErr), true));
  }

  @AfterEach
  void restoreTheProcessConsole() {
    System.setOut(savedOut);
    System.setErr(savedErr);
  }

  private Map<String, String> params() {
    return Map.of("dir", work.toString(), "token", token, "canary", canary);
  }

  @Test
  void noByteTheEngineWroteHoldsASecret() throws Exception {
    String run;
    try (RunbookEngine engine = engine()) {
      RunOutcome o = engine.start("secrets-test", inventory, params(), "alice");
      assertThat(o.state()).as(o.message()).isEqualTo(RunState.WAITING);
      run = o.runId();
    }
    // At the gate the run's variables are in the database: the canary is, the secrets are not.
    assertThat(find(canary.getBytes(StandardCharsets.UTF_8), home.resolve("engine.mv.db")))
        .as("the search finds a value stored in clear in H2's file")
        .isTrue();
    assertNothingHolds(secrets(), "at the gate");

    Files.writeString(work.resolve("crash"), "");
    try (RunbookEngine engine = engine()) {
      // A second engine opens the run: the secrets come back from the database, sealed.
      RunOutcome crashed = engine.approve(run, null, "bob", "looked at it");
      assertThat(crashed.state()).as(crashed.message()).isEqualTo(RunState.FAILED);
      console.add(crashed.message());
      assertThat(crashed.message()).contains("[REDACTED]");
    }
    // What the step saw: the opened values, never the sealed form.
    String seen = Files.readString(work.resolve("seen.txt"));
    assertThat(seen)
        .isEqualTo(
            "secret is "
                + token
                + ", canary is "
                + canary
                + " / "
                + token
                + "\nparameter: "
                + token
                + "\n");
    // The failed job: Camunda keeps its message and trace in the database.
    assertThat(jobException(run)).contains("it broke with [REDACTED]").doesNotContain(token);

    Files.delete(work.resolve("crash"));
    try (RunbookEngine engine = engine()) {
      RunOutcome failed = engine.resume(run, "bob");
      console.add(failed.message());
      assertThat(failed.state()).as(failed.message()).isEqualTo(RunState.FAILED);
    }

    // An unexpected failure outside the run's steps: its trace goes to <home>/errors/.
    RuntimeException outside =
        new IllegalStateException("outside: " + failureText(), new RuntimeException(token));
    Path trace = Runs.recordFailure(home, outside);
    console.add(Runs.describeFailure(outside));
    assertThat(Files.readString(trace)).contains("outside: it broke with [REDACTED]");

    Path zip = tmp.resolve("export.zip");
    Runs.export(home, run, zip);
    String evidence = Files.readString(home.resolve("runs").resolve(run).resolve("evidence.jsonl"));
    assertThat(evidence).contains("[REDACTED]").contains("[REDACTED PRIVATE KEY]");

    assertNothingHolds(secrets(), "at the end");
    for (String secret : secrets()) {
      assertThat(unpacked(zip)).as("the export's entries").doesNotContain(secret);
    }
    assertThat(unpacked(zip)).as("the export's entries are searched").contains(canary);
  }

  @Test
  void aTamperedSealedValueStopsTheRunBeforeTheStep() throws Exception {
    String run;
    try (RunbookEngine engine = engine()) {
      run = engine.start("secrets-test", inventory, params(), "alice").runId();
    }
    String sealed = variable("token");
    assertThat(sealed).startsWith(Sealer.PREFIX).doesNotContain(token);
    // One character of the ciphertext changed, as someone editing the database would: inside it,
    // not the last one, whose low bits may be base64 padding that decodes the same.
    int at = sealed.length() - 8;
    char c = sealed.charAt(at);
    setVariable(
        "token", sealed.substring(0, at) + (c == 'A' ? 'B' : 'A') + sealed.substring(at + 1));

    try (RunbookEngine engine = engine()) {
      assertThatThrownBy(() -> engine.approve(run, null, "bob", "looked at it"))
          .isInstanceOfSatisfying(
              SealedSecretException.class,
              e -> assertThat(e.reason()).isEqualTo(SealedSecretException.Reason.DAMAGED))
          .hasMessageContaining("'token'")
          .hasMessageContaining("does not open");
    }
    assertThat(work.resolve("seen.txt")).doesNotExist();
  }

  @Test
  void aHomeWithoutItsEngineKeyCannotOpenTheRunsSecrets() throws Exception {
    String run;
    try (RunbookEngine engine = engine()) {
      run = engine.start("secrets-test", inventory, params(), "alice").runId();
    }
    Files.move(home.resolve("engine.key"), tmp.resolve("engine.key.moved"));

    try (RunbookEngine engine = engine()) {
      assertThatThrownBy(() -> engine.approve(run, null, "bob", "looked at it"))
          .isInstanceOfSatisfying(
              SealedSecretException.class,
              e -> assertThat(e.reason()).isEqualTo(SealedSecretException.Reason.KEY_MISSING))
          .hasMessageContaining("engine.key is missing");
    }
    assertThat(work.resolve("seen.txt")).doesNotExist();
    assertThat(home.resolve("engine.key")).as("no new key made in its place").doesNotExist();

    Files.move(tmp.resolve("engine.key.moved"), home.resolve("engine.key"));
    try (RunbookEngine engine = engine()) {
      assertThat(engine.approve(run, null, "bob", "key is back").state())
          .isEqualTo(RunState.FAILED); // the explode step's failure path: it ran
    }
    assertThat(Files.readString(work.resolve("seen.txt"))).contains("parameter: " + token);
  }

  private List<String> secrets() {
    List<String> all = new ArrayList<>(shapes.keySet());
    all.add(token);
    all.add(id + "cause");
    return all;
  }

  /** Every file under the home, raw, in UTF-8 and UTF-16 (H2 or Java may write either). */
  private void assertNothingHolds(List<String> secrets, String when) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(home)) {
      files = s.filter(Files::isRegularFile).toList();
    }
    assertThat(files)
        .as("the home holds the database, runs, plans")
        .anyMatch(f -> f.getFileName().toString().equals("engine.mv.db"))
        .anyMatch(f -> f.toString().contains("/plans/"))
        .anyMatch(f -> f.getFileName().toString().equals("evidence.jsonl"));
    String printed =
        String.join("\n", console)
            + stdout.toString(StandardCharsets.UTF_8)
            + stderr.toString(StandardCharsets.UTF_8);
    for (String secret : secrets) {
      for (Charset cs :
          List.of(StandardCharsets.UTF_8, StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE)) {
        for (Path f : files) {
          assertThat(find(secret.getBytes(cs), f))
              .as(when + ": " + f + " holds " + secret + " (" + cs + ")")
              .isFalse();
        }
      }
      assertThat(printed).as(when + ": the console").doesNotContain(secret);
    }
  }

  private static boolean find(byte[] needle, Path file) throws IOException {
    byte[] hay = Files.readAllBytes(file);
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static String unpacked(Path zip) throws IOException {
    StringBuilder all = new StringBuilder();
    try (InputStream in = Files.newInputStream(zip);
        ZipInputStream z = new ZipInputStream(in)) {
      for (ZipEntry e = z.getNextEntry(); e != null; e = z.getNextEntry()) {
        all.append(e.getName()).append('\n');
        all.append(new String(z.readAllBytes(), StandardCharsets.ISO_8859_1)).append('\n');
      }
    }
    return all.toString();
  }

  private Connection db() throws Exception {
    return DriverManager.getConnection(
        "jdbc:h2:file:" + home.toAbsolutePath().resolve("engine") + ";AUTO_SERVER=TRUE", "sa", "");
  }

  private String variable(String name) throws Exception {
    try (Connection c = db();
        PreparedStatement s =
            c.prepareStatement("select TEXT_ from ACT_RU_VARIABLE where NAME_ = ?")) {
      s.setString(1, name);
      try (ResultSet r = s.executeQuery()) {
        assertThat(r.next()).as("variable " + name).isTrue();
        return r.getString(1);
      }
    }
  }

  private void setVariable(String name, String value) throws Exception {
    try (Connection c = db();
        PreparedStatement s =
            c.prepareStatement("update ACT_RU_VARIABLE set TEXT_ = ? where NAME_ = ?")) {
      s.setString(1, value);
      s.setString(2, name);
      assertThat(s.executeUpdate()).isEqualTo(1);
    }
  }

  /** The failed job's message and stack trace, as Camunda keeps them. */
  private String jobException(String run) throws Exception {
    try (Connection c = db();
        ResultSet r =
            c.createStatement()
                .executeQuery(
                    "select j.EXCEPTION_MSG_, b.BYTES_ from ACT_RU_JOB j"
                        + " left join ACT_GE_BYTEARRAY b on b.ID_ = j.EXCEPTION_STACK_ID_"
                        + " where j.EXCEPTION_MSG_ is not null")) {
      StringBuilder all = new StringBuilder();
      while (r.next()) {
        all.append(r.getString(1)).append('\n');
        byte[] bytes = r.getBytes(2);
        if (bytes != null) {
          all.append(new String(bytes, StandardCharsets.UTF_8));
        }
      }
      assertThat(all).as("a failed job of run " + run).isNotEmpty();
      return all.toString();
    }
  }

  /** Writes to both streams: the test sees what the process printed, and so does the log. */
  private static final class Tee extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    Tee(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int c) throws IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }
}

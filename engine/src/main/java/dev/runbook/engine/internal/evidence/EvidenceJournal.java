package dev.runbook.engine.internal.evidence;

import static dev.runbook.engine.internal.evidence.EvidenceFormat.ARTIFACTS_DIR;
import static dev.runbook.engine.internal.evidence.EvidenceFormat.JOURNAL_FILE;
import static dev.runbook.engine.internal.evidence.EvidenceFormat.MAPPER;
import static dev.runbook.engine.internal.evidence.EvidenceFormat.ZERO_HASH;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunEvent.ArtifactRecorded;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evidence of one run: {@code <runDir>/evidence.jsonl}, one JSON record per {@link RunEvent},
 * each chained to the one before it by hash, and {@code <runDir>/artifacts/}. docs/evidence.md
 * describes the format for auditors; {@link EvidenceVerifier} checks it.
 *
 * <p><b>Append only.</b> The file is opened for appending and never truncated, rewritten or
 * deleted. A later process continuing the same run (e.g. {@code approve} after {@code run} exited)
 * opens the same directory and continues the chain: next {@code seq}, {@code prev} = SHA-256 of the
 * last record. Each append takes an exclusive lock on the file and first reads whatever other
 * processes appended since, so two processes writing one run keep one chain.
 *
 * <p><b>Torn tail.</b> If the file does not end in '\n', a writer stopped in the middle of a record
 * (a crash, a full disk). That fragment is evidence of the crash and stays as it is: the journal
 * ends it with a '\n' so that nothing is ever appended onto it, and continues the chain from the
 * last complete record before it, as if the fragment were not there. {@link EvidenceVerifier}
 * reports the fragment as a bad line, so the run's evidence shows the crash for as long as it
 * exists.
 *
 * <p><b>Durable before the run goes on.</b> {@link #append} writes one line with one write call and
 * returns only after {@link FileChannel#force(boolean) force(true)}. {@link #append(RunEvent,
 * boolean) append(event, false)} writes the line the same way (a killed process cannot lose it) but
 * leaves the fsync to the next forced record or to {@link #close}: one fsync covers every line
 * before it. Artifacts are written to a {@code .part} file, forced, renamed into place and their
 * directory forced before their record is appended.
 *
 * <p><b>Secrets.</b> Every string of every record (nested map values and list elements too, and map
 * keys) and the content of text artifacts goes through the {@link Redactor} first. Secrets learned
 * during the run are added with {@link #addSecret}. Digest fields ({@code sha256}, {@code
 * ...Sha256}) holding a SHA-256 are exempt, so that a broad inventory pattern cannot break the
 * artifact checks.
 *
 * <p><b>Checkpoints.</b> A journal opened with the engine home's {@link EngineKey} signs the chain:
 * after each gate decision and the run's end, and when it is closed with records after the last
 * checkpoint (a process letting go of the run), it appends a {@link RunEvent.Checkpoint} stating
 * the record count and head hash, signed by the key. The run id it signs is the run dir's name.
 *
 * <p>Thread-safe.
 */
public final class EvidenceJournal implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EvidenceJournal.class);

  static final DateTimeFormatter AT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);
  private static final Set<String> ENVELOPE = Set.of("seq", "at", "type", "prev", "hash");
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern UNSAFE_NAME_CHARS = Pattern.compile("[^A-Za-z0-9._-]");
  private static final int MAX_NAME_LENGTH = 120;
  private static final int MAX_NAME_SUFFIX = 10_000;

  // One monitor per journal file in this JVM: two journals on one file in one JVM would otherwise
  // ask for overlapping FileLocks, which Java refuses instead of waiting.
  private static final ConcurrentMap<Path, Object> MONITORS = new ConcurrentHashMap<>();

  private final Path runDir;
  private final Path file;
  private final Object monitor;
  private final Path artifacts;
  private final FileChannel channel;
  private final Clock clock;
  private final EngineKey signer; // null: no checkpoints (tests of the chain alone)
  private volatile Redactor redactor;

  // The chain's state as of knownSize bytes of the file; guarded by monitor.
  private long knownSize;
  private long nextSeq = 1;
  private boolean unforced; // a record was written without force since the last force
  private long forces; // fsyncs of the journal file, for the tests
  private String prev = ZERO_HASH;
  private boolean signedToEnd = true; // the last record is a checkpoint, or there is none
  private volatile boolean closed;

  private EvidenceJournal(
      Path runDir, FileChannel channel, Redactor redactor, Clock clock, EngineKey signer) {
    this.runDir = runDir;
    this.file = runDir.resolve(JOURNAL_FILE);
    this.artifacts = runDir.resolve(ARTIFACTS_DIR);
    this.monitor = MONITORS.computeIfAbsent(file, f -> new Object());
    this.channel = channel;
    this.redactor = redactor;
    this.clock = clock;
    this.signer = signer;
  }

  /**
   * Opens the evidence of the run in {@code runDir}, creating the directory, {@code artifacts/} and
   * {@code evidence.jsonl} if needed; an existing journal is continued, never rewritten.
   *
   * @throws IOException if the directory cannot be written or the last record cannot be read
   */
  public static EvidenceJournal open(Path runDir, Redactor redactor) throws IOException {
    return open(runDir, redactor, Clock.systemUTC(), null);
  }

  /**
   * Opens the evidence as {@link #open(Path, Redactor)} does, signing checkpoints with {@code
   * signer}.
   */
  public static EvidenceJournal open(Path runDir, Redactor redactor, EngineKey signer)
      throws IOException {
    return open(runDir, redactor, Clock.systemUTC(), signer);
  }

  static EvidenceJournal open(Path runDir, Redactor redactor, Clock clock) throws IOException {
    return open(runDir, redactor, clock, null);
  }

  static EvidenceJournal open(Path runDir, Redactor redactor, Clock clock, EngineKey signer)
      throws IOException {
    Path dir = runDir.toAbsolutePath().normalize();
    Files.createDirectories(dir.resolve(ARTIFACTS_DIR));
    Path file = dir.resolve(JOURNAL_FILE);
    boolean created = !Files.exists(file, LinkOption.NOFOLLOW_LINKS);
    FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    EvidenceJournal journal = new EvidenceJournal(dir, channel, redactor, clock, signer);
    try {
      if (created) {
        forceDirectory(dir);
      }
      journal.locked(() -> {});
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    return journal;
  }

  public Path runDir() {
    return runDir;
  }

  /** How many times the journal file was forced to disk. */
  long forces() {
    synchronized (monitor) {
      return forces;
    }
  }

  /** The hash of the last record written or read, 64 zeros if none: the head of the chain. */
  public String lastHash() {
    synchronized (monitor) {
      return prev;
    }
  }

  /**
   * Redacts this value too from now on (a secret learned during the run). Values shorter than
   * {@value Redactor#MIN_LITERAL_LENGTH} characters are ignored. Records already written are not
   * changed: they are append-only.
   */
  public void addSecret(String secret) {
    synchronized (monitor) {
      redactor = redactor.with(secret);
    }
  }

  /** The text with the secrets redacted that this journal redacts now (learned ones too). */
  public String redact(String text) {
    return redactor.redact(text);
  }

  /**
   * The event as its record reads: a copy with every string redacted as {@link #append} redacts it
   * (digest fields exempt the same way), for those who show the run and must never show more than
   * its evidence (the console). Values nested in maps and lists are copied too; a record nested in
   * them becomes a map of its components, as in the record's JSON.
   */
  public RunEvent redacted(RunEvent event) {
    Redactor r = redactor;
    RecordComponent[] components = event.getClass().getRecordComponents();
    Object[] values = new Object[components.length];
    Class<?>[] types = new Class<?>[components.length];
    try {
      for (int i = 0; i < components.length; i++) {
        RecordComponent c = components[i];
        types[i] = c.getType();
        Object value = c.getAccessor().invoke(event);
        boolean digest = c.getName().equals("sha256") || c.getName().endsWith("Sha256");
        values[i] =
            digest && value instanceof String s && SHA256_HEX.matcher(s).matches()
                ? s
                : copy(value, r);
      }
      return (RunEvent) event.getClass().getDeclaredConstructor(types).newInstance(values);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot copy " + event.getClass().getSimpleName(), e);
    }
  }

  /** A redacted copy of a value of an event, with the types a record component can take. */
  private static Object copy(Object value, Redactor r) throws ReflectiveOperationException {
    if (value == null
        || value instanceof Boolean
        || value instanceof Number
        || value instanceof Enum<?>) {
      return value;
    } else if (value instanceof String s) {
      return r.redact(s);
    } else if (value instanceof Optional<?> o) {
      return copy(o.orElse(null), r);
    } else if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        out.put(r.redact(String.valueOf(e.getKey())), copy(e.getValue(), r));
      }
      return out;
    } else if (value instanceof Iterable<?> items) {
      List<Object> out = new ArrayList<>();
      for (Object item : items) {
        out.add(copy(item, r));
      }
      return out;
    } else if (value instanceof Object[] items) {
      List<Object> out = new ArrayList<>();
      for (Object item : items) {
        out.add(copy(item, r));
      }
      return out;
    } else if (value instanceof byte[] bytes) {
      return r.redact(Base64.getEncoder().encodeToString(bytes));
    } else if (value instanceof Record record) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (RecordComponent c : record.getClass().getRecordComponents()) {
        Object v = c.getAccessor().invoke(record);
        if (v != null) {
          out.put(c.getName(), copy(v, r));
        }
      }
      return out;
    }
    // Instants, paths, URIs, durations...: their text form, redacted like any text.
    return r.redact(value.toString());
  }

  /**
   * Writes the event as the next record and forces it to disk before returning.
   *
   * @throws IOException if it could not be written durably: the run must not go on
   */
  public void append(RunEvent event) throws IOException {
    append(event, true);
  }

  /**
   * Writes the event as the next record; with {@code force} false the record reaches the disk with
   * the next forced record or when the journal closes, for a record that the caller knows another
   * forced one follows before anything depends on it.
   *
   * @throws IOException if it could not be written (durably, if forced): the run must not go on
   */
  public void append(RunEvent event, boolean force) throws IOException {
    if (event instanceof RunEvent.Checkpoint) {
      throw new IllegalArgumentException("checkpoints are the journal's own records");
    }
    ObjectNode fields = fields(event, redactor);
    locked(
        () -> {
          write(event.type(), fields, force);
          if (signer != null
              && (event instanceof RunEvent.GateDecision
                  || event instanceof RunEvent.GateApprovedAhead
                  || event instanceof RunEvent.RunEnded)) {
            checkpoint();
          }
        });
  }

  /** Writes one record; called holding the lock. */
  private void write(String type, ObjectNode fields, boolean force) throws IOException {
    ObjectNode record = JsonNodeFactory.instance.objectNode();
    record.put("seq", nextSeq);
    record.put("at", AT.format(clock.instant()));
    record.put("type", type);
    record.setAll(fields);
    record.put("prev", prev);
    byte[] line = EvidenceFormat.withHash(MAPPER.writeValueAsBytes(record));
    ByteBuffer buffer = ByteBuffer.allocate(line.length + 1).put(line).put((byte) '\n').flip();
    // One write call; the loop only guards against a short write, which files do not do.
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    if (force) {
      channel.force(true);
      forces++;
    }
    unforced = !force;
    knownSize += line.length + 1;
    prev = EvidenceFormat.sha256Hex(line);
    nextSeq++;
    signedToEnd = type.equals(EvidenceFormat.CHECKPOINT_TYPE);
  }

  /**
   * Signs the chain as it stands: a checkpoint of every record so far, forced. Not redacted: every
   * field is the engine's own (a hash, a count, a signature), and a broad secret pattern must not
   * break a signature.
   */
  private void checkpoint() throws IOException {
    String runId = runDir.getFileName().toString();
    long records = nextSeq - 1;
    String signature = signer.sign(EvidenceFormat.checkpointStatement(runId, records, prev));
    RunEvent.Checkpoint c =
        new RunEvent.Checkpoint(
            runId, records, prev, signer.publicKey().fingerprint(), signature, null, null, null);
    write(c.type(), fields(c, Redactor.NONE), true);
  }

  /**
   * Keeps {@code content} as {@code artifacts/<name>} and records it. Text (valid UTF-8) is
   * redacted first; anything else is kept as it is. The size and SHA-256 recorded are of the bytes
   * written.
   *
   * @param name a file name; characters other than letters, digits, '.', '_' and '-' become '_'; a
   *     name taken already gets a -2, -3... suffix (an artifact is never overwritten)
   * @throws IllegalArgumentException if the name is empty or contains '/', '\' or '..'
   */
  public ArtifactRecorded artifact(String activityId, String name, byte[] content)
      throws IOException {
    Redactor r = redactor;
    byte[] data =
        isUtf8(content)
            ? r.redact(new String(content, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)
            : content;
    return store(activityId, name, out -> out.write(data));
  }

  /**
   * Keeps {@code content} as {@code artifacts/<name>} byte for byte and records it: for a public
   * file whose digest other records state (the allowed-signers file), which redaction must not
   * change. Naming as {@link #artifact}.
   */
  public ArtifactRecorded artifactVerbatim(String activityId, String name, byte[] content)
      throws IOException {
    byte[] data = content.clone();
    return store(activityId, name, out -> out.write(data));
  }

  /**
   * Keeps a copy of {@code source} as {@code artifacts/<name>} and records it, streaming (a
   * snapshot can be gigabytes). Not redacted: this is for binary files. Naming as {@link
   * #artifact}.
   */
  public ArtifactRecorded artifactFromFile(String activityId, String name, Path source)
      throws IOException {
    if (!Files.isRegularFile(source)) {
      throw new IOException("artifact source is not a regular file: " + source);
    }
    return store(
        activityId,
        name,
        out -> {
          try (InputStream in = Files.newInputStream(source)) {
            in.transferTo(out);
          }
        });
  }

  @Override
  public void close() throws IOException {
    synchronized (monitor) {
      if (!closed) {
        try {
          if (signer != null) {
            // A process letting go of the run signs what it leaves: a run at rest ends signed.
            locked(
                () -> {
                  if (!signedToEnd) {
                    checkpoint();
                  }
                });
          }
        } finally {
          closed = true;
        }
        try {
          if (unforced) {
            channel.force(true);
            forces++;
          }
        } finally {
          channel.close();
        }
      }
    }
  }

  private interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  private interface Action {
    void run() throws IOException;
  }

  /**
   * Runs {@code action} holding this JVM's monitor for the file and the file's exclusive lock,
   * after catching up with what others appended.
   */
  private void locked(Action action) throws IOException {
    synchronized (monitor) {
      ensureOpen();
      FileLock lock = channel.lock();
      try {
        catchUp();
        action.run();
      } finally {
        lock.release();
      }
    }
  }

  private ArtifactRecorded store(String activityId, String name, Content content)
      throws IOException {
    ensureOpen();
    Redactor r = redactor;
    String base = safeName(r.redact(name));
    for (int n = 1; n <= MAX_NAME_SUFFIX; n++) {
      String fileName = n == 1 ? base : suffixed(base, n);
      String relative = ARTIFACTS_DIR + "/" + fileName;
      if (!r.redact(relative).equals(relative)) {
        continue; // the record's path must survive redaction to be checkable
      }
      Path target = artifacts.resolve(fileName);
      Path part = artifacts.resolve(fileName + ".part");
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      FileChannel out;
      try {
        out = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      } catch (FileAlreadyExistsException e) {
        continue; // another writer holds this name
      }
      // Holding <name>.part reserves <name>: only its holder renames onto it. Checking again
      // after creating it closes the window in which a holder just renamed.
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        out.close();
        Files.delete(part);
        continue;
      }
      MessageDigest digest = EvidenceFormat.sha256();
      long size;
      try (out) {
        DigestOutputStream stream = new DigestOutputStream(Channels.newOutputStream(out), digest);
        content.writeTo(stream);
        stream.flush();
        size = out.size();
        out.force(true);
      } catch (IOException | RuntimeException e) {
        Files.deleteIfExists(part);
        throw e;
      }
      Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
      forceDirectory(artifacts);
      ArtifactRecorded recorded =
          new ArtifactRecorded(
              activityId, r.redact(name), relative, size, EvidenceFormat.hex(digest.digest()));
      append(recorded);
      return recorded;
    }
    throw new IOException("no free artifact name for " + base + " in " + artifacts);
  }

  static String safeName(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("an artifact needs a name");
    }
    if (name.contains("/") || name.contains("\\") || name.contains("..")) {
      throw new IllegalArgumentException(
          "an artifact name may not contain '/', '\\' or '..': " + name);
    }
    String safe = UNSAFE_NAME_CHARS.matcher(name).replaceAll("_");
    if (safe.startsWith(".")) {
      safe = "_" + safe.substring(1); // no hidden files among the evidence
    }
    return safe.length() > MAX_NAME_LENGTH ? safe.substring(0, MAX_NAME_LENGTH) : safe;
  }

  private static String suffixed(String name, int n) {
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) + "-" + n + name.substring(dot) : name + "-" + n;
  }

  /**
   * Brings the chain's state up to the end of the file: reads what was appended since {@link
   * #knownSize} (by this journal's earlier life or another process) and ends a torn tail. Called
   * holding the file lock.
   */
  private void catchUp() throws IOException {
    long size = channel.size();
    if (size == knownSize) {
      return;
    }
    if (size < knownSize) {
      throw new IOException(
          file
              + " shrank from "
              + knownSize
              + " to "
              + size
              + " bytes while open: something other than the journal truncated it; not writing");
    }
    byte[] last = null;
    long lastNumber = 0;
    LineReader.Line torn = null;
    try (FileChannel read = FileChannel.open(file, StandardOpenOption.READ)) {
      read.position(knownSize);
      LineReader lines = new LineReader(Channels.newInputStream(read));
      for (LineReader.Line line; (line = lines.next()) != null; ) {
        if (!line.terminated()) {
          torn = line;
        } else if (EvidenceFormat.statedHash(line.bytes()) != null
            && EvidenceFormat.parseObject(line.bytes()) != null) {
          last = line.bytes();
          lastNumber = line.number();
        }
      }
    }
    if (last != null) {
      JsonNode seq = EvidenceFormat.parseObject(last).get("seq");
      if (seq == null || !seq.canConvertToLong()) {
        throw new IOException(
            "cannot continue the evidence chain in "
                + file
                + ": its last record has no seq (record "
                + lastNumber
                + " read from byte "
                + knownSize
                + ")");
      }
      nextSeq = seq.asLong() + 1;
      prev = EvidenceFormat.sha256Hex(last);
      signedToEnd =
          EvidenceFormat.CHECKPOINT_TYPE.equals(
              EvidenceFormat.parseObject(last).path("type").asText());
    }
    if (torn != null) {
      LOG.warn(
          "EVIDENCE-001 {} ends in the middle of a record ({} bytes with no newline: a writer"
              + " stopped while writing it). Kept as evidence of the crash; the chain continues"
              + " on the next line after seq {}.",
          file,
          torn.bytes().length,
          nextSeq - 1);
      ByteBuffer newline = ByteBuffer.wrap(new byte[] {'\n'});
      while (newline.hasRemaining()) {
        channel.write(newline);
      }
      channel.force(true);
    }
    knownSize = channel.size();
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("evidence journal of " + runDir + " is closed");
    }
  }

  /** The event's components in declaration order, redacted, nulls left out. */
  private static ObjectNode fields(RunEvent event, Redactor redactor) {
    ObjectNode fields = JsonNodeFactory.instance.objectNode();
    for (RecordComponent c : event.getClass().getRecordComponents()) {
      if (ENVELOPE.contains(c.getName())) {
        throw new IllegalArgumentException(
            event.getClass().getSimpleName() + "." + c.getName() + " clashes with a record field");
      }
      Object value;
      try {
        value = c.getAccessor().invoke(event);
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new IllegalStateException("cannot read " + c, e);
      }
      if (value == null) {
        continue;
      }
      boolean digest = c.getName().equals("sha256") || c.getName().endsWith("Sha256");
      if (digest && value instanceof String s && SHA256_HEX.matcher(s).matches()) {
        fields.put(c.getName(), s);
      } else {
        fields.set(c.getName(), json(value, redactor));
      }
    }
    return fields;
  }

  private static JsonNode json(Object value, Redactor redactor) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (value == null) {
      return f.nullNode();
    } else if (value instanceof String s) {
      return f.textNode(redactor.redact(s));
    } else if (value instanceof Boolean b) {
      return f.booleanNode(b);
    } else if (value instanceof Integer || value instanceof Long || value instanceof Short) {
      return f.numberNode(((Number) value).longValue());
    } else if (value instanceof Double || value instanceof Float) {
      return f.numberNode(((Number) value).doubleValue());
    } else if (value instanceof BigInteger b) {
      return f.numberNode(b);
    } else if (value instanceof BigDecimal b) {
      return f.numberNode(b);
    } else if (value instanceof Enum<?> e) {
      // By its name, or as its @JsonValue has it (StepOutcome: the label evidence always had).
      return MAPPER.valueToTree(e);
    } else if (value instanceof Optional<?> o) {
      return json(o.orElse(null), redactor);
    } else if (value instanceof Map<?, ?> map) {
      ObjectNode object = f.objectNode();
      map.forEach((k, v) -> object.set(redactor.redact(String.valueOf(k)), json(v, redactor)));
      return object;
    } else if (value instanceof Iterable<?> items) {
      ArrayNode array = f.arrayNode();
      items.forEach(item -> array.add(json(item, redactor)));
      return array;
    } else if (value instanceof Object[] items) {
      ArrayNode array = f.arrayNode();
      for (Object item : items) {
        array.add(json(item, redactor));
      }
      return array;
    } else if (value instanceof byte[] bytes) {
      return f.textNode(redactor.redact(Base64.getEncoder().encodeToString(bytes)));
    } else if (value instanceof Record record) {
      ObjectNode object = f.objectNode();
      for (RecordComponent c : record.getClass().getRecordComponents()) {
        try {
          Object v = c.getAccessor().invoke(record);
          if (v != null) {
            object.set(c.getName(), json(v, redactor));
          }
        } catch (IllegalAccessException | InvocationTargetException e) {
          throw new IllegalStateException("cannot read " + c, e);
        }
      }
      return object;
    } else {
      // Instants, paths, URIs, durations...: their text form, redacted like any text.
      return f.textNode(redactor.redact(value.toString()));
    }
  }

  private static boolean isUtf8(byte[] content) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(content));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  /** Makes a new or renamed entry of {@code dir} durable, not only the file's content. */
  private static void forceDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Windows cannot open a directory as a channel; there a rename is durable by itself.
      if (!System.getProperty("os.name", "").startsWith("Windows")) {
        throw e;
      }
    }
  }
}

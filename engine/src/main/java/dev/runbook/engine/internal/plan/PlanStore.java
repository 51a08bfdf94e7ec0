package dev.runbook.engine.internal.plan;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.internal.evidence.HomeDir;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Plans by hash in the runbook home ({@code plans/<sha256>.json}, the canonical bytes), so that
 * {@code run --approved-plan HASH} finds what a reviewer approved. A stored plan is re-hashed when
 * read: a file edited after the review no longer matches its name and is refused.
 */
public final class PlanStore {

  private static final Pattern HEX = Pattern.compile("[0-9a-f]{8,64}");
  static final ObjectMapper READER =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
  public static final ObjectMapper PRETTY =
      JsonMapper.builder()
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();

  private PlanStore() {}

  public static Path dir(Path home) {
    return home.resolve("plans");
  }

  /** Keeps the plan under its hash (idempotent: the same plan is the same file). */
  public static String save(Path home, Plan plan) {
    String hash = plan.sha256();
    Path file = dir(home).resolve(hash + ".json");
    try {
      HomeDir.ensure(home);
      Files.createDirectories(file.getParent());
      if (!Files.exists(file)) {
        Path part = file.resolveSibling(hash + ".json.part");
        Files.write(part, plan.canonical());
        Files.move(part, file, StandardCopyOption.ATOMIC_MOVE);
      }
      HomeDir.tighten(home);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the plan in " + file.getParent(), e);
    }
    return hash;
  }

  /**
   * The stored plan whose hash is {@code hash} (or starts with it, when that is unique and at least
   * 8 hex digits).
   *
   * @throws BadInputException when no stored plan (or more than one) matches, or the file no longer
   *     hashes to its name
   */
  public static Plan load(Path home, String hash) {
    String h = hash == null ? "" : hash.strip().toLowerCase(java.util.Locale.ROOT);
    if (!HEX.matcher(h).matches()) {
      throw new BadInputException(
          "--approved-plan takes the plan hash `runbook plan` printed (hex, at least 8 digits), not '"
              + hash
              + "'");
    }
    List<Path> matches = new ArrayList<>();
    if (Files.isDirectory(dir(home))) {
      try (Stream<Path> files = Files.list(dir(home))) {
        files
            .filter(f -> f.getFileName().toString().endsWith(".json"))
            .filter(f -> f.getFileName().toString().startsWith(h))
            .forEach(matches::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (matches.isEmpty()) {
      throw new BadInputException(
          "no plan with hash "
              + h
              + " in "
              + dir(home)
              + ": make the plan with `runbook plan RUNBOOK -i INVENTORY ...` on this home and approve the hash it prints");
    }
    if (matches.size() > 1) {
      throw new BadInputException(
          "plan hash " + h + " is ambiguous (" + matches.size() + " plans): give more digits");
    }
    Path file = matches.get(0);
    String name = file.getFileName().toString();
    try {
      Plan plan = READER.readValue(Files.readAllBytes(file), Plan.class);
      if (!(plan.sha256() + ".json").equals(name)) {
        throw new BadInputException(
            file + " no longer hashes to its name: it was changed after it was made; plan again");
      }
      return plan;
    } catch (IOException e) {
      throw new BadInputException(file + " is not a readable plan: " + e.getMessage());
    }
  }

  /** The plan as indented JSON (keys sorted), for people and for diffs. */
  public static String pretty(Object value) {
    try {
      return PRETTY.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

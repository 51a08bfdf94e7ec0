package dev.runbook.engine.internal.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The engine's version, as the build wrote it: what a run pins in its evidence. */
final class EngineVersion {

  private static final String VERSION = read();

  private EngineVersion() {}

  static String get() {
    return VERSION;
  }

  private static String read() {
    try (InputStream in =
        EngineVersion.class.getResourceAsStream("/dev/runbook/engine/version.properties")) {
      if (in == null) {
        return "unknown"; // classes outside a Maven build (an IDE): nothing to compare with
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

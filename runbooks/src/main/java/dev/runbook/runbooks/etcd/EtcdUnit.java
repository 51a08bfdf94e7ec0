package dev.runbook.runbooks.etcd;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * What an external etcd member's systemd unit says, read as systemd reads it: the output of {@code
 * systemctl cat UNIT} (the unit, then its drop-ins in order, each after a {@code # /path} line) and
 * the environment files it names. An empty {@code ExecStart=}, {@code Environment=} or {@code
 * EnvironmentFile=} clears what came before; a later variable wins, and environment files win over
 * {@code Environment=}; etcd's own flags win over its {@code ETCD_*} variables.
 *
 * <p>It answers where each setting came from (for the plan), and {@link #problems()} lists why a
 * runbook that changes the unit must refuse it: data dir not discoverable, two ExecStart lines, a
 * drop-in of someone else that changes what etcd runs.
 */
record EtcdUnit(
    String unit,
    List<String> files,
    String execStart,
    List<String> environmentFiles,
    Map<String, Setting> settings,
    List<String> problems,
    boolean runsEtcd) {

  /** The prefix of the drop-ins the runbooks write; any other drop-in is someone else's. */
  static final String OWN_DROP_IN = "50-runbook-restore-";

  /** How the unit passes etcd its settings. */
  enum Style {
    FLAGS,
    ENV_FILE,
    MIXED
  }

  /** One etcd setting: its value, and where it was found ("--data-dir in ExecStart of ..."). */
  record Setting(String value, String source) {}

  /** The settings the runbooks need, by etcd flag name. */
  static final List<String> NEEDED =
      List.of(
          "name",
          "data-dir",
          "advertise-client-urls",
          "listen-client-urls",
          "initial-advertise-peer-urls",
          "trusted-ca-file",
          "cert-file",
          "key-file",
          "peer-trusted-ca-file",
          "peer-cert-file",
          "peer-key-file");

  Setting setting(String flag) {
    return settings.get(flag);
  }

  String value(String flag) {
    Setting s = settings.get(flag);
    return s == null ? null : s.value();
  }

  /** Flags, an environment file, or both. */
  Style style() {
    boolean flag = settings.values().stream().anyMatch(s -> s.source().startsWith("--"));
    boolean env = settings.values().stream().anyMatch(s -> s.source().startsWith("ETCD_"));
    return flag && env ? Style.MIXED : env ? Style.ENV_FILE : Style.FLAGS;
  }

  List<String> dropIns() {
    return files.size() <= 1 ? List.of() : files.subList(1, files.size());
  }

  /**
   * Reads {@code systemctl cat} output; {@code readFile} gives an environment file's text, or null
   * when the node has none.
   */
  static EtcdUnit parse(String unit, String catOutput, Function<String, String> readFile) {
    List<String> files = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    String execStart = null;
    String execFile = null;
    boolean execTwice = false;
    List<String[]> environment = new ArrayList<>(); // {assignment, file}
    List<String[]> envFiles = new ArrayList<>(); // {path, file}
    String file = null;
    String section = "";
    String pending = null;
    for (String raw : (catOutput + "\n").split("\n", -1)) {
      if (raw.startsWith("# /") && raw.indexOf(' ', 2) < 0) {
        file = raw.substring(2);
        files.add(file);
        section = "";
        pending = null;
        continue;
      }
      String line = raw.strip();
      if (pending != null) {
        line = pending + " " + line;
        pending = null;
      }
      if (line.startsWith("#") || line.startsWith(";") || line.isEmpty()) {
        continue;
      }
      if (line.endsWith("\\")) {
        pending = line.substring(0, line.length() - 1).strip();
        continue;
      }
      if (line.startsWith("[") && line.endsWith("]")) {
        section = line.substring(1, line.length() - 1);
        continue;
      }
      int eq = line.indexOf('=');
      if (!section.equals("Service") || eq < 0) {
        continue;
      }
      String key = line.substring(0, eq).strip();
      String value = line.substring(eq + 1).strip();
      boolean dropIn = files.size() > 1;
      String where = file == null ? "the unit" : file;
      if (dropIn && !fileName(where).startsWith(OWN_DROP_IN) && changesTheCommand(key)) {
        problems.add(
            unit
                + " is already overridden: the drop-in "
                + where
                + " sets "
                + key
                + "= (someone else's change to what etcd runs): fold it into the unit or remove"
                + " it first");
      }
      switch (key) {
        case "ExecStart" -> {
          if (value.isEmpty()) {
            execStart = null;
            execTwice = false;
          } else {
            execTwice = execStart != null;
            execStart = value.replaceFirst("^[-@+!:]+", "");
            execFile = where;
          }
        }
        case "Environment" -> {
          if (value.isEmpty()) {
            environment.clear();
          } else {
            for (String a : words(value)) {
              environment.add(new String[] {a, where});
            }
          }
        }
        case "EnvironmentFile" -> {
          if (value.isEmpty()) {
            envFiles.clear();
          } else {
            envFiles.add(new String[] {value, where});
          }
        }
        default -> {}
      }
    }
    if (files.isEmpty()) {
      problems.add("systemctl cat " + unit + " printed no unit file");
    }
    if (execTwice) {
      problems.add(
          unit
              + " has more than one ExecStart= (systemd refuses to start it): the last is in "
              + execFile);
    }
    // The service's environment: Environment= first, then the files, which win.
    Map<String, Setting> env = new LinkedHashMap<>();
    for (String[] a : environment) {
      int eq = a[0].indexOf('=');
      if (eq > 0) {
        env.put(
            a[0].substring(0, eq), new Setting(a[0].substring(eq + 1), "Environment= in " + a[1]));
      }
    }
    List<String> envFilePaths = new ArrayList<>();
    for (String[] f : envFiles) {
      boolean optional = f[0].startsWith("-");
      String path = optional ? f[0].substring(1) : f[0];
      envFilePaths.add(path);
      String text = readFile.apply(path);
      if (text == null) {
        if (!optional) {
          problems.add(
              unit + " reads the environment file " + path + " (" + f[1] + "), which is missing");
        }
        continue;
      }
      for (String l : text.split("\n")) {
        String t = l.strip();
        int eq = t.indexOf('=');
        if (t.startsWith("#") || t.startsWith(";") || eq < 1) {
          continue;
        }
        env.put(
            t.substring(0, eq).strip(), new Setting(unquote(t.substring(eq + 1).strip()), path));
      }
    }
    Map<String, Setting> settings = new LinkedHashMap<>();
    boolean runsEtcd = false;
    if (execStart == null) {
      problems.add(unit + " has no ExecStart=");
    } else {
      List<String> argv = new ArrayList<>();
      for (String w : words(execStart)) {
        argv.add(expand(w, env));
      }
      runsEtcd = !argv.isEmpty() && fileName(argv.get(0)).equals("etcd");
      if (!runsEtcd) {
        problems.add(
            unit
                + " does not run etcd directly (ExecStart="
                + execStart
                + "): its settings cannot be read from the unit");
      }
      for (int i = 1; i < argv.size(); i++) {
        String a = argv.get(i);
        if (!a.startsWith("-")) {
          continue;
        }
        String flag = a.replaceFirst("^--?", "");
        String value;
        int eq = flag.indexOf('=');
        if (eq >= 0) {
          value = flag.substring(eq + 1);
          flag = flag.substring(0, eq);
        } else if (i + 1 < argv.size() && !argv.get(i + 1).startsWith("-")) {
          value = argv.get(++i);
        } else {
          value = "true";
        }
        settings.put(flag, new Setting(value, "--" + flag + " in ExecStart of " + execFile));
      }
    }
    // etcd reads ETCD_<FLAG> for each flag not given on the command line.
    for (String flag : NEEDED) {
      Setting e = env.get("ETCD_" + flag.toUpperCase(Locale.ROOT).replace('-', '_'));
      if (!settings.containsKey(flag) && e != null) {
        settings.put(
            flag,
            new Setting(
                e.value(),
                "ETCD_" + flag.toUpperCase(Locale.ROOT).replace('-', '_') + " in " + e.source()));
      }
    }
    String dataDir = settings.containsKey("data-dir") ? settings.get("data-dir").value() : null;
    if (dataDir == null || !dataDir.startsWith("/")) {
      problems.add(
          unit
              + ": the data dir is not discoverable ("
              + (dataDir == null
                  ? "neither --data-dir in ExecStart nor ETCD_DATA_DIR in its environment"
                  : "'" + dataDir + "' is not an absolute path")
              + "): name it in the unit");
    }
    if (!settings.containsKey("name")) {
      problems.add(unit + ": the member's name is not in the unit (--name or ETCD_NAME)");
    }
    return new EtcdUnit(
        unit,
        List.copyOf(files),
        execStart,
        List.copyOf(envFilePaths),
        Map.copyOf(settings),
        List.copyOf(problems),
        runsEtcd);
  }

  /**
   * Why the members' units cannot be restored as one cluster: settings passed in different styles,
   * or certificate paths that differ (a runbook renders one set of paths for every member). Units
   * with other problems count too (a preflight names every problem at once), but for those whose
   * settings could not be read at all (no ExecStart, not etcd itself).
   */
  static List<String> disagreements(Map<String, EtcdUnit> byMember) {
    List<String> problems = new ArrayList<>();
    Map.Entry<String, EtcdUnit> first = null;
    for (Map.Entry<String, EtcdUnit> e : byMember.entrySet()) {
      if (!e.getValue().runsEtcd()) {
        continue; // its settings were not read: nothing to compare
      }
      if (first == null) {
        first = e;
        continue;
      }
      EtcdUnit a = first.getValue();
      EtcdUnit b = e.getValue();
      if (a.style() != b.style()) {
        problems.add(
            "the members' units disagree: "
                + first.getKey()
                + " passes etcd its settings as "
                + a.style()
                + ", "
                + e.getKey()
                + " as "
                + b.style());
      }
      for (String flag : List.of("trusted-ca-file", "cert-file", "key-file")) {
        if (!java.util.Objects.equals(a.value(flag), b.value(flag))) {
          problems.add(
              "the members' units disagree on --"
                  + flag
                  + ": "
                  + first.getKey()
                  + " has "
                  + a.value(flag)
                  + ", "
                  + e.getKey()
                  + " has "
                  + b.value(flag));
        }
      }
    }
    return problems;
  }

  private static boolean changesTheCommand(String key) {
    return switch (key) {
      case "ExecStart", "Environment", "EnvironmentFile", "WorkingDirectory", "ExecStartPre" ->
          true;
      default -> false;
    };
  }

  private static String fileName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  private static String unquote(String v) {
    if (v.length() >= 2
        && ((v.startsWith("\"") && v.endsWith("\"")) || (v.startsWith("'") && v.endsWith("'")))) {
      return v.substring(1, v.length() - 1);
    }
    return v;
  }

  /** Splits a systemd command line or assignment list into words, honouring quotes. */
  static List<String> words(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder w = null;
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else if (c == '\\' && quote == '"' && i + 1 < line.length()) {
          w.append(line.charAt(++i));
        } else {
          w.append(c);
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
        if (w == null) {
          w = new StringBuilder();
        }
      } else if (Character.isWhitespace(c)) {
        if (w != null) {
          words.add(w.toString());
          w = null;
        }
      } else {
        if (w == null) {
          w = new StringBuilder();
        }
        if (c == '\\' && i + 1 < line.length()) {
          c = line.charAt(++i);
        }
        w.append(c);
      }
    }
    if (w != null) {
      words.add(w.toString());
    }
    return words;
  }

  /** systemd's $VAR and ${VAR} in a command word; $$ is a dollar. */
  private static String expand(String word, Map<String, Setting> env) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < word.length(); i++) {
      char c = word.charAt(i);
      if (c != '$' || i + 1 >= word.length()) {
        out.append(c);
        continue;
      }
      char n = word.charAt(i + 1);
      if (n == '$') {
        out.append('$');
        i++;
      } else if (n == '{') {
        int end = word.indexOf('}', i);
        if (end < 0) {
          out.append(c);
          continue;
        }
        Setting s = env.get(word.substring(i + 2, end));
        out.append(s == null ? "" : s.value());
        i = end;
      } else if (Character.isLetter(n) || n == '_') {
        int end = i + 1;
        while (end < word.length()
            && (Character.isLetterOrDigit(word.charAt(end)) || word.charAt(end) == '_')) {
          end++;
        }
        Setting s = env.get(word.substring(i + 1, end));
        out.append(s == null ? "" : s.value());
        i = end - 1;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}

<#--
  throwaway-stop: stops the throwaway etcd and removes its scratch dir. Idempotent.
  Model:
    pidFile     the pid file throwaway-start wrote
    dataDir     the throwaway's data dir: the pid is killed only if /proc/PID/cmdline shows an etcd
                with this --data-dir (else nothing is killed, and it says so on stderr)
    scratchDir  removed afterwards; refused (exit 2, nothing done) unless it is an absolute path
                whose basename starts with etcd-rehearsal-
  SIGTERM, up to 10 s, then SIGKILL.
  Prints: stopped=PID|already   (already: no pid file, no such process, or not our etcd and no
                                 etcd with that --data-dir runs)
          removed=DIR|already
  Exits 1, removing nothing, when an etcd with that --data-dir runs under another pid, or when
  the etcd does not die.
-->
pid_file=${pidFile}
data_dir=${dataDir}
scratch=${scratchDir}
# The guard comes first: a wrong scratchDir stops everything before anything is killed.
scratch_trimmed=$(printf '%s' "$scratch" | sed 's:/*$::')
case "$scratch_trimmed" in
  /*) ;;
  *) echo "refusing: scratch dir '$scratch' is not an absolute path; nothing stopped or removed" >&2; exit 2 ;;
esac
case "$(basename -- "$scratch_trimmed")" in
  etcd-rehearsal-*) ;;
  *) echo "refusing: scratch dir '$scratch' is not named etcd-rehearsal-*; nothing stopped or removed" >&2; exit 2 ;;
esac

# Alive: /proc/PID there and not a zombie.
alive() {
  [ -e "/proc/$1" ] && [ "$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
# Our etcd: argv[0] is an etcd binary and its --data-dir is data_dir.
ours() {
  tr '\0' '\n' 2>/dev/null < "/proc/$1/cmdline" | awk -v dir="$data_dir" '
    NR == 1 { n = split($0, p, "/"); if (p[n] != "etcd") exit 1; next }
    prev == "--data-dir" || prev == "-data-dir" { if ($0 == dir) found = 1 }
    $0 == "--data-dir=" dir || $0 == "-data-dir=" dir { found = 1 }
    { prev = $0 }
    END { exit found ? 0 : 1 }'
}

stopped=already
pid=
if [ -s "$pid_file" ]; then
  pid=$(head -n 1 -- "$pid_file")
  case "$pid" in ''|*[!0-9]*) echo "pid file $pid_file holds no pid ('$pid'); killing nothing" >&2; pid= ;; esac
fi
if [ -n "$pid" ] && alive "$pid"; then
  if ours "$pid"; then
    kill -TERM "$pid" 2>/dev/null
    deadline=$(($(date +%s) + 10))
    while alive "$pid" && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
    if alive "$pid"; then
      kill -KILL "$pid" 2>/dev/null
      sleep 0.5
    fi
    if alive "$pid"; then
      echo "throwaway etcd pid $pid survived SIGKILL: look at it (ps -o pid,stat,cmd -p $pid); scratch dir left in place" >&2
      exit 1
    fi
    stopped=$pid
  else
    echo "pid $pid from $pid_file is not an etcd with --data-dir $data_dir: not killing it" >&2
  fi
fi
if [ "$stopped" = already ]; then
  # Not stopped by pid: make sure no etcd still runs on the data dir before removing it.
  for proc in /proc/[0-9]*; do
    other=$(basename "$proc")
    if alive "$other" && ours "$other"; then
      echo "an etcd with --data-dir $data_dir still runs as pid $other (not the pid in $pid_file): stop it by hand; scratch dir left in place" >&2
      exit 1
    fi
  done
fi
rm -f -- "$pid_file"
printf 'stopped=%s\n' "$stopped"
if [ -e "$scratch_trimmed" ] || [ -L "$scratch_trimmed" ]; then
  if ! rm -rf -- "$scratch_trimmed"; then
    echo "could not remove $scratch_trimmed (see above): remove it by hand" >&2
    exit 1
  fi
  printf 'removed=%s\n' "$scratch_trimmed"
else
  echo removed=already
fi

<#--
  throwaway-start: starts a throwaway 1-member etcd on a restored data dir, on loopback only
  (plain http on 127.0.0.1, no metrics listener), in the background, in its own session.
  Model:
    etcd        etcd binary path
    etcdctl     optional: etcdctl path for the health check (default: the etcdctl next to etcd,
                else etcdctl on PATH)
    dataDir     restored data dir
    name        member name (the rehearsal restores with name "rehearsal")
    clientPort  client port on 127.0.0.1
    peerPort    peer port on 127.0.0.1 (the member's restored peer URL is http://127.0.0.1:peerPort)
    logFile     etcd's stdout and stderr
    pidFile     receives etcd's pid
  Waits up to 20 s for `etcdctl endpoint health`. On failure it kills the etcd it started, prints
  the tail of logFile to stderr and exits 1.
  Prints: pid=N
          endpoint=http://127.0.0.1:clientPort
-->
client_url=http://127.0.0.1:${clientPort}
peer_url=http://127.0.0.1:${peerPort}
etcd_bin=${etcd}
<#if etcdctl??>
etcdctl_bin=${etcdctl}
<#else>
etcdctl_bin="$(dirname -- "$etcd_bin")/etcdctl"
[ -x "$etcdctl_bin" ] || etcdctl_bin=$(command -v etcdctl) || {
  echo "no etcdctl next to $etcd_bin nor on PATH: install etcdctl, needed for the health check" >&2
  exit 1
}
</#if>
pid_file=${pidFile}
log_file=${logFile}
for f in "$pid_file" "$log_file"; do
  if [ ! -d "$(dirname -- "$f")" ]; then
    echo "directory of $f does not exist: create the scratch dir first" >&2
    exit 1
  fi
done
if [ ! -x "$etcd_bin" ]; then
  echo "etcd binary $etcd_bin is not executable on this node: run detect-tools and pass its etcd path" >&2
  exit 1
fi
if [ ! -d ${dataDir}/member ]; then
  echo "data dir "${dataDir}" holds no restored member: restore the snapshot into it first" >&2
  exit 1
fi
# The member takes its whole configuration from the flags below, never from the environment.
for v in $(env | sed -n 's/^\(ETCDCTL_[A-Za-z0-9_]*\)=.*/\1/p; s/^\(ETCD_[A-Za-z0-9_]*\)=.*/\1/p'); do
  unset "$v"
done
rm -f -- "$pid_file"
# setsid: the throwaway outlives this command's session; the redirections let the SSH command end.
setsid sh -c 'echo $$ > "$1" && shift && exec "$@"' sh "$pid_file" \
  "$etcd_bin" \
  --name ${name} \
  --data-dir ${dataDir} \
  --listen-client-urls "$client_url" \
  --advertise-client-urls "$client_url" \
  --listen-peer-urls "$peer_url" \
  --initial-advertise-peer-urls "$peer_url" \
  --initial-cluster ${name}"=$peer_url" \
  </dev/null >"$log_file" 2>&1 &
pid=
healthy=false
deadline=$(($(date +%s) + 20))
while :; do
  [ -z "$pid" ] && [ -s "$pid_file" ] && pid=$(cat -- "$pid_file")
  if [ -n "$pid" ] && ETCDCTL_API=3 "$etcdctl_bin" --endpoints "$client_url" \
      --dial-timeout 1s --command-timeout 2s endpoint health >/dev/null 2>&1; then
    healthy=true
    break
  fi
  # Gone already (no such process, or a zombie): no use waiting.
  if [ -n "$pid" ] && { [ ! -e "/proc/$pid" ] || [ "$(sed 's/^.*) \(.\).*/\1/' "/proc/$pid/stat" 2>/dev/null)" = Z ]; }; then
    break
  fi
  [ "$(date +%s)" -ge "$deadline" ] && break
  sleep 0.3
done
if [ "$healthy" != true ]; then
  if [ -n "$pid" ]; then
    kill -KILL "$pid" 2>/dev/null
  fi
  rm -f -- "$pid_file"
  {
    echo "throwaway etcd on $client_url did not become healthy within 20 s; last lines of $log_file:"
    tail -n 20 -- "$log_file"
    echo "throwaway etcd did not start: read $log_file above (port taken? bad data dir?), then retry"
  } >&2
  exit 1
fi
printf 'pid=%s\n' "$pid"
printf 'endpoint=%s\n' "$client_url"

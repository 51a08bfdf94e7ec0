<#--
  capture: the symptom, as the node sees it, before anything changes: containers, etcd's recent
  log, etcd's own view (status, health, member list, with the node's certificates) and disk use.
  Read-only; a missing tool is recorded as "not available" and never fails the capture.
  Model: endpoint (this member's client URL), cacert, cert, key (on the node), dataDir (host path).
  Always exits 0.
-->
section() { printf '\n## %s\n' "$1"; }
have() { command -v "$1" >/dev/null 2>&1; }
section "crictl ps -a"
if have crictl; then crictl ps -a 2>&1; else echo "not available (crictl not on PATH)"; fi
section "etcd log (last 50 lines)"
if have crictl; then
  id=$(crictl ps -a --name '^etcd$' -q 2>/dev/null | head -n 1)
  if [ -n "$id" ]; then crictl logs --tail 50 "$id" 2>&1; else echo "not available (no etcd container)"; fi
else
  echo "not available (crictl not on PATH)"
fi
for what in "endpoint status" "endpoint health" "member list"; do
  section "etcdctl $what"
  if have etcdctl; then
    # shellcheck disable=SC2086
    ETCDCTL_API=3 etcdctl --endpoints ${endpoint} --cacert ${cacert} --cert ${cert} --key ${key} \
      --dial-timeout 2s --command-timeout 5s $what -w table 2>&1 || echo "(etcd did not answer)"
  else
    echo "not available (etcdctl not on PATH)"
  fi
done
section "disk usage"
df -Pk -- ${dataDir} 2>&1 || echo "not available"
du -sk -- ${dataDir} 2>&1 || echo "not available"
exit 0

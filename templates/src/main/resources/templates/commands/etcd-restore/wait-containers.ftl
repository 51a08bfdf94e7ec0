<#--
  wait-containers: waits until crictl shows none of the named containers running (state "gone"),
  or each of them running (state "running").
  Model: names (container names), state "gone"|"running", seconds (how long to wait).
  Prints: waited=SECONDS. Exits 124 on timeout (saying which are still there, or missing), 2 when
  crictl is missing or fails.
-->
<#if state != "gone" && state != "running"><#stop "wait-containers.ftl: state must be gone or running"></#if>
command -v crictl >/dev/null 2>&1 || { echo "crictl is not on PATH: install cri-tools on this node" >&2; exit 2; }
limit=${seconds?c}
start=$(date +%s)
deadline=$((start + limit))
while :; do
  pending=
<#list names as n>
  if ! ids=$(crictl ps --name ^${n}$ --state running -q); then
    echo "crictl ps failed (see above): is the container runtime up?" >&2
    exit 2
  fi
  <#if state == "gone">[ -z "$ids" ] || pending="$pending "${n}<#else>[ -n "$ids" ] || pending="$pending "${n}</#if>
</#list>
  if [ -z "$pending" ]; then
    printf 'waited=%s\n' "$(($(date +%s) - start))"
    exit 0
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    <#if state == "gone">echo "still running after $limit s:$pending" >&2<#else>echo "not running after $limit s:$pending (crictl ps -a and crictl logs tell why)" >&2</#if>
    exit 124
  fi
  sleep 0.2
done

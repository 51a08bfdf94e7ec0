<#--
  wait-containers: waits until the kubelet has done what the manifest dir asks of each named static
  pod: for state "gone", a container whose manifest is not in the manifest dir must not be running;
  for state "running", a container whose manifest is there must be running. A file in the other
  place is skipped (said on stdout): the same command then serves every node, whatever each node's
  moves found, so the plan shows exactly what the run sends.
  Model: manifestDir, files (manifest file names, e.g. kube-apiserver.yaml: the container is the
  name without .yaml), state "gone"|"running", seconds (how long to wait).
  Prints: skipped=NAME per skipped container, waited=SECONDS. Exits 124 on timeout (saying which
  are still there, or missing), 2 when crictl is missing or fails.
-->
<#if state != "gone" && state != "running"><#stop "wait-containers.ftl: state must be gone or running"></#if>
command -v crictl >/dev/null 2>&1 || { echo "crictl is not on PATH: install cri-tools on this node" >&2; exit 2; }
limit=${seconds?c}
start=$(date +%s)
deadline=$((start + limit))
<#list files as f>
<#if state == "gone">if [ -e ${manifestDir}/${f} ]<#else>if [ ! -e ${manifestDir}/${f} ]</#if>; then printf 'skipped=%s\n' ${f?remove_ending(".yaml")}; fi
</#list>
while :; do
  pending=
<#list files as f>
  <#if state == "gone">if [ ! -e ${manifestDir}/${f} ]<#else>if [ -e ${manifestDir}/${f} ]</#if>; then
    if ! ids=$(crictl ps --name ^${f?remove_ending(".yaml")}$ --state running -q); then
      echo "crictl ps failed (see above): is the container runtime up?" >&2
      exit 2
    fi
    <#if state == "gone">[ -z "$ids" ] || pending="$pending "${f?remove_ending(".yaml")}<#else>[ -n "$ids" ] || pending="$pending "${f?remove_ending(".yaml")}</#if>
  fi
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

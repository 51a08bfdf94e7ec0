<#--
  list-exited: the exited containers named NAME on this node (crictl ps -a), read before etcd
  starts on the restored data, so that the start's watch can tell a new exit from an old one (the
  original etcd, stopped by the run, is among them).
  Model: name (container name).
  Prints: exited=ID,ID,... (empty when none). Exits 2 when crictl is missing or fails.
-->
set -u
command -v crictl >/dev/null 2>&1 || { echo "crictl is not on PATH: install cri-tools on this node" >&2; exit 2; }
if ! ids=$(crictl ps -a --name ^${name}$ --state exited -q); then
  echo "crictl ps failed (see above): is the container runtime up?" >&2
  exit 2
fi
printf 'exited=%s\n' "$(printf '%s\n' $ids | paste -sd, -)"

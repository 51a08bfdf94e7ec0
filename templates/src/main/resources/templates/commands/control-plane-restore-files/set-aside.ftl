<#--
  set-aside: before control-plane-restore-files writes a file, whatever is at its path (a file,
  a link) is renamed to DIR/.NAME.runbook-aside-RUN: never deleted, never written over, and a
  dotfile, which a kubelet does not read as a pod. A missing parent dir is made (mode 0755, as
  kubeadm's are).
  Model: files (each: path, aside).
  Prints aside=PATH for each one moved, absent=PATH for each that was not there.
  Exits 3, moving nothing more, when an aside name is taken (an earlier attempt: look first).
-->
set -eu
<#list files as f>
if [ -e ${f.path} ] || [ -L ${f.path} ]; then
  if [ -e ${f.aside} ] || [ -L ${f.aside} ]; then
    echo ${f.aside}" exists already: an earlier attempt set a file aside there; look at both first" >&2
    exit 3
  fi
  mv -- ${f.path} ${f.aside}
  echo aside=${f.path}
else
  mkdir -p -m 0755 -- "$(dirname -- ${f.path})"
  echo absent=${f.path}
fi
</#list>
sync

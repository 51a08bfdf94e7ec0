<#--
  set-aside: during a rollback, stops a member on the restored data by moving the patched etcd
  manifest out of the manifest dir, but only when the original is in the run's dir (otherwise the
  manifest in place is the original, and stays). Never deletes.
  Model: manifestDir, runDir, file (e.g. etcd.yaml).
  Prints: setAside=PATH, or setAside= when there was nothing to set aside.
-->
set -eu
if [ -e ${manifestDir}/${file} ] && [ -e ${runDir}/${file} ]; then
  n=1
  while [ -e ${runDir}/${file}.rolled-back.$n ]; do n=$((n + 1)); done
  mv -- ${manifestDir}/${file} ${runDir}/${file}.rolled-back.$n
  sync
  printf 'setAside=%s\n' ${runDir}/${file}.rolled-back.$n
else
  echo setAside=
fi

<#--
  unit-roll-back: during a rollback, puts an external etcd member back on its original data dir:
  when the run's drop-in is installed, stops the unit and moves the drop-in into the run's dir
  (never deleted); then daemon-reload and systemctl start on the unit as it was (the original
  data dir, untouched). Starting a running unit is a no-op: safe to run again.
  Model: unit, target (the drop-in), runDir, name (the drop-in's file name), tail.
  Prints: setAside=PATH, or setAside= when no drop-in was installed. Exits 1, with the unit's last
  TAIL log lines on stderr, when it does not start.
-->
set -eu
setAside=
if [ -e ${target} ]; then
  systemctl stop ${unit}
  n=1
  while [ -e ${runDir}/${name}.rolled-back.$n ]; do n=$((n + 1)); done
  mkdir -p -m 0700 -- ${runDir}
  mv -- ${target} ${runDir}/${name}.rolled-back.$n
  sync
  setAside=${runDir}/${name}.rolled-back.$n
fi
systemctl daemon-reload
if ! systemctl start ${unit}; then
  echo ${unit}" did not start on its original data; its last log lines:" >&2
  journalctl -u ${unit} -n ${tail?c} --no-pager >&2 || true
  exit 1
fi
printf 'setAside=%s\n' "$setAside"

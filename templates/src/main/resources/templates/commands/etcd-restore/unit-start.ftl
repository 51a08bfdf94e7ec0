<#--
  unit-start: starts an external etcd member on its restored data: installs a copy of the staged
  drop-in (kept in the run's dir) into the unit's drop-in dir, made in the run's dir first and
  renamed, then daemon-reload and systemctl start. The same drop-in already there is fine (a
  retry); another file of that name is never overwritten (exit 3).
  Model: unit, source (the staged drop-in), dropInDir, target (the drop-in), runDir, tail.
  Prints: started=true. Exits 1, with the unit's last TAIL log lines on stderr, when it does not
  start.
-->
set -eu
mkdir -p -- ${dropInDir}
if [ -e ${target} ]; then
  if ! cmp -s -- ${source} ${target}; then
    echo ${target}" exists and is not "${source}": look at both; the run will not overwrite it" >&2
    exit 3
  fi
else
  tmp=${runDir}/.installing
  cp -- ${source} "$tmp"
  chmod 0644 -- "$tmp"
  sync
  mv -- "$tmp" ${target}
fi
systemctl daemon-reload
if ! systemctl start ${unit}; then
  echo ${unit}" did not start on the restored data; its last log lines:" >&2
  journalctl -u ${unit} -n ${tail?c} --no-pager >&2 || true
  exit 1
fi
echo started=true

<#--
  data-aside: renames the failed member's data dir aside (never deletes it) and makes an empty one
  in its place, owned and moded like the old, for the member to join the cluster again with. Safe
  to run again: when the old dir is already aside and the data dir is empty, nothing changes.
  Model: dataDir, aside.
  Prints: aside=PATH (moved now), already=PATH (moved by an earlier attempt), or aside= (there was
  no data dir to keep). Exits 3 when the aside path exists and the data dir is not empty.
-->
set -eu
if [ -e ${aside} ]; then
  if [ -d ${dataDir} ] && [ -z "$(ls -A -- ${dataDir})" ]; then
    printf 'already=%s\n' ${aside}
    exit 0
  fi
  echo ${aside}" exists and "${dataDir}" is not an empty dir: look at both" >&2
  exit 3
fi
if [ -e ${dataDir} ]; then
  mv -- ${dataDir} ${aside}
  mkdir -m 0700 -- ${dataDir}
  chown --reference=${aside} -- ${dataDir}
  sync
  printf 'aside=%s\n' ${aside}
else
  mkdir -p -m 0700 -- ${dataDir}
  sync
  echo aside=
fi

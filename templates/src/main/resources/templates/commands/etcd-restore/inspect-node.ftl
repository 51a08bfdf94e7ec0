<#--
  inspect-node: what the restore preflight needs to know about one node, read-only.
  Model:
    dataDir      the member's current data dir on the host (the etcd-data hostPath)
    restoredDir  where the restore will write (must not exist)
    runDir       where the manifests will be moved (must not exist)
  Prints: uid=N  dataDirExists=true|false  owner=UID:GID (of dataDir)  free=KIB (on restoredDir's
          parent)  restoredExists=true|false  runDirExists=true|false
-->
set -eu
printf 'uid=%s\n' "$(id -u)"
if [ -d ${dataDir} ]; then
  echo dataDirExists=true
  printf 'owner=%s\n' "$(stat -c %u:%g -- ${dataDir})"
else
  echo dataDirExists=false
fi
parent=$(dirname -- ${restoredDir})
if [ -d "$parent" ]; then
  printf 'free=%s\n' "$(df -Pk -- "$parent" | awk 'NR==2 {print $4}')"
else
  echo free=0
fi
if [ -e ${restoredDir} ] || [ -L ${restoredDir} ]; then echo restoredExists=true; else echo restoredExists=false; fi
if [ -e ${runDir} ] || [ -L ${runDir} ]; then echo runDirExists=true; else echo runDirExists=false; fi

<#--
  put-back: the way back before the member is removed from the cluster: the old data dir returns
  to its place (the empty one made for the join is removed only when it is still empty), and a
  manifest the run moved out of the manifest dir goes back there. A copy the run made of a manifest
  kept elsewhere stays in the run's dir. Safe to run again.
  Model: dataDir, aside, inPlace, manifestDir, runDir.
  Prints: data=back|untouched  manifest=back|kept|untouched
-->
set -eu
if [ -e ${aside} ]; then
  if [ -d ${dataDir} ]; then
    rmdir -- ${dataDir} || { echo ${dataDir}" is not empty: the old data dir stays at "${aside} >&2; exit 3; }
  fi
  mv -- ${aside} ${dataDir}
  echo data=back
else
  echo data=untouched
fi
<#if inPlace>
if [ -e ${runDir}/etcd.yaml ] && [ ! -e ${manifestDir}/etcd.yaml ]; then
  mv -- ${runDir}/etcd.yaml ${manifestDir}/etcd.yaml
  echo manifest=back
else
  echo manifest=untouched
fi
<#else>
echo manifest=kept
</#if>
sync

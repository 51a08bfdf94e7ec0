<#--
  put-back: the way back before the member is removed from the cluster: the old data dir returns
  to its place (the empty one made for the join is removed only while still empty; a data dir
  with content was never moved, and then nothing at the aside path is touched), and a
  manifest the run moved out of the manifest dir goes back there. A copy the run made of a manifest
  kept elsewhere stays in the run's dir. Safe to run again.
  Model: dataDir, aside, inPlace, manifestDir, runDir.
  Prints: data=back|untouched  manifest=back|kept|untouched
-->
set -eu
# The old data dir went aside only if the data dir is now absent or the empty one the run made;
# a data dir with content was never moved (whatever is at the aside path is not the run's).
if [ -e ${aside} ] && { [ ! -e ${dataDir} ] || { [ -d ${dataDir} ] && [ -z "$(ls -A -- ${dataDir})" ]; }; }; then
  if [ -d ${dataDir} ]; then rmdir -- ${dataDir}; fi
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

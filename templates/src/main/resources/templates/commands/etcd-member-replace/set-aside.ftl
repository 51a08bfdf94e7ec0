<#--
  set-aside: stops the failed member for good before it is removed: its etcd.yaml goes into the
  run's dir (moved when it is the manifest dir's, so the kubelet stops etcd; copied when the person
  had already set it aside elsewhere, which stays where it is). Never deletes; safe to run again.
  Model: manifest (where the member's etcd.yaml is), inPlace (it is the manifest dir's), runDir.
  Prints: manifest=moved|copied|already
-->
set -eu
mkdir -p -m 0700 -- ${runDir}
if [ -e ${runDir}/etcd.yaml ]; then
  echo manifest=already
  exit 0
fi
<#if inPlace>
mv -- ${manifest} ${runDir}/etcd.yaml
sync
echo manifest=moved
<#else>
cp -p -- ${manifest} ${runDir}/.etcd.yaml.part
sync
mv -- ${runDir}/.etcd.yaml.part ${runDir}/etcd.yaml
echo manifest=copied
</#if>

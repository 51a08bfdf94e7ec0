<#--
  finish-restore: gives the restored dir the owner of the member's old data dir and etcd's mode
  (0700), then renames it from .part to its final name, so that the final name means complete.
  Model: partDir, restoredDir, oldDataDir.
  Prints: restored=DIR owner=UID:GID
-->
set -eu
owner=$(stat -c %u:%g -- ${oldDataDir})
chown -R "$owner" -- ${partDir}
chmod 0700 -- ${partDir}
sync
mv -T -- ${partDir} ${restoredDir}
sync
printf 'restored=%s\nowner=%s\n' ${restoredDir} "$owner"

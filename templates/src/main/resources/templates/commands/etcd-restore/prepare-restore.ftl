<#--
  prepare-restore: before restoring a member, says whether this run already restored it (the
  restored dir exists: it only ever appears by a rename after a complete restore) and clears this
  run's own partial restore (the .part dir of an attempt that was cut off: it holds nothing that is
  not in the snapshot).
  Model: restoredDir, partDir.
  Prints: already=true|false  clearedPart=true|false
-->
set -eu
if [ -d ${restoredDir} ]; then
  echo already=true
  echo clearedPart=false
  exit 0
fi
echo already=false
if [ -e ${partDir} ]; then
  rm -rf -- ${partDir}
  echo clearedPart=true
else
  echo clearedPart=false
fi

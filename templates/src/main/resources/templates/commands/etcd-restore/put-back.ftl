<#--
  put-back: starts static pods again by moving their manifests from the run's dir back into the
  manifest dir. Safe to run again.
  Model: manifestDir, runDir, files.
  Prints (lists end with a comma): moved=a,b,  already=a,b (in the manifest dir, not in the run dir)  absent=a,b
  Exits 3 when a file is in both places (refusing to overwrite a manifest someone put there).
-->
set -eu
moved= already= absent=
<#list files as f>
if [ -e ${runDir}/${f} ]; then
  if [ -e ${manifestDir}/${f} ]; then
    echo ${f}" is both in "${manifestDir}" and in "${runDir}": look at both and keep one" >&2
    exit 3
  fi
  mv -- ${runDir}/${f} ${manifestDir}/${f}
  moved=$moved${f},
elif [ -e ${manifestDir}/${f} ]; then
  already=$already${f},
else
  absent=$absent${f},
fi
</#list>
sync
printf 'moved=%s\nalready=%s\nabsent=%s\n' "$moved" "$already" "$absent"

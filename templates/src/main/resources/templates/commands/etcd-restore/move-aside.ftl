<#--
  move-aside: stops static pods by moving their manifests out of the manifest dir into the run's
  dir beside it (kubelet then stops them). Never deletes; safe to run again.
  Model: manifestDir, runDir, files (manifest file names).
  Prints (lists end with a comma): moved=a,b, (moved now)  already=a,b (moved by an earlier attempt)  absent=a,b (in neither)
  Exits 3, moving nothing more, when a file is in both places (someone put a manifest back).
-->
set -eu
mkdir -p -m 0700 -- ${runDir}
moved= already= absent=
<#list files as f>
if [ -e ${manifestDir}/${f} ]; then
  if [ -e ${runDir}/${f} ]; then
    echo ${f}" is both in "${manifestDir}" and in "${runDir}": look at both and keep one" >&2
    exit 3
  fi
  mv -- ${manifestDir}/${f} ${runDir}/${f}
  moved=$moved${f},
elif [ -e ${runDir}/${f} ]; then
  already=$already${f},
else
  absent=$absent${f},
fi
</#list>
sync
printf 'moved=%s\nalready=%s\nabsent=%s\n' "$moved" "$already" "$absent"

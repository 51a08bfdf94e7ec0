<#-- Creates the rehearsal's scratch dir, which must not exist beforehand (a leftover from another
     rehearsal is never reused or removed here). Model: root, dir, bytes (room needed: the snapshot
     and its restored copy). Prints scratch=DIR, free=KIB. -->
set -eu
root=${root}
dir=${dir}
bytes=${bytes}
need=$(( (bytes * 2 + 1023) / 1024 ))
mkdir -p -- "$root"
if [ -e "$dir" ]; then
  echo "$dir already exists: a rehearsal never reuses a scratch dir; look at it, move it aside, and run again" >&2
  exit 3
fi
free=$(df -Pk -- "$root" | awk 'NR==2 {print $4}')
if [ "$free" -lt "$need" ]; then
  echo "$root has $free KiB free; the rehearsal needs $need KiB (the snapshot and its restored copy): choose another scratchRoot" >&2
  exit 2
fi
mkdir -m 0700 -- "$dir"
echo "scratch=$dir"
echo "free=$free"

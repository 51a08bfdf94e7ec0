<#-- Makes sure the backup dir exists (mode 0700: a snapshot holds every secret of the cluster)
     and has room for the copy, before a byte is sent. Model: dir, bytes. Prints free=KIB. -->
set -eu
dir=${dir}
bytes=${bytes}
need=$(( (bytes + 1023) / 1024 ))
mkdir -p -m 0700 -- "$dir"
if [ ! -w "$dir" ] || [ ! -d "$dir" ]; then
  echo "the backup dir $dir is not a writable directory on this node" >&2
  exit 2
fi
free=$(df -Pk -- "$dir" | awk 'NR==2 {print $4}')
if [ "$free" -lt "$need" ]; then
  echo "the backup dir $dir has $free KiB free; the snapshot needs $need KiB: free some space or choose another dir (backupDir)" >&2
  exit 2
fi
echo "free=$free"

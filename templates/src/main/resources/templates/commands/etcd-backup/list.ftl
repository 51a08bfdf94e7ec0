<#-- Lists the snapshot files of this cluster in the backup dir, one name per line (none when the
     dir does not exist). Model: dir, prefix. -->
set -eu
dir=${dir}
prefix=${prefix}
[ -d "$dir" ] || exit 0
cd -- "$dir"
for f in "$prefix"*.db; do
  [ -f "$f" ] && echo "$f"
done
exit 0

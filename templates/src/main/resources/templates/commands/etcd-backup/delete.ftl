<#-- Retention: deletes the named old snapshots of this cluster from the backup dir. The step chose
     them (never the snapshot just taken). Model: dir, names. -->
set -eu
cd -- ${dir}
<#list names as n>
rm -f -- ${n}
echo deleted=${n}
</#list>
sync

<#-- Retention: deletes one old snapshot of this cluster from the backup dir, one command per
     file, so that each deletion is a command the plan shows (with the file's name as a value
     only the run knows). The step chose it (never the snapshot just taken). Model: dir, name. -->
set -eu
cd -- ${dir}
rm -f -- ${name}
echo deleted=${name}
sync

<#--
  unit-cat: prints an external etcd member's systemd unit as systemd reads it: the unit file, then
  its drop-ins in order, each after its "# /path" line. Read-only.
  Model: unit (e.g. etcd.service). Exits 1 when the node has no such unit ("No files found for").
-->
systemctl --no-pager cat ${unit}

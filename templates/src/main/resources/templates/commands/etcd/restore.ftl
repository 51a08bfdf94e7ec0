<#--
  restore: restores an etcd snapshot into a new data directory (the rehearsal's throwaway, or a
  live member's new data dir: nothing here is specific to the rehearsal).
  Model:
    tool            "etcdutl" (etcd >= 3.5: etcdutl snapshot restore; the only one in 3.6 and later,
                    which removed etcdctl snapshot restore)
                    or "etcdctl" (etcd 3.4: ETCDCTL_API=3 etcdctl snapshot restore)
    toolPath        path of that tool on the node
    snapshot        snapshot file on the node
    dataDir         target data directory; must NOT exist (checked first: exit 3, nothing touched)
    name            member name
    initialCluster  e.g. a=https://10.0.0.1:2380,b=https://10.0.0.2:2380
    peerUrl         this member's advertised peer URL (--initial-advertise-peer-urls)
    token           --initial-cluster-token
    bumpRevision    number, or absent/null: --bump-revision is then omitted
    markCompacted   boolean, optional, true when absent: --mark-compacted is rendered with, and
                    only with, --bump-revision, since etcdutl (3.5 and 3.6) refuses either without
                    the other ("--mark-compacted required if --revision-bump > 0"); false with a
                    bumpRevision is refused here, before the command reaches a node
  The snapshot's hash is always checked (never --skip-hash-check).
  Prints: restored=DATADIR
  Exits 2 when the snapshot is unreadable, 3 when dataDir exists, 4 when the tool exited 0 but
  wrote no member dir (nothing restored), else the tool's exit status.
-->
<#if tool != "etcdutl" && tool != "etcdctl"><#stop "restore.ftl: tool must be etcdutl or etcdctl, not " + tool></#if>
<#if bumpRevision?? && !(markCompacted!true)><#stop "restore.ftl: --bump-revision goes with --mark-compacted (etcdutl refuses one without the other), so markCompacted cannot be false with a bumpRevision"></#if>
if [ -e ${dataDir} ] || [ -L ${dataDir} ]; then
  echo "refusing to restore into existing dir "${dataDir}": move it aside or choose another data dir" >&2
  exit 3
fi
if [ ! -f ${snapshot} ] || [ ! -r ${snapshot} ]; then
  echo "snapshot "${snapshot}" is not a readable file on this node: copy the snapshot here first" >&2
  exit 2
fi
<#if tool == "etcdctl">ETCDCTL_API=3 </#if>${toolPath} snapshot restore ${snapshot} \
  --data-dir ${dataDir} \
  --name ${name} \
  --initial-cluster ${initialCluster} \
  --initial-cluster-token ${token} \
  --initial-advertise-peer-urls ${peerUrl}<#if bumpRevision??> \
  --bump-revision ${bumpRevision} \
  --mark-compacted</#if> >&2
rc=$?
if [ "$rc" -ne 0 ]; then
  echo ${tool}" snapshot restore failed (exit $rc): see the messages above; "${dataDir}" may hold a partial restore, remove it before retrying" >&2
  exit "$rc"
fi
# A tool that cannot restore may still exit 0: etcdctl 3.6 and later answer `snapshot restore`
# with their usage only. A restore that wrote no member dir restored nothing; starting etcd on it
# would start an empty cluster.
if [ ! -d ${dataDir}/member ]; then
  echo ${tool}" snapshot restore exited 0 but wrote no member dir into "${dataDir}": nothing was restored (etcdctl 3.6 and later cannot restore: use etcdutl)" >&2
  exit 4
fi
printf 'restored=%s\n' ${dataDir}

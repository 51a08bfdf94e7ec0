<#--
  detect-tools: finds the etcd tools on the node's PATH and what its snapshot restore can do.
  Model: nothing.
  Prints (one key=value per line; a value is empty when the tool is absent):
    etcd=PATH  etcdctl=PATH  etcdutl=PATH
    etcdctlVersion=X.Y.Z     (from `etcdctl version`)
    etcdVersion=X.Y.Z        (from `etcd --version`, else `etcdctl version`, else `etcdutl version`)
    restoreTool=etcdutl|etcdctl|   (etcdutl when present, else etcdctl if it has `snapshot restore`)
    bumpRevision=true|false  markCompacted=true|false
                             (the flags --bump-revision / --mark-compacted, read from the restore
                              tool's `snapshot restore --help`, never inferred from the version)
  etcd 3.4 restores with etcdctl, 3.5 with either, 3.6 and later with etcdutl only: etcd 3.6 removed
  `etcdctl snapshot restore`, and its `etcdctl snapshot restore --help` prints the usage of
  `etcdctl snapshot`, which names no --data-dir, so the help finds no restore in it.
  Exits 1 (after printing the keys) when there is no restore tool at all; the message names etcdutl
  of etcdctl's own version when etcdctl is 3.6 or later.
-->
etcd_bin=$(command -v etcd 2>/dev/null || true)
etcdctl_bin=$(command -v etcdctl 2>/dev/null || true)
etcdutl_bin=$(command -v etcdutl 2>/dev/null || true)
printf 'etcd=%s\n' "$etcd_bin"
printf 'etcdctl=%s\n' "$etcdctl_bin"
printf 'etcdutl=%s\n' "$etcdutl_bin"

ctl_version=
if [ -n "$etcdctl_bin" ]; then
  ctl_version=$(ETCDCTL_API=3 "$etcdctl_bin" version 2>/dev/null | sed -n 's/^etcdctl version: *\([0-9][0-9.]*\).*/\1/p' | head -n 1)
fi
printf 'etcdctlVersion=%s\n' "$ctl_version"

version=
if [ -n "$etcd_bin" ]; then
  version=$("$etcd_bin" --version 2>/dev/null | sed -n 's/^etcd Version: *\([0-9][0-9.]*\).*/\1/p' | head -n 1)
fi
if [ -z "$version" ]; then
  version=$ctl_version
fi
if [ -z "$version" ] && [ -n "$etcdutl_bin" ]; then
  version=$("$etcdutl_bin" version 2>/dev/null | sed -n 's/^etcdutl version: *\([0-9][0-9.]*\).*/\1/p' | head -n 1)
fi
printf 'etcdVersion=%s\n' "$version"

restore_tool=
help=
if [ -n "$etcdutl_bin" ] && help=$("$etcdutl_bin" snapshot restore --help 2>&1) && printf '%s\n' "$help" | grep -q -e '--data-dir'; then
  restore_tool=etcdutl
elif [ -n "$etcdctl_bin" ] && help=$(ETCDCTL_API=3 "$etcdctl_bin" snapshot restore --help 2>&1) && printf '%s\n' "$help" | grep -q -e '--data-dir'; then
  restore_tool=etcdctl
else
  help=
fi
printf 'restoreTool=%s\n' "$restore_tool"
if printf '%s\n' "$help" | grep -q -e '--bump-revision'; then echo bumpRevision=true; else echo bumpRevision=false; fi
if printf '%s\n' "$help" | grep -q -e '--mark-compacted'; then echo markCompacted=true; else echo markCompacted=false; fi

if [ -z "$restore_tool" ]; then
  ctl_without_restore=false
  case "$ctl_version" in
    3.[6-9].*|3.[1-9][0-9].*|[4-9].*|[1-9][0-9].*) ctl_without_restore=true ;;
  esac
  if [ "$ctl_without_restore" = true ] && [ -z "$etcdutl_bin" ]; then
    echo "$etcdctl_bin is etcdctl $ctl_version, which has no 'snapshot restore' (etcd 3.6 removed it from etcdctl; only etcdutl restores a snapshot), and there is no etcdutl on PATH ($PATH): install etcdutl $ctl_version, the same version as etcdctl, on this node (it ships in the etcd v$ctl_version release), then run again" >&2
  else
    echo "no etcd snapshot restore tool on PATH ($PATH): install etcdutl (etcd >= 3.5) or etcdctl with 'snapshot restore' (etcd 3.4) on this node" >&2
  fi
  exit 1
fi

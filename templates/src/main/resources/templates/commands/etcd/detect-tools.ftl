<#--
  detect-tools: finds the etcd tools on the node's PATH and what its snapshot restore can do.
  Model: nothing.
  Prints (one key=value per line; a value is empty when the tool is absent):
    etcd=PATH  etcdctl=PATH  etcdutl=PATH
    etcdVersion=X.Y.Z        (from `etcd --version`, else `etcdctl version`, else `etcdutl version`)
    restoreTool=etcdutl|etcdctl|   (etcdutl when present, else etcdctl if it has `snapshot restore`)
    bumpRevision=true|false  markCompacted=true|false
                             (the flags --bump-revision / --mark-compacted, read from the restore
                              tool's `snapshot restore --help`, never inferred from the version)
  Exits 1 (after printing the keys) when there is no restore tool at all.
-->
etcd_bin=$(command -v etcd 2>/dev/null || true)
etcdctl_bin=$(command -v etcdctl 2>/dev/null || true)
etcdutl_bin=$(command -v etcdutl 2>/dev/null || true)
printf 'etcd=%s\n' "$etcd_bin"
printf 'etcdctl=%s\n' "$etcdctl_bin"
printf 'etcdutl=%s\n' "$etcdutl_bin"

version=
if [ -n "$etcd_bin" ]; then
  version=$("$etcd_bin" --version 2>/dev/null | sed -n 's/^etcd Version: *\([0-9][0-9.]*\).*/\1/p' | head -n 1)
fi
if [ -z "$version" ] && [ -n "$etcdctl_bin" ]; then
  version=$(ETCDCTL_API=3 "$etcdctl_bin" version 2>/dev/null | sed -n 's/^etcdctl version: *\([0-9][0-9.]*\).*/\1/p' | head -n 1)
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
  echo "no etcd snapshot restore tool on PATH ($PATH): install etcdutl (etcd >= 3.5) or etcdctl with 'snapshot restore' (etcd 3.4) on this node" >&2
  exit 1
fi

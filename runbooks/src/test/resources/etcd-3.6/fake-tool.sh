#!/bin/sh
# A stand-in for an etcd 3.6 tool (etcd, etcdctl or etcdutl, named by TOOL below), for the fast
# Etcd36ToolsTest: it prints the recorded output in @FIXTURES@ for the calls that were recorded,
# and logs every call to @LOG@ so that the test sees what ran. etcdutl's `snapshot restore` is
# acted out: every flag must be one its recorded --help lists, --bump-revision and
# --mark-compacted must come together (as etcdutl 3.6's SnapshotRestoreCommandFunc demands), and
# the data dir is created with member/snap and member/wal as a restore leaves it.
TOOL=@TOOL@
printf '%s %s\n' "$TOOL" "$*" >>'@LOG@'
recorded() {
  exec /usr/bin/sed '1,/^## ----$/d' "@FIXTURES@/$1"
}
case "$TOOL $*" in
  'etcd --version') recorded etcd--version.txt ;;
  'etcdctl version') recorded etcdctl-version.txt ;;
  'etcdctl snapshot restore --help') recorded etcdctl-snapshot-restore--help.txt ;;
  # etcdctl 3.6 has no `snapshot restore`: it prints the usage of `etcdctl snapshot`, exit 0.
  'etcdctl snapshot restore '*) recorded etcdctl-snapshot-restore--help.txt ;;
  'etcdutl version') recorded etcdutl-version.txt ;;
  'etcdutl snapshot restore --help') recorded etcdutl-snapshot-restore--help.txt ;;
  'etcdutl snapshot restore '*) ;;
  *)
    echo "$TOOL 3.6 stand-in: nothing recorded for: $*" >&2
    exit 2
    ;;
esac
shift 2
help=$(/usr/bin/sed '1,/^## ----$/d' "@FIXTURES@/etcdutl-snapshot-restore--help.txt")
snapshot=
data_dir=
bump=0
mark=false
while [ $# -gt 0 ]; do
  case "$1" in
    --*)
      flag=$1
      line=$(printf '%s\n' "$help" | /usr/bin/grep -e "^ *\(-[a-z], \)\{0,1\}$flag\( \|\$\)")
      if [ -z "$line" ]; then
        echo "Error: unknown flag: $flag" >&2
        exit 1
      fi
      value=true
      case "$line" in
        *"$flag string"* | *"$flag uint"*)
          value=$2
          shift
          ;;
      esac
      case "$flag" in
        --data-dir) data_dir=$value ;;
        --bump-revision) bump=$value ;;
        --mark-compacted) mark=true ;;
      esac
      ;;
    *) snapshot=$1 ;;
  esac
  shift
done
if { [ "$bump" = 0 ] && [ "$mark" = true ]; } || { [ "$bump" != 0 ] && [ "$mark" = false ]; }; then
  echo "Error: --mark-compacted required if --revision-bump > 0" >&2
  exit 128
fi
if [ ! -f "$snapshot" ]; then
  echo "Error: stat $snapshot: no such file or directory" >&2
  exit 1
fi
if [ -z "$data_dir" ]; then
  echo "Error: --data-dir is required" >&2
  exit 1
fi
/bin/mkdir -p "$data_dir/member/snap" "$data_dir/member/wal"

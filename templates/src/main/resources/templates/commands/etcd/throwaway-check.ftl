<#--
  throwaway-check: reads what the throwaway etcd holds, to compare with the source.
  Model:
    etcdctl    etcdctl path
    endpoint   e.g. http://127.0.0.1:32401
    markerKey  optional key (absent/null: not read)
  Prints:
    healthy=true|false   (`etcdctl endpoint health`; on false it exits 1 after this line)
    revision=N           (header.revision of the keyspace count below: both from one read)
    keys=N               (every key: the count of get "" --prefix, which the server reports whatever
                          the --limit; etcdctl 3.4 has no --count-only, 3.5 none with -w json)
    namespaces=N         (keys under /registry/namespaces/)
    markerFound=true|false          only with markerKey
    marker=BASE64                   only with markerKey, when the key exists: its value, base64
                                    (exact bytes; empty for an empty value)
-->
<#-- JSON is read with sed: etcdctl's -w json puts each object on one line, numbers unquoted, and
     omits zero counts ("count" absent means 0) and empty values. -->
etcdctl_bin=${etcdctl}
endpoint=${endpoint}
for v in $(env | sed -n 's/^\(ETCDCTL_[A-Za-z0-9_]*\)=.*/\1/p'); do
  unset "$v"
done
export ETCDCTL_API=3
ctl() {
  "$etcdctl_bin" --endpoints "$endpoint" --dial-timeout 2s --command-timeout 10s "$@"
}
json_number() {
  sed -n 's/.*"'"$1"'":\([0-9][0-9]*\).*/\1/p' | head -n 1
}
if ctl endpoint health >/dev/null 2>&1; then
  echo healthy=true
else
  echo healthy=false
  echo "etcd at $endpoint is not healthy: check that the throwaway etcd still runs (its log file)" >&2
  exit 1
fi
if ! all=$(ctl get "" --prefix --keys-only --limit 1 -w json); then
  echo "cannot count the keys at $endpoint (see above): check the throwaway etcd's log" >&2
  exit 1
fi
revision=$(printf '%s\n' "$all" | json_number revision)
keys=$(printf '%s\n' "$all" | json_number count)
if [ -z "$revision" ]; then
  echo "no header.revision in etcdctl's answer: $all" >&2
  exit 1
fi
printf 'revision=%s\n' "$revision"
[ -n "$keys" ] || keys=0
printf 'keys=%s\n' "$keys"
if ! ns=$(ctl get /registry/namespaces/ --prefix --keys-only --limit 1 -w json); then
  echo "cannot count /registry/namespaces/ at $endpoint (see above): check the throwaway etcd's log" >&2
  exit 1
fi
ns=$(printf '%s\n' "$ns" | json_number count)
[ -n "$ns" ] || ns=0
printf 'namespaces=%s\n' "$ns"
<#if markerKey??>
if ! marker=$(ctl get -w json -- ${markerKey}); then
  echo "cannot read the marker key at $endpoint (see above): check the throwaway etcd's log" >&2
  exit 1
fi
if [ "$(printf '%s\n' "$marker" | json_number count)" = 1 ]; then
  echo markerFound=true
  printf 'marker=%s\n' "$(printf '%s\n' "$marker" | sed -n 's/.*"value":"\([A-Za-z0-9+\/=]*\)".*/\1/p' | head -n 1)"
else
  echo markerFound=false
fi
</#if>

<#--
  free-ports: picks TCP ports on 127.0.0.1 that nobody uses, for a throwaway etcd.
  Model:
    avoid  list of port numbers never to return (e.g. the live 2379 and 2380); may be empty
    count  how many ports (e.g. 2)
  Ports come in random order from 32379-32999; a port is taken when any TCP socket on any address
  uses it as its local port (`ss -Htan`: listeners and connections alike).
  Prints: ports=P1,P2,...
  Exits 1 when fewer than count ports are free.
-->
count=${count}
avoid=<#list avoid as port>${port}<#sep>,</#sep></#list>
case "$count" in
  ''|*[!0-9]*) echo "count must be a number, not '$count'" >&2; exit 2 ;;
esac
if ! command -v ss >/dev/null 2>&1; then
  echo "ss not found: install iproute2 on this node" >&2
  exit 1
fi
used=$(ss -Htan | awk '{ n = split($4, a, ":"); print a[n] }')
used=",$(printf '%s\n' "$used" | sort -un | tr '\n' ','),"
ports=
found=0
for port in $(shuf -i 32379-32999); do
  [ "$found" -ge "$count" ] && break
  case ",$avoid," in *",$port,"*) continue ;; esac
  case "$used" in *",$port,"*) continue ;; esac
  ports="$ports,$port"
  found=$((found + 1))
done
if [ "$found" -lt "$count" ]; then
  echo "only $found of $count TCP ports free in 32379-32999 on this node: stop what holds them or retry later" >&2
  exit 1
fi
printf 'ports=%s\n' "$(printf '%s' "$ports" | sed 's/^,//')"

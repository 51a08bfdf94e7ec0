<#--
  unit-stop: stops an external etcd member (systemctl stop) and waits until systemd no longer
  says it is active; makes the run's dir on the member (the staged drop-in and the edited copy of
  an environment file go there). Stopping a stopped unit is a no-op: safe to run again.
  Model: unit, runDir, seconds (how long to wait).
  Prints: state=inactive|failed. Exits 124 when the unit is still active after the wait.
-->
set -eu
mkdir -p -m 0700 -- ${runDir}
systemctl stop ${unit}
limit=${seconds?c}
start=$(date +%s)
while :; do
  state=$(systemctl is-active ${unit} || true)
  case $state in
    inactive | failed | unknown) break ;;
  esac
  if [ $(($(date +%s) - start)) -ge "$limit" ]; then
    echo ${unit}" is still $state after $limit s" >&2
    exit 124
  fi
  sleep 1
done
printf 'state=%s\n' "$state"

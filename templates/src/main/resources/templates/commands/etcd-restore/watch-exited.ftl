<#--
  watch-exited: whether a container named NAME exited since list-exited read the node: one that
  is not among the known ids. Sent every few seconds while the run waits for a healthy quorum
  on the restored data, so that a member that cannot start fails the step in seconds, not at the
  end of the wait. Read-only.
  Model: name, known (the ids list-exited printed, comma-separated), tail (log lines to show).
  Prints: exited=ID for the first new one (its last log lines on stderr), else exited=.
  Exits 2 when crictl fails.
-->
set -u
known=${known}
if ! ids=$(crictl ps -a --name ^${name}$ --state exited -q); then
  echo "crictl ps failed (see above): is the container runtime up?" >&2
  exit 2
fi
for id in $ids; do
  case ",$known," in
    *",$id,"*) continue ;;
  esac
  printf 'exited=%s\n' "$id"
  crictl logs --tail ${tail?c} "$id" >&2 2>&1 || true
  exit 0
done
echo exited=

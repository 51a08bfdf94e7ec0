<#-- Accepts an uploaded copy into the backup dir: re-checks its SHA-256 on the node, then renames
     it to its final name (never over an existing file). A bad copy is removed; the previous
     backups are untouched. Model: incoming, target, sha256. Prints sha256=HEX, accepted=PATH. -->
set -eu
incoming=${incoming}
target=${target}
expected=${sha256}
actual=$(sha256sum -- "$incoming" | cut -d' ' -f1)
if [ "$actual" != "$expected" ]; then
  rm -f -- "$incoming"
  echo "the copy on this node has SHA-256 $actual, not $expected: removed it; the previous backups are untouched" >&2
  exit 4
fi
if [ -e "$target" ]; then
  rm -f -- "$incoming"
  if [ "$(sha256sum -- "$target" | cut -d' ' -f1)" != "$expected" ]; then
    echo "$target already exists on this node with other content: not replaced" >&2
    exit 3
  fi
  echo "sha256=$actual"
  echo "accepted=$target"
  exit 0
fi
mv -- "$incoming" "$target"
sync
echo "sha256=$actual"
echo "accepted=$target"

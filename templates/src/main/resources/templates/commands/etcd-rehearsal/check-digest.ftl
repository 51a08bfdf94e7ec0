<#-- Re-checks on the node that the uploaded snapshot is the one verified on the engine host.
     Model: file, sha256. Prints sha256=HEX. -->
set -eu
actual=$(sha256sum -- ${file} | cut -d' ' -f1)
if [ "$actual" != ${sha256} ]; then
  echo "the snapshot on this node has SHA-256 $actual, not "${sha256}": the upload was damaged; run again" >&2
  exit 4
fi
echo "sha256=$actual"

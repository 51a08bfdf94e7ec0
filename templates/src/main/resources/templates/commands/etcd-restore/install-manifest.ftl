<#--
  install-manifest: puts a copy of a manifest kept in the run's dir into the manifest dir under its
  real name (a copy: the run's dir keeps both the original and the patched one). The copy is made
  in the run's dir first and renamed, so kubelet never reads half a file. Safe to run again.
  Model: source (file in the run's dir), target (file in the manifest dir), runDir.
  Prints: installed=true (now) or already=true. Exits 3 when the target exists with other content.
-->
set -eu
if [ -e ${target} ]; then
  if cmp -s -- ${source} ${target}; then echo already=true; exit 0; fi
  echo ${target}" exists and is not "${source}": look at both; the run will not overwrite it" >&2
  exit 3
fi
tmp=${runDir}/.installing
cp -- ${source} "$tmp"
chmod 0600 -- "$tmp"
sync
mv -- "$tmp" ${target}
echo installed=true

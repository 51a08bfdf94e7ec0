<#--
  list-files: what control-plane-backup archives from one node, read-only. Names, modes, owners
  and digests only: no file's content is printed (the engine reads the files over SFTP, so a
  private key never passes through a command's output, which is evidence).
  Model:
    pkiDir    the PKI directory; required: missing, it ends with exit 3
    dirs      optional directories, read recursively (the static-pod manifests, kubelet's pki)
    files     optional files (kubeconfigs, kubelet configuration, the kubeadm drop-in)
  Prints one line per file, tab-separated:
    F  mode uid gid owner group size mtime sha256 path      a regular file
    L  mode uid gid owner group size mtime -      path target   a symbolic link (not followed)
    M  path                                                 an optional file or dir not there
-->
set -eu
pki=${pkiDir}
if [ ! -d "$pki" ]; then
  echo "the PKI directory $pki is missing on this node: there is no control plane to back up here" >&2
  exit 3
fi
entry() {
  if [ -L "$1" ]; then
    printf 'L\t'
    stat --printf '%a\t%u\t%g\t%U\t%G\t%s\t%Y\t-\t' -- "$1"
    printf '%s\t%s\n' "$1" "$(readlink -- "$1")"
  elif [ -f "$1" ]; then
    printf 'F\t'
    stat --printf '%a\t%u\t%g\t%U\t%G\t%s\t%Y\t' -- "$1"
    printf '%s\t%s\n' "$(sha256sum -- "$1" | cut -d ' ' -f 1)" "$1"
  fi
}
tree() {
  find "$1" \( -type f -o -type l \) -print | LC_ALL=C sort | while IFS= read -r f; do entry "$f"; done
}
tree "$pki"
for d in<#list dirs as d> ${d}</#list>; do
  if [ -d "$d" ]; then tree "$d"; else printf 'M\t%s\n' "$d"; fi
done
for f in<#list files as f> ${f}</#list>; do
  if [ -e "$f" ] || [ -L "$f" ]; then entry "$f"; else printf 'M\t%s\n' "$f"; fi
done

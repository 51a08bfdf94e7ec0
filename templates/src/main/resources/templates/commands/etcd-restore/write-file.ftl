<#-- Writes a small text file atomically (a .part, then a rename), mode 0600. Refuses to replace a
     different existing file (exit 3); the same content is fine (a retry).
     Model: file, content. Prints: written=FILE -->
set -eu
tmp=${file}.part
umask 077
printf '%s' ${content} > "$tmp"
if [ -e ${file} ]; then
  if cmp -s -- "$tmp" ${file}; then
    rm -f -- "$tmp"
    printf 'written=%s\n' ${file}
    exit 0
  fi
  rm -f -- "$tmp"
  echo ${file}" exists with other content: look at it, move it aside, run again" >&2
  exit 3
fi
sync
mv -- "$tmp" ${file}
printf 'written=%s\n' ${file}

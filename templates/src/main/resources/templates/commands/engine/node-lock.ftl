<#--
  node-lock: the engine's lock on a node, one run at a time whatever engine home or cluster name
  starts it. The holder is written whole to a file of its own, then hard-linked to the lock's name:
  ln fails when the lock exists, so two runs can never both take it and nobody reads a half-written
  holder. Lives under /var/lib, so it outlasts a reboot of the node.
  Model: dir, lock, part (this run's own temporary file), home, host, since.
  Prints: taken (now), or again (this run held it already: a resume); exit 0.
  Exit 4 with the holder's file on stdout when another run holds it; exit 3 when nothing could be
  written.
-->
umask 077
mkdir -p -- ${dir} || exit 3
printf 'run=%s\nhome=%s\nhost=%s\nby=%s\nsince=%s\n' ${run.id} ${home} ${host} ${run.startedBy} ${since} > ${part} || exit 3
if ln -- ${part} ${lock} 2>/dev/null; then
  rm -f -- ${part}
  echo taken
  exit 0
fi
rm -f -- ${part}
if grep -qxF -- run=${run.id} ${lock} 2>/dev/null; then
  echo again
  exit 0
fi
cat -- ${lock}
exit 4

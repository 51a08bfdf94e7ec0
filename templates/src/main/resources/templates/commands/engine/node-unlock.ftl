<#--
  node-unlock: removes the node lock only when it names the run (run): a lock another run took
  since is left alone. Used at a run's end, and by a person breaking a lock whose run is gone.
  Model: lock, holder (the run id the lock must name).
  Prints: released (removed now), absent (no lock), or other followed by the holder's file (left).
-->
if grep -qxF -- run=${holder} ${lock} 2>/dev/null; then
  rm -f -- ${lock} || exit 3
  echo released
elif [ -e ${lock} ]; then
  echo other
  cat -- ${lock}
else
  echo absent
fi

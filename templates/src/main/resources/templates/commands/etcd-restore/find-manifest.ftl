<#--
  find-manifest: where a member's manifest is, for the rollback's probe: in the manifest dir, in
  the run's dir, both (the patched one in place, the original aside), or neither (someone moved
  it: the rollback cannot know which to put back). Reads only.
  Model: manifestDir, runDir, file (e.g. etcd.yaml).
  Prints: inPlace=true|false  inRunDir=true|false
-->
if [ -e ${manifestDir}/${file} ]; then echo inPlace=true; else echo inPlace=false; fi
if [ -e ${runDir}/${file} ]; then echo inRunDir=true; else echo inRunDir=false; fi

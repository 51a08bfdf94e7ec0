<#--
  find-manifest: where a member's manifests are, for the probes of the steps that move them: in
  the manifest dir, in the run's dir, both (the patched one in place, the original aside), or
  neither (someone moved it: the step cannot know what to put back). Reads only.
  Model: manifestDir, runDir, files (e.g. etcd.yaml).
  Prints, for the i-th file (from 0): inPlaceI=true|false  inRunDirI=true|false
-->
<#list files as f>
if [ -e ${manifestDir}/${f} ]; then echo inPlace${f?index}=true; else echo inPlace${f?index}=false; fi
if [ -e ${runDir}/${f} ]; then echo inRunDir${f?index}=true; else echo inRunDir${f?index}=false; fi
</#list>

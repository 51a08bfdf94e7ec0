<#--
  find-manifest: where a member's manifests are, for the probes of the steps that move them: in
  the manifest dir, in the run's dir, both (the patched one in place, the original aside), or
  neither (someone moved it: the step cannot know what to put back). Reads only.
  Model: manifestDir, runDir, files (e.g. etcd.yaml).
  Prints, for each file F: F.inPlace=true|false  F.inRunDir=true|false
-->
<#list files as f>
if [ -e ${manifestDir}/${f} ]; then echo ${f}.inPlace=true; else echo ${f}.inPlace=false; fi
if [ -e ${runDir}/${f} ]; then echo ${f}.inRunDir=true; else echo ${f}.inRunDir=false; fi
</#list>

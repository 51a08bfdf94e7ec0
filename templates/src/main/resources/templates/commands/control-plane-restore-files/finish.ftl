<#--
  finish: the files were written over SFTP beside their places as dotfiles (DIR/.NAME.runbook-
  restore-RUN, each with its mode: a kubelet ignores dotfiles in its manifest dir, so no half-
  written or early manifest starts a pod). Each gets its owner and is renamed into place, the
  PKI before the manifests that use it; the links are made. Then every regular file's SHA-256 is
  printed for the engine to check against the archive's manifest.
  Model: files (each: path, staged, owner as UID:GID, target: where a link points, empty for a
  file).
  Prints sha256sum's lines (digest, two spaces, path) for the regular files.
-->
set -eu
<#list files as f>
<#if f.target?has_content>
ln -s -- ${f.target} ${f.path}
chown -h -- ${f.owner} ${f.path}
<#else>
chown -- ${f.owner} ${f.staged}
mv -- ${f.staged} ${f.path}
</#if>
</#list>
sync
sha256sum --<#list files as f><#if !f.target?has_content> ${f.path}</#if></#list>

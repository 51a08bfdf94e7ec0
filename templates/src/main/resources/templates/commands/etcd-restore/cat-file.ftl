<#-- Prints a file the restore reads on the node (a manifest, a certificate: nothing secret).
     Model: file. Exits 2 when it is not a readable file. -->
if [ ! -f ${file} ] || [ ! -r ${file} ]; then
  echo ${file}" is not a readable file on this node" >&2
  exit 2
fi
cat -- ${file}

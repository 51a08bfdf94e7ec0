<#-- Renamed, never deleted; a node without the stamp (the write failed there) is left alone. -->
if [ -e ${path} ]; then mv -- ${path} ${path}.rolled-back; fi

<#-- Write the stamp atomically: a half-written stamp must never be taken for a whole one. -->
mkdir -p -- ${dir} && printf '%s\n' ${run.id} > ${path}.part && mv -- ${path}.part ${path}

mkdir -p -- ${dir} && echo ${run.id} > ${dir}/${node.name}.done

if test -e ${dir}/${node.name}.done; then echo done; else echo not-done; fi

cat ${path}

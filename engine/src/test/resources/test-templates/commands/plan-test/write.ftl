echo written > ${path}

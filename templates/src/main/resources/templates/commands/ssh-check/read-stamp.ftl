cat -- ${path}

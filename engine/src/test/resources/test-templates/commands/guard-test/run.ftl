echo ${what} on ${node.name} for ${run.id} with ${value}

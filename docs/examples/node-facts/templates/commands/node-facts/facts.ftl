<#-- facts: what a person wants to see before approving a change on a node. Reads only.
     Model: node. Prints its name, its clock, and the free space under /var/lib. -->
hostname; date -u +%Y-%m-%dT%H:%M:%SZ; df -P /var/lib | tail -n 1

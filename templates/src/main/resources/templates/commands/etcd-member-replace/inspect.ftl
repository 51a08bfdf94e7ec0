<#--
  inspect: what the member-replace preflight needs to know about the replacement node. Reads only.
  Model: dataDir (the etcd-data hostPath), runDir, aside (where the old data dir will go),
  ca, cert, peerCert (host paths of the etcd CA, server and peer certificates), host (the
  member's address as its URLs name it), installed (the manifest dir's etcd.yaml).
  Prints key=value lines: uid, dataDirMount (true when the data dir is a mount point: it cannot
  be renamed), runDirExists, asideExists, installedExists, caExists, and for the server (cert) and peer (peerCert)
  certificates: ...Exists, ...Verified (signed by the CA), ...Valid (not expired), ...NamesHost
  (a subject alternative name is the host).
-->
echo uid=$(id -u)
if mountpoint -q -- ${dataDir} 2>/dev/null; then echo dataDirMount=true; else echo dataDirMount=false; fi
if [ -e ${runDir} ]; then echo runDirExists=true; else echo runDirExists=false; fi
if [ -e ${aside} ]; then echo asideExists=true; else echo asideExists=false; fi
if [ -e ${installed} ]; then echo installedExists=true; else echo installedExists=false; fi
if [ -r ${ca} ]; then echo caExists=true; else echo caExists=false; fi
# check KEY FILE: what the preflight needs to know about one certificate.
check() {
  if [ ! -r "$2" ]; then echo "$1"Exists=false; return 0; fi
  echo "$1"Exists=true
  if openssl verify -CAfile ${ca} -- "$2" >/dev/null 2>&1; then echo "$1"Verified=true; else echo "$1"Verified=false; fi
  if openssl x509 -in "$2" -noout -checkend 0 >/dev/null 2>&1; then echo "$1"Valid=true; else echo "$1"Valid=false; fi
  if openssl x509 -in "$2" -noout -text 2>/dev/null | grep -A1 'Subject Alternative Name' | tr ',' '\n' | sed 's/^ *//' | grep -qxF -e "DNS:"${host} -e "IP Address:"${host}; then echo "$1"NamesHost=true; else echo "$1"NamesHost=false; fi
}
check cert ${cert}
check peerCert ${peerCert}

<#--
  inspect: what the member-replace preflight needs to know about the replacement node. Reads only.
  Model: dataDir (the etcd-data hostPath), runDir, aside (where the old data dir will go),
  ca, cert, peerCert (host paths of the etcd CA, server and peer certificates), host (the
  member's address as its URLs name it).
  Prints key=value lines: uid, dataDirMount (true when the data dir is a mount point: it cannot
  be renamed), runDirExists, asideExists, and per certificate (ca, cert, peerCert) NAMEExists,
  and for cert and peerCert NAMEVerified (signed by the CA), NAMENamesHost (a SAN names the host),
  NAMEValid (not expired).
-->
echo uid=$(id -u)
if mountpoint -q -- ${dataDir} 2>/dev/null; then echo dataDirMount=true; else echo dataDirMount=false; fi
if [ -e ${runDir} ]; then echo runDirExists=true; else echo runDirExists=false; fi
if [ -e ${aside} ]; then echo asideExists=true; else echo asideExists=false; fi
if [ -r ${ca} ]; then echo caExists=true; else echo caExists=false; fi
<#list ["cert", "peerCert"] as k>
<#assign f = (k == "cert")?then(cert, peerCert)>
if [ -r ${f} ]; then
  echo ${k}Exists=true
  if openssl verify -CAfile ${ca} -- ${f} >/dev/null 2>&1; then echo ${k}Verified=true; else echo ${k}Verified=false; fi
  if openssl x509 -in ${f} -noout -checkend 0 >/dev/null 2>&1; then echo ${k}Valid=true; else echo ${k}Valid=false; fi
  if openssl x509 -in ${f} -noout -text 2>/dev/null | grep -A1 'Subject Alternative Name' | tr ',' '\n' | sed 's/^ *//' | grep -qxF -e "DNS:"${host} -e "IP Address:"${host}; then echo ${k}NamesHost=true; else echo ${k}NamesHost=false; fi
else
  echo ${k}Exists=false
fi
</#list>

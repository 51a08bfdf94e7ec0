#!/bin/sh
# Boots one lab node. Runs as the first process of the node's private mount namespace
# (started with `unshare --mount --propagation private`), so every mount below is seen
# by this node's sshd, kubelet simulator and containers, and by nobody else.
#
# usage: node.sh NODE_DIR JAVA CLASSPATH
set -eu
node_dir=$1 java=$2 classpath=$3
root=$node_dir/root

# The node's own files stand at the real kubeadm paths. A mount point must exist: on a
# host without /etc/kubernetes we create the empty dir (and never write into it).
[ -d /etc/kubernetes ] || mkdir /etc/kubernetes
mount --bind "$root/etc/kubernetes" /etc/kubernetes
mount --bind "$root/var/lib" /var/lib
# What a real node has on its PATH (crictl, the etcd tools of its version, the
# kube-apiserver stand-in) comes first, as /usr/local/bin does on Debian.
mount --bind "$root/usr/local/bin" /usr/local/bin
# An external etcd node has systemd units and an etcd config of its own.
if [ -d "$root/etc/systemd/system" ]; then
  mkdir -p /etc/systemd/system
  mount --bind "$root/etc/systemd/system" /etc/systemd/system
  [ -d /etc/etcd ] || mkdir /etc/etcd
  mount --bind "$root/etc/etcd" /etc/etcd
fi

# bash reads root's ~/.bashrc for every command sshd runs (Debian builds it so). The host's
# is a developer's, not a node's: give the node its own, empty one.
home=$(getent passwd root | cut -d: -f6)
if [ -f "$home/.bashrc" ]; then
  mount --bind "$node_dir/bashrc" "$home/.bashrc"
fi

mkdir -p /run/sshd
/usr/sbin/sshd -D -f "$node_dir/ssh/sshd_config" -E "$node_dir/logs/sshd.log" &
sshd_pid=$!

# A node with static pod manifests runs a kubelet; an external etcd node starts the units
# multi-user.target wants instead, as systemd does at boot (the lab's systemctl stand-in).
kubelet_pid=
if [ -d "$root/etc/kubernetes/manifests" ]; then
  "$java" -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \
    -cp "$classpath" dev.runbook.lab.kubelet.KubeletSimulator \
    --node-name "$(cat "$node_dir/name")" \
    --manifest-dir /etc/kubernetes/manifests \
    --state-dir /var/lib/kubelet/sim &
  kubelet_pid=$!
fi
wanted=
if [ -d "$root/etc/systemd/system" ]; then
  for unit in /etc/systemd/system/multi-user.target.wants/*.service; do
    [ -e "$unit" ] && wanted="$wanted ${unit##*/}"
  done
fi
if [ -n "$wanted" ]; then
  /usr/local/bin/systemctl daemon-reload
  for unit in $wanted; do
    echo "boot: systemctl start $unit"
    /usr/local/bin/systemctl start "$unit" || echo "boot: $unit failed to start"
  done
fi

# This shell stays as the node's init: `lab down` sends it SIGTERM, it passes the signal
# to the kubelet (which stops its containers first) or stops the units, then stops sshd,
# and reaps them so no zombie is left behind.
set +e
if [ -n "$kubelet_pid" ]; then
  trap 'kill -TERM "$kubelet_pid" 2>/dev/null' TERM INT
  while kill -0 "$kubelet_pid" 2>/dev/null; do wait "$kubelet_pid"; done
else
  trap 'for unit in $wanted; do /usr/local/bin/systemctl stop "$unit"; done; kill -TERM "$sshd_pid" 2>/dev/null' TERM INT
  while kill -0 "$sshd_pid" 2>/dev/null; do wait "$sshd_pid"; done
fi
kill -TERM "$sshd_pid" 2>/dev/null
wait "$sshd_pid"

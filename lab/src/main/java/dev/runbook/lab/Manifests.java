package dev.runbook.lab;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Static pod manifests shaped like the ones kubeadm writes. The lab differs from a real kubeadm
 * node only where nodes share one network namespace: etcd listens on the node's own loopback
 * address rather than on 127.0.0.1 as well.
 */
final class Manifests {
  private Manifests() {}

  static String initialCluster(List<Node> nodes) {
    return nodes.stream().map(n -> n.name() + "=" + n.peerUrl()).collect(Collectors.joining(","));
  }

  static String etcd(Node node, List<Node> cluster, String etcdVersion) {
    return """
        apiVersion: v1
        kind: Pod
        metadata:
          annotations:
            kubeadm.kubernetes.io/etcd.advertise-client-urls: %1$s
          creationTimestamp: null
          labels:
            component: etcd
            tier: control-plane
          name: etcd
          namespace: kube-system
        spec:
          containers:
          - command:
            - etcd
            - --advertise-client-urls=%1$s
            - --cert-file=/etc/kubernetes/pki/etcd/server.crt
            - --client-cert-auth=true
            - --data-dir=/var/lib/etcd
            - --experimental-initial-corrupt-check=true
            - --initial-advertise-peer-urls=%2$s
            - --initial-cluster=%3$s
            - --initial-cluster-state=new
            - --key-file=/etc/kubernetes/pki/etcd/server.key
            - --listen-client-urls=%1$s
            - --listen-metrics-urls=http://%4$s:2381
            - --listen-peer-urls=%2$s
            - --name=%5$s
            - --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt
            - --peer-client-cert-auth=true
            - --peer-key-file=/etc/kubernetes/pki/etcd/peer.key
            - --peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt
            - --snapshot-count=10000
            - --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt
            image: registry.k8s.io/etcd:%6$s-0
            imagePullPolicy: IfNotPresent
            name: etcd
            resources:
              requests:
                cpu: 100m
                memory: 100Mi
            volumeMounts:
            - mountPath: /var/lib/etcd
              name: etcd-data
            - mountPath: /etc/kubernetes/pki/etcd
              name: etcd-certs
          hostNetwork: true
          priority: 2000001000
          priorityClassName: system-node-critical
          securityContext:
            seccompProfile:
              type: RuntimeDefault
          volumes:
          - hostPath:
              path: /etc/kubernetes/pki/etcd
              type: DirectoryOrCreate
            name: etcd-certs
          - hostPath:
              path: /var/lib/etcd
              type: DirectoryOrCreate
            name: etcd-data
        status: {}
        """
        .formatted(
            node.clientUrl(),
            node.peerUrl(),
            initialCluster(cluster),
            node.address(),
            node.name(),
            etcdVersion);
  }

  /** The stand-in API server: same flags for reaching etcd as the real one, nothing else. */
  static String kubeApiserver(Node node) {
    return kubeApiserver(node, node.clientUrl());
  }

  /** As above, reaching etcd at {@code etcdServers} (comma-separated client URLs). */
  static String kubeApiserver(Node node, String etcdServers) {
    return """
        apiVersion: v1
        kind: Pod
        metadata:
          annotations:
            kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: %1$s:6443
          creationTimestamp: null
          labels:
            component: kube-apiserver
            tier: control-plane
          name: kube-apiserver
          namespace: kube-system
        spec:
          containers:
          - command:
            - kube-apiserver
            - --advertise-address=%1$s
            - --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt
            - --etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt
            - --etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key
            - --etcd-servers=%2$s
            image: registry.k8s.io/kube-apiserver:v1.31.0
            imagePullPolicy: IfNotPresent
            name: kube-apiserver
            volumeMounts:
            - mountPath: /etc/kubernetes/pki
              name: k8s-certs
              readOnly: true
          hostNetwork: true
          priorityClassName: system-node-critical
          volumes:
          - hostPath:
              path: /etc/kubernetes/pki
              type: DirectoryOrCreate
            name: k8s-certs
        status: {}
        """
        .formatted(node.address(), etcdServers);
  }
}

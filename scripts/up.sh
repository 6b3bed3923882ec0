#!/usr/bin/env bash
# Brings up the local minik8s cluster (DESIGN.md §6): the lab (containerd,
# a bridge, NODES network namespaces, offline images), the control plane
# (apiserver with its embedded etcd, controller-manager, scheduler) in the root
# namespace, and a kubelet (with its network agent) and a kube-proxy inside
# every node namespace. Idempotent: what is already up is left alone.
#
# Settings: NODES (2), BACKEND (vxlan | host-gw), MINIK8S_STATE
# (/var/lib/minik8s), MINIK8S_APISERVER_PORT (6443), IPTABLES_BACKEND
# (legacy | nft | auto: kube-proxy's; the network agent's auto follows it,
# docs/kubeproxy.md), ADDONS (dns,ingress: the add-ons the controller-manager
# keeps, docs/addons.md; empty: none).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -x "$BIN/minik8s" ] || die "bin/minik8s is missing: run 'make build' first"
NODES=${NODES:-2}
BACKEND=${BACKEND:-vxlan}
IPTABLES_BACKEND=${IPTABLES_BACKEND:-legacy}
CLUSTER_CIDR=10.244.0.0/16
LAB_GATEWAY=192.168.77.1
node_names=()
for i in $(seq "$NODES"); do node_names+=("mk8s-node$i"); done

# 1. The lab: containerd, bridge, node namespaces, images (one containerd
#    namespace per node, named after it).
MINIK8S_STATE=$STATE NODES=$NODES IMAGE_NAMESPACES="${node_names[*]}" "$ROOT/scripts/lab/up.sh"

# 2. The control plane. The apiserver serves on loopback and on the lab
#    bridge; it reaches kubelets (logs, exec) from inside a lab namespace.
start_daemon apiserver "$BIN/minik8s" apiserver \
	--bind-address "127.0.0.1,$LAB_GATEWAY" --port "$APISERVER_PORT" --data-dir "$STATE/etcd" \
	--kubelet-dial-netns "/run/netns/${node_names[0]}"
wait_http "$APISERVER_URL/readyz" 60 || die "apiserver did not become ready; see $LOG/apiserver.log"
"$BIN/kubectl" --server "$APISERVER_URL" config view --raw >"$STATE/admin.kubeconfig.tmp"
mv "$STATE/admin.kubeconfig.tmp" "$STATE/admin.kubeconfig"
start_daemon controller-manager "$BIN/minik8s" controller-manager --apiserver "$APISERVER_URL" --addons "${ADDONS-dns,ingress}"
start_daemon scheduler "$BIN/minik8s" scheduler --apiserver "$APISERVER_URL"

# 3. A kubelet and a kube-proxy per node, inside the node's network namespace.
for i in $(seq "$NODES"); do
	node=${node_names[$((i - 1))]}
	# shellcheck disable=SC1090
	. "$STATE/nodes/$node/node.env"
	start_daemon "kubelet-$node" ip netns exec "$node" "$BIN/minik8s" kubelet \
		--node-name "$node" --node-ip "$NODE_IP" \
		--apiserver "http://$LAB_GATEWAY:$APISERVER_PORT" \
		--root-dir "$STATE/nodes/$node" --network-backend "$BACKEND" \
		--node-stats-cgroup "/minik8s/$node" \
		--cluster-dns 10.96.0.10 --cluster-domain cluster.local
	start_daemon "kubeproxy-$node" ip netns exec "$node" "$BIN/minik8s" kubeproxy \
		--hostname-override "$node" --node-ip "$NODE_IP" \
		--apiserver "http://$LAB_GATEWAY:$APISERVER_PORT" \
		--cluster-cidr "$CLUSTER_CIDR" --iptables-backend "$IPTABLES_BACKEND"
done

log "waiting for ${NODES} nodes to be Ready"
for _ in $(seq 120); do
	ready=$("$BIN/kubectl" --server "$APISERVER_URL" get nodes --no-headers 2>/dev/null | awk '$2 == "Ready"' | wc -l)
	[ "$ready" -ge "$NODES" ] && break
	sleep 0.5
done
"$BIN/kubectl" --server "$APISERVER_URL" get nodes -o wide
[ "$ready" -ge "$NODES" ] || die "only $ready of $NODES nodes are Ready; see $LOG/kubelet-*.log"

log "minik8s is up: apiserver $APISERVER_URL, ${NODES} nodes, $BACKEND backend"
log "try: bin/kubectl apply -f examples/pod-shared-emptydir.yaml && bin/kubectl get pods -o wide -w"
log "the real kubectl: kubectl --kubeconfig $STATE/admin.kubeconfig get nodes"
log "reach pods from inside a node: ip netns exec ${node_names[0]} wget -qO- http://<pod IP>:<port>/"
log "see a node's service rules: ip netns exec ${node_names[0]} iptables-$IPTABLES_BACKEND-save -t nat"

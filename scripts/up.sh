#!/usr/bin/env bash
# Brings up the local minik8s cluster (DESIGN.md §6): the lab (containerd,
# a bridge, NODES network namespaces, offline images), the control plane
# (apiserver with its embedded etcd, controller-manager, scheduler) in the root
# namespace, and a kubelet (with its network agent) and a kube-proxy inside
# every node namespace. Idempotent: what is already up is left alone.
#
# Settings (defaults in lib.sh): NODES (2), BACKEND (vxlan | host-gw),
# IPTABLES_BACKEND (legacy | nft | auto: kube-proxy's; the network agent's
# auto follows it, docs/kubeproxy.md), ADDONS (dns,ingress: the add-ons the
# controller-manager keeps, docs/addons.md; empty: none), AUTHORIZATION_MODE
# (the apiserver's --authorization-mode), HA (0 | 1), MK8S_LAB_PREFIX (mk8s)
# and MK8S_LAB_SUBNET (192.168.77.0/24: the control plane on its .1),
# MINIK8S_APISERVER_PORT (6443), CONTAINERD_ADDRESS (the shared
# /run/containerd/containerd.sock; another socket: the lab starts its own
# containerd). The first run records them in $MINIK8S_STATE/lab.env
# (MINIK8S_STATE: /var/lib/minik8s); later runs reuse them, and a different
# explicit value is an error until `make down` (docs/lab.md).
#
# Everything speaks TLS: `minik8s certs` makes the cluster PKI under
# $MINIK8S_STATE/pki and a kubeconfig per component (docs/security/pki.md).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -x "$BIN/minik8s" ] || die "$BIN/minik8s is missing: run 'make build' first"
[ "$(id -u)" = 0 ] || die "the lab needs root"
lab_settings record
CLUSTER_CIDR=10.244.0.0/16
# HA=1: an etcd cluster, several apiservers, leader-elected controllers (scripts/ha.sh).
# Extra arguments of every kubelet and kube-proxy (HA: the other apiservers).
ha_client_args=()
node_names=()
for i in $(seq "$NODES"); do node_names+=("$MK8S_LAB_PREFIX-node$i"); done

# 1. The lab: containerd, bridge, node namespaces, images (one containerd
#    namespace per node, named after it).
IMAGE_NAMESPACES="${node_names[*]}" "$ROOT/scripts/lab/up.sh"

# 2. The PKI (idempotent: only what is missing, or due within 30 days, or
#    whose names changed, is reissued): the CA, the apiserver's serving
#    certificate, every component's client certificate and kubeconfig.
node_args=()
for node in "${node_names[@]}"; do
	# shellcheck disable=SC1090
	. "$STATE/nodes/$node/node.env"
	node_args+=(--node "$node=$NODE_IP")
done
mkdir -p "$LOG"
"$BIN/minik8s" certs --state-dir "$STATE" --apiserver-advertise-address "$LAB_GATEWAY" \
	--apiserver-bind-port "$APISERVER_PORT" "${node_args[@]}" >"$LOG/certs.log" 2>&1 ||
	die "minik8s certs failed; see $LOG/certs.log"
grep -E "Generating|Renewing" "$LOG/certs.log" || true

# 3. The control plane. The apiserver serves HTTPS only, on loopback and on
#    the lab bridge; it reaches kubelets (logs, exec) from inside a lab
#    namespace.
if [ "$HA" = 1 ]; then
	# shellcheck source=ha.sh
	. "$ROOT/scripts/ha.sh"
	ha_up
else
	start_daemon apiserver "$BIN/minik8s" apiserver \
		--bind-address "127.0.0.1,$LAB_GATEWAY" --port "$APISERVER_PORT" --data-dir "$STATE/etcd" \
		--kubelet-dial-netns "/run/netns/${node_names[0]}" \
		--tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
		--client-ca-file "$PKI/ca.crt" \
		--service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
		--kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
		--kubelet-certificate-authority "$PKI/ca.crt" \
		--authorization-mode "$AUTHORIZATION_MODE"
	wait_http "$APISERVER_URL/readyz" 60 || die "apiserver did not become ready; see $LOG/apiserver.log"
	# The cluster CA is published to pods (ConfigMap kube-root-ca.crt) when
	# this build's controller-manager has --root-ca-file.
	cm_ca=()
	if "$BIN/minik8s" controller-manager --help 2>&1 | grep -q -- '--root-ca-file'; then cm_ca=(--root-ca-file "$PKI/ca.crt"); fi
	start_daemon controller-manager "$BIN/minik8s" controller-manager --kubeconfig "$STATE/controller-manager.kubeconfig" \
		--addons "$ADDONS" "${cm_ca[@]}"
	start_daemon scheduler "$BIN/minik8s" scheduler --kubeconfig "$STATE/scheduler.kubeconfig"
fi

# The kubelets' serving certificates (the kubelet API accepts only the
# apiserver's client certificate), when this build's kubelet has the flags.
kubelet_tls() { :; }
if "$BIN/minik8s" kubelet --help 2>&1 | grep -q -- '--tls-cert-file'; then
	kubelet_tls() {
		printf '%s\n' --tls-cert-file "$PKI/nodes/$1/kubelet.crt" --tls-private-key-file "$PKI/nodes/$1/kubelet.key" --client-ca-file "$PKI/ca.crt" \
			--authorization-mode Webhook
	}
fi

# 4. A kubelet and a kube-proxy per node, inside the node's network
#    namespace, each with its own kubeconfig (server https://$LAB_GATEWAY).
for i in $(seq "$NODES"); do
	node=${node_names[$((i - 1))]}
	# shellcheck disable=SC1090
	. "$STATE/nodes/$node/node.env"
	mapfile -t tls_args < <(kubelet_tls "$node")
	start_daemon "kubelet-$node" ip netns exec "$node" "$BIN/minik8s" kubelet \
		--node-name "$node" --node-ip "$NODE_IP" \
		--kubeconfig "$STATE/nodes/$node/kubelet.kubeconfig" "${tls_args[@]}" \
		--root-dir "$STATE/nodes/$node" --network-backend "$BACKEND" --containerd-address "$CONTAINERD_ADDRESS" \
		--node-stats-cgroup "/minik8s/$node" \
		--cluster-dns 10.96.0.10 --cluster-domain cluster.local "${ha_client_args[@]}"
	start_daemon "kubeproxy-$node" ip netns exec "$node" "$BIN/minik8s" kubeproxy \
		--hostname-override "$node" --node-ip "$NODE_IP" \
		--kubeconfig "$STATE/kube-proxy.kubeconfig" \
		--cluster-cidr "$CLUSTER_CIDR" --iptables-backend "$IPTABLES_BACKEND" "${ha_client_args[@]}"
done

log "waiting for ${NODES} nodes to be Ready"
for _ in $(seq 120); do
	ready=$("$BIN/kubectl" --kubeconfig "$ADMIN_KUBECONFIG" get nodes --no-headers 2>/dev/null | awk '$2 == "Ready"' | wc -l)
	[ "$ready" -ge "$NODES" ] && break
	sleep 0.5
done
"$BIN/kubectl" --kubeconfig "$ADMIN_KUBECONFIG" get nodes -o wide
[ "$ready" -ge "$NODES" ] || die "only $ready of $NODES nodes are Ready; see $LOG/kubelet-*.log"

log "minik8s is up: apiserver $APISERVER_URL, ${NODES} nodes, $BACKEND backend"
log "try: bin/kubectl apply -f examples/pod-shared-emptydir.yaml && bin/kubectl get pods -o wide -w"
log "the real kubectl: kubectl --kubeconfig $ADMIN_KUBECONFIG get nodes (TLS, as kubernetes-admin)"
log "reach pods from inside a node: ip netns exec ${node_names[0]} wget -qO- http://<pod IP>:<port>/"
log "see a node's service rules: ip netns exec ${node_names[0]} iptables-$IPTABLES_BACKEND-save -t nat"

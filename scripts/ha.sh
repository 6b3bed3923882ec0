# HA=1 control plane for scripts/up.sh (sourced; docs/ha.md): a 3-member
# etcd cluster (Debian's etcd-server) on loopback with TLS for clients and
# peers, three apiservers on consecutive ports sharing it, and two
# leader-elected controller-managers and schedulers. Every kubeconfig lists
# all apiservers (minik8s certs --apiserver-endpoints), so kubelets,
# kube-proxies, controller-managers and schedulers fail over between them.
# ha_down (called by scripts/down.sh) stops what ha_up started.
#
# Names (pid files under $RUN, logs under $LOG): etcd-1..3, apiserver-1..3,
# controller-manager-1..2, scheduler-1..2. Settings: HA_APISERVERS (3),
# HA_ETCD_BIN (/usr/bin/etcd), HA_ETCD_PORT (2379, a lab setting recorded in
# lab.env: scripts/lib.sh): member i listens for clients on
# HA_ETCD_PORT + 10000*(i-1) and for peers on the port after it, so a second
# HA lab (a test's) does not collide with the user's.
# shellcheck shell=bash

HA_APISERVERS=${HA_APISERVERS:-3}
HA_ETCD_BIN=${HA_ETCD_BIN:-/usr/bin/etcd}
# etcd member i: client port HA_ETCD_CLIENT[i], peer port HA_ETCD_PEER[i]
# (the default 2379: 2379/2380, 12379/12380, 22379/22380).
HA_ETCD_PORT=${HA_ETCD_PORT:-2379}
HA_ETCD_CLIENT=("$HA_ETCD_PORT" $((HA_ETCD_PORT + 10000)) $((HA_ETCD_PORT + 20000)))
HA_ETCD_PEER=($((HA_ETCD_PORT + 1)) $((HA_ETCD_PORT + 10001)) $((HA_ETCD_PORT + 20001)))

# ha_apiserver_port I: the port of apiserver-I ($APISERVER_PORT, +1, +2).
ha_apiserver_port() { echo $((APISERVER_PORT + $1 - 1)); }

# ha_etcd_servers: the client URLs of every member, comma-separated.
ha_etcd_servers() {
	local i urls=()
	for i in 0 1 2; do urls+=("https://127.0.0.1:${HA_ETCD_CLIENT[$i]}"); done
	(IFS=,; echo "${urls[*]}")
}

# ha_wait_etcd URL SECONDS: polls etcd's /health (a leader is elected)
# with the apiserver's etcd client certificate.
ha_wait_etcd() {
	local url=$1 secs=$2
	for _ in $(seq $((secs * 5))); do
		curl -fsS --cacert "$PKI/ca.crt" --cert "$PKI/apiserver-etcd-client.crt" --key "$PKI/apiserver-etcd-client.key" \
			"$url/health" 2>/dev/null | grep -q '"health":"true"' && return 0
		sleep 0.2
	done
	return 1
}

ha_up() {
	[ -x "$HA_ETCD_BIN" ] || die "HA=1 needs $HA_ETCD_BIN (Debian's etcd-server: make deps)"
	[ "$HA_APISERVERS" -ge 2 ] && [ "$HA_APISERVERS" -le 3 ] || die "HA_APISERVERS=$HA_APISERVERS: want 2 or 3"
	# Every kubeconfig lists the other apiservers (:PORT on its own host).
	local endpoints=() i
	for i in $(seq 2 "$HA_APISERVERS"); do endpoints+=(":$(ha_apiserver_port "$i")"); done
	"$BIN/minik8s" certs --state-dir "$STATE" --apiserver-advertise-address "$LAB_GATEWAY" \
		--apiserver-bind-port "$APISERVER_PORT" "${node_args[@]}" \
		--apiserver-endpoints "$(IFS=,; echo "${endpoints[*]}")" >>"$LOG/certs.log" 2>&1 ||
		die "minik8s certs --apiserver-endpoints failed; see $LOG/certs.log"

	# 1. The etcd cluster: client-certificate auth for clients and peers,
	#    all certificates from the cluster CA (pki/etcd/server, pki/etcd/peer).
	local cluster=() name
	for i in 1 2 3; do cluster+=("etcd-$i=https://127.0.0.1:${HA_ETCD_PEER[$((i - 1))]}"); done
	for i in 1 2 3; do
		name=etcd-$i
		local curl="https://127.0.0.1:${HA_ETCD_CLIENT[$((i - 1))]}" purl="https://127.0.0.1:${HA_ETCD_PEER[$((i - 1))]}"
		mkdir -p "$STATE/etcd-ha"
		start_daemon "$name" "$HA_ETCD_BIN" --name "$name" --data-dir "$STATE/etcd-ha/$name" \
			--listen-client-urls "$curl" --advertise-client-urls "$curl" \
			--listen-peer-urls "$purl" --initial-advertise-peer-urls "$purl" \
			--initial-cluster "$(IFS=,; echo "${cluster[*]}")" --initial-cluster-state new --initial-cluster-token minik8s \
			--client-cert-auth --trusted-ca-file "$PKI/ca.crt" --cert-file "$PKI/etcd/server.crt" --key-file "$PKI/etcd/server.key" \
			--peer-client-cert-auth --peer-trusted-ca-file "$PKI/ca.crt" --peer-cert-file "$PKI/etcd/peer.crt" --peer-key-file "$PKI/etcd/peer.key" \
			--logger zap --log-level warn
	done
	for i in 1 2 3; do
		ha_wait_etcd "https://127.0.0.1:${HA_ETCD_CLIENT[$((i - 1))]}" 60 || die "etcd-$i is not healthy; see $LOG/etcd-$i.log"
	done
	log "etcd cluster healthy: $(ha_etcd_servers)"

	# 2. The apiservers: each on its port, on loopback and the lab bridge,
	#    all on the etcd cluster.
	local port
	for i in $(seq "$HA_APISERVERS"); do
		port=$(ha_apiserver_port "$i")
		start_daemon "apiserver-$i" "$BIN/minik8s" apiserver \
			--bind-address "127.0.0.1,$LAB_GATEWAY" --port "$port" \
			--etcd-servers "$(ha_etcd_servers)" --etcd-cafile "$PKI/ca.crt" \
			--etcd-certfile "$PKI/apiserver-etcd-client.crt" --etcd-keyfile "$PKI/apiserver-etcd-client.key" \
			--kubelet-dial-netns "/run/netns/${node_names[0]}" \
			--tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
			--client-ca-file "$PKI/ca.crt" \
			--service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
			--kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
			--kubelet-certificate-authority "$PKI/ca.crt" \
			--authorization-mode "$AUTHORIZATION_MODE"
	done
	for i in $(seq "$HA_APISERVERS"); do
		wait_http "https://127.0.0.1:$(ha_apiserver_port "$i")/readyz" 60 || die "apiserver-$i did not become ready; see $LOG/apiserver-$i.log"
	done

	# 3. Two controller-managers and two schedulers, one of each leading
	#    (Leases kube-system/kube-controller-manager, kube-scheduler).
	local cm_ca=()
	if "$BIN/minik8s" controller-manager --help 2>&1 | grep -q -- '--root-ca-file'; then cm_ca=(--root-ca-file "$PKI/ca.crt"); fi
	for i in 1 2; do
		start_daemon "controller-manager-$i" "$BIN/minik8s" controller-manager --kubeconfig "$STATE/controller-manager.kubeconfig" \
			--addons "${ADDONS-dns,ingress}" "${cm_ca[@]}" --leader-elect --leader-elect-identity "$(hostname)_controller-manager-${i}_$(cat /proc/sys/kernel/random/uuid)"
		start_daemon "scheduler-$i" "$BIN/minik8s" scheduler --kubeconfig "$STATE/scheduler.kubeconfig" \
			--leader-elect --leader-elect-identity "$(hostname)_scheduler-${i}_$(cat /proc/sys/kernel/random/uuid)"
	done
	log "HA control plane: etcd-1..3, apiserver-1..$HA_APISERVERS (ports $APISERVER_PORT..$(ha_apiserver_port "$HA_APISERVERS")), controller-manager-1..2, scheduler-1..2"
}

# ha_down: stops the HA control plane, controllers first, etcd last.
ha_down() {
	local i
	for i in 1 2; do
		stop_daemon "scheduler-$i"
		stop_daemon "controller-manager-$i"
	done
	for i in 1 2 3; do stop_daemon "apiserver-$i"; done
	for i in 1 2 3; do stop_daemon "etcd-$i"; done
}

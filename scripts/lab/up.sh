#!/usr/bin/env bash
# Brings up the local lab's machinery (DESIGN.md §6), idempotently:
#   1. installs containerd, runc, CNI plugins, iptables, … (only what is missing);
#   2. kernel settings: ip_forward, br_netfilter, bridge-nf-call-iptables;
#   3. starts containerd unless one already answers on CONTAINERD_ADDRESS;
#   4. the lab network: bridge <prefix>0 with .1 of the lab subnet, and NODES
#      node namespaces <prefix>-nodeN, each with eth0 (.10+N) on the bridge,
#      NO default route, and an iptables chain that drops whatever the lab
#      bridge would forward outside the lab;
#   5. imports the offline images into containerd namespace(s) IMAGE_NAMESPACES.
# Re-running it repairs whatever is missing. Settings: see lib.sh.
# SKIP_IMAGES=1 skips step 5; SKIP_PACKAGES=1 skips step 1.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || lab_die "the lab needs root"

install_packages() {
	[ "${SKIP_PACKAGES:-0}" = 1 ] && return 0
	ensure_pkgs containerd runc containernetworking-plugins iptables conntrack \
		busybox-static bridge-utils iproute2 iputils-ping ethtool kmod procps
}

kernel_settings() {
	mkdir -p "$LAB_STATE"
	if ! modprobe br_netfilter 2>/dev/null && [ ! -d /proc/sys/net/bridge ]; then
		lab_warn "br_netfilter is not available (no module, not built in): bridged traffic will bypass iptables"
	fi
	modprobe overlay 2>/dev/null || grep -qw overlay /proc/filesystems || lab_warn "no overlay filesystem: containerd's overlayfs snapshotter will fail"
	# Remember what the machine had, once, so that down.sh can put it back.
	if [ ! -f "$LAB_STATE/sysctl.orig" ]; then
		{
			echo "net.ipv4.ip_forward $(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null || echo -)"
			echo "net.bridge.bridge-nf-call-iptables $(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo -)"
		} >"$LAB_STATE/sysctl.orig"
	fi
	lab_sysctl net.ipv4.ip_forward 1
	lab_sysctl net.bridge.bridge-nf-call-iptables 1
}

# containerd_config prints containerd's config: the packaged defaults with the
# lab's root and state dirs, the cgroupfs driver (no systemd here) and the CRI plugin off
# (the kubelet drives containerd through its Go client, not CRI).
containerd_config() {
	containerd config default | sed \
		-e "s|^root = .*|root = \"$CONTAINERD_DIR/root\"|" \
		-e "s|^state = .*|state = \"$CONTAINERD_RUNSTATE\"|" \
		-e "s|^disabled_plugins = .*|disabled_plugins = [\"io.containerd.grpc.v1.cri\"]|" \
		-e "s|^\(\s*\)address = \"/run/containerd/containerd.sock\"|\1address = \"$CONTAINERD_ADDRESS\"|" \
		-e "s|SystemdCgroup = true|SystemdCgroup = false|"
}

start_containerd() {
	if containerd_up; then
		lab_log "containerd already answers on $CONTAINERD_ADDRESS; reusing it"
		return 0
	fi
	if [ -f "$CONTAINERD_PID" ] && kill -0 "$(cat "$CONTAINERD_PID")" 2>/dev/null; then
		lab_die "containerd (pid $(cat "$CONTAINERD_PID")) runs but does not answer; see $CONTAINERD_LOG"
	fi
	command -v containerd >/dev/null || lab_die "containerd is not installed"
	mkdir -p "$CONTAINERD_DIR/root" "$(dirname "$CONTAINERD_PID")" "$(dirname "$CONTAINERD_LOG")" "$(dirname "$CONTAINERD_ADDRESS")"
	containerd_config >"$CONTAINERD_DIR/config.toml.tmp"
	mv "$CONTAINERD_DIR/config.toml.tmp" "$CONTAINERD_DIR/config.toml"
	# The cgroup driver: cgroupfs under v1 and v2 alike (there is no systemd).
	lab_log "cgroup filesystem: $(stat -fc %T /sys/fs/cgroup) ($( [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && echo v2 || echo v1/hybrid))"
	setsid containerd --config "$CONTAINERD_DIR/config.toml" >>"$CONTAINERD_LOG" 2>&1 </dev/null &
	echo $! >"$CONTAINERD_PID"
	echo "$CONTAINERD_ADDRESS" >"$LAB_STATE/containerd.owned"
	for _ in $(seq 100); do
		containerd_up && break
		kill -0 "$(cat "$CONTAINERD_PID")" 2>/dev/null || lab_die "containerd exited; see $CONTAINERD_LOG"
		sleep 0.2
	done
	containerd_up || lab_die "containerd did not answer within 20 s; see $CONTAINERD_LOG"
	lab_log "started containerd (pid $(cat "$CONTAINERD_PID"), root $CONTAINERD_DIR/root, log $CONTAINERD_LOG)"
}

ensure_bridge() {
	ip link show "$LAB_BRIDGE" >/dev/null 2>&1 || ip link add "$LAB_BRIDGE" type bridge
	lab_sysctl "net.ipv6.conf.$LAB_BRIDGE.disable_ipv6" 1
	ip addr replace "$LAB_GATEWAY/24" dev "$LAB_BRIDGE"
	ip link set "$LAB_BRIDGE" up
}

# ensure_node I: namespace, veth pair, address, no default route, state dir.
ensure_node() {
	local i=$1 ns veth addr
	ns=$(lab_node_name "$i")
	veth=$(lab_node_veth "$i")
	addr=$(lab_node_ip "$i")
	lab_netns_list | grep -qx "$ns" || ip netns add "$ns"
	lab_sysctl net.ipv6.conf.all.disable_ipv6 1 "$ns"
	lab_sysctl net.ipv6.conf.default.disable_ipv6 1 "$ns"
	lab_sysctl net.ipv4.ip_forward 1 "$ns"
	ip -n "$ns" link set lo up
	if ! ip link show "$veth" >/dev/null 2>&1; then
		# A leftover eth0 whose peer is gone cannot exist (veths die in
		# pairs), but one paired elsewhere can: start clean.
		ip -n "$ns" link del eth0 2>/dev/null || true
		ip link add "$veth" type veth peer name eth0 netns "$ns"
		NEW_LINKS=1
	fi
	lab_sysctl "net.ipv6.conf.$veth.disable_ipv6" 1
	ip link set "$veth" master "$LAB_BRIDGE"
	ip link set "$veth" up
	ip -n "$ns" addr replace "$addr/24" dev eth0
	ip -n "$ns" link set eth0 up
	# Traffic safety: a node reaches the lab subnet and nothing else.
	while ip -n "$ns" route show default | grep -q .; do
		ip -n "$ns" route del default
	done
	# The service CIDR gets a route (a VM's default route covers it): the
	# node's own connections to cluster IPs need an output route before
	# kube-proxy's DNAT in OUTPUT rewrites them. What no rule rewrites goes
	# to the lab bridge and is dropped there (ensure_isolation).
	ip -n "$ns" route replace "$LAB_SERVICE_CIDR" dev eth0
	ensure_node_iptables "$ns"
	mkdir -p "$STATE/nodes/$ns"
	cat >"$STATE/nodes/$ns/node.env" <<-ENV
		NODE_NAME=$ns
		NODE_NETNS=$ns
		NODE_IP=$addr
		LAB_SUBNET=$LAB_SUBNET
		LAB_GATEWAY=$LAB_GATEWAY
		LAB_BRIDGE=$LAB_BRIDGE
		CONTAINERD_ADDRESS=$CONTAINERD_ADDRESS
		NODE_IPTABLES=$LAB_IPTABLES
	ENV
}

# ensure_node_iptables NS: the node's own `iptables` alternative, as an admin
# sets it on a VM (update-alternatives --set iptables …). `ip netns exec NS`
# bind-mounts each entry of /etc/netns/NS over /etc, so a copy of
# /etc/alternatives whose iptables/ip6tables{,-save,-restore} links point at
# the chosen backend makes those commands that backend inside the node (for
# the kubelet, kube-proxy, CNI plugins and `ip netns exec NS iptables-save`),
# and leaves the machine's own choice alone. The nodes default to legacy, the
# backend minik8s writes (docs/kubeproxy.md).
ensure_node_iptables() {
	local ns=$1 dir=/etc/netns/$1/alternatives b target
	if [ "$LAB_IPTABLES" = system ] || [ ! -d /etc/alternatives ]; then
		rm -rf "$dir"
		return 0
	fi
	if ! command -v "iptables-$LAB_IPTABLES" >/dev/null; then
		lab_warn "iptables-$LAB_IPTABLES is not installed; node $ns keeps the machine's iptables"
		rm -rf "$dir"
		return 0
	fi
	mkdir -p "/etc/netns/$ns"
	rm -rf "$dir.tmp"
	cp -a /etc/alternatives "$dir.tmp"
	for b in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
		target=$(command -v "${b/tables/tables-$LAB_IPTABLES}" || true)
		[ -n "$target" ] && ln -sfn "$target" "$dir.tmp/$b"
	done
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
}

# ensure_isolation: <PREFIX>-LAB-ISOLATE, jumped to first from FORWARD, lets
# the lab talk within itself (bridged between nodes, or to the lab subnet)
# and drops anything it would forward out of the lab or into it from outside.
ensure_isolation() {
	command -v iptables >/dev/null || lab_die "iptables is not installed"
	local ipt
	for ipt in iptables ip6tables; do
		command -v $ipt >/dev/null || continue
		$ipt -w -N "$LAB_CHAIN" 2>/dev/null || true
		$ipt -w -F "$LAB_CHAIN"
		$ipt -w -A "$LAB_CHAIN" -i "$LAB_BRIDGE" -o "$LAB_BRIDGE" -j RETURN -m comment --comment "minik8s lab: within the lab bridge"
		if [ $ipt = iptables ]; then
			$ipt -w -A "$LAB_CHAIN" -i "$LAB_BRIDGE" -d "$LAB_SUBNET" -j RETURN -m comment --comment "minik8s lab: to the lab subnet"
		fi
		$ipt -w -A "$LAB_CHAIN" -i "$LAB_BRIDGE" -j DROP -m comment --comment "minik8s lab: nothing leaves the lab"
		$ipt -w -A "$LAB_CHAIN" -o "$LAB_BRIDGE" -j DROP -m comment --comment "minik8s lab: nothing enters the lab from outside"
		$ipt -w -C FORWARD -j "$LAB_CHAIN" 2>/dev/null || $ipt -w -I FORWARD 1 -j "$LAB_CHAIN"
	done
}

install_packages
kernel_settings
ensure_isolation # before any link exists, so nothing is ever forwarded unfiltered
ensure_bridge
NEW_LINKS=0
for i in $(seq "$NODES"); do ensure_node "$i"; done
if [ "$NEW_LINKS" = 1 ]; then
	# A re-created node has a new MAC: forget the old ones everywhere.
	ip neigh flush dev "$LAB_BRIDGE" 2>/dev/null || true
	for ns in $(lab_netns_list); do ip -n "$ns" neigh flush dev eth0 2>/dev/null || true; done
fi
lab_log "network: bridge $LAB_BRIDGE $LAB_GATEWAY/24, nodes $(for i in $(seq "$NODES"); do printf '%s=%s ' "$(lab_node_name "$i")" "$(lab_node_ip "$i")"; done)"
start_containerd
if [ "${SKIP_IMAGES:-0}" != 1 ]; then
	read -ra nss <<<"$IMAGE_NAMESPACES"
	"$LAB_ROOT/scripts/images.sh" "${nss[@]}"
fi
lab_log "lab is up (down: scripts/lab/down.sh)"

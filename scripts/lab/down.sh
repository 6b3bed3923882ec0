#!/usr/bin/env bash
# Removes everything scripts/lab/up.sh made, including leftovers of a
# half-finished run: processes left in the node namespaces, the namespaces,
# veths, the bridge, the isolation chain, containerd (only if the lab started
# it: its containers are killed first), and the lab's state under
# MINIK8S_STATE unless KEEP_STATE=1. Safe to run any number of times.
# Settings: see lib.sh (use the same MK8S_LAB_PREFIX as up.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || lab_die "the lab needs root"

# kill_netns_pids NS: TERM, then KILL, whatever still runs in NS.
kill_netns_pids() {
	local ns=$1 pids
	pids=$(ip netns pids "$ns" 2>/dev/null || true)
	[ -n "$pids" ] || return 0
	lab_log "stopping processes in $ns: $(echo $pids)"
	kill -TERM $pids 2>/dev/null || true
	for _ in $(seq 25); do
		[ -n "$(ip netns pids "$ns" 2>/dev/null)" ] || return 0
		sleep 0.2
	done
	kill -KILL $(ip netns pids "$ns" 2>/dev/null) 2>/dev/null || true
}

remove_network() {
	local ns link ipt
	for ns in $(lab_netns_list); do
		kill_netns_pids "$ns"
		ip netns del "$ns" && lab_log "removed netns $ns"
	done
	# The nodes' /etc overlays (ensure_node_iptables), also of namespaces
	# already gone.
	for ns in /etc/netns/"${LAB_PREFIX}"-node*; do
		[[ $ns =~ /${LAB_PREFIX}-node[0-9]+$ ]] || continue
		rm -rf "$ns" && lab_log "removed $ns"
	done
	for link in $(lab_veth_list); do
		ip link del "$link" 2>/dev/null && lab_log "removed link $link" || true
	done
	if ip link show "$LAB_BRIDGE" >/dev/null 2>&1; then
		ip link del "$LAB_BRIDGE" && lab_log "removed bridge $LAB_BRIDGE"
	fi
	for ipt in iptables ip6tables; do
		command -v $ipt >/dev/null || continue
		while $ipt -w -D FORWARD -j "$LAB_CHAIN" 2>/dev/null; do :; done
		if $ipt -w -F "$LAB_CHAIN" 2>/dev/null; then
			$ipt -w -X "$LAB_CHAIN" && lab_log "removed $ipt chain $LAB_CHAIN"
		fi
	done
}

# stop_containerd: only a containerd this lab started (containerd.owned),
# after killing and removing its tasks and containers in every namespace.
stop_containerd() {
	[ -f "$LAB_STATE/containerd.owned" ] || {
		containerd_up && lab_log "containerd was not started by this lab; leaving it running"
		return 0
	}
	local pid="" ns t c
	[ -f "$CONTAINERD_PID" ] && pid=$(cat "$CONTAINERD_PID")
	if containerd_up; then
		for ns in $(ctr_ namespaces ls -q 2>/dev/null); do
			for t in $(ctr_ -n "$ns" tasks ls -q 2>/dev/null); do
				ctr_ -n "$ns" tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true
			done
			for t in $(ctr_ -n "$ns" tasks ls -q 2>/dev/null); do
				for _ in $(seq 25); do
					ctr_ -n "$ns" tasks rm -f "$t" >/dev/null 2>&1 && break
					sleep 0.2
				done
			done
			for c in $(ctr_ -n "$ns" containers ls -q 2>/dev/null); do
				ctr_ -n "$ns" containers rm "$c" >/dev/null 2>&1 || lab_warn "could not remove container $ns/$c"
			done
		done
	fi
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$pid" 2>/dev/null || true
		lab_log "stopped containerd (pid $pid)"
	fi
	rm -f "$CONTAINERD_PID" "$LAB_STATE/containerd.owned"
	rm -f "$CONTAINERD_ADDRESS" "$CONTAINERD_ADDRESS.ttrpc"
	# What the shims and ctr keep at fixed places under /run/containerd
	# (runc's root, shim sockets, fifos) goes too, once no containerd runs.
	if ! pgrep -x containerd >/dev/null && ! pgrep -f '^/usr/bin/containerd-shim' >/dev/null; then
		unmount_under /run/containerd
		rm -rf /run/containerd/runc /run/containerd/s /run/containerd/fifo
	fi
	rmdir "$(dirname "$CONTAINERD_ADDRESS")" /run/containerd 2>/dev/null || true
	unmount_under "$CONTAINERD_RUNSTATE"
	rm -rf "$CONTAINERD_RUNSTATE"
	rmdir /run/minik8s 2>/dev/null || true
}

# unmount_under DIR: unmounts whatever is mounted below DIR, deepest first.
unmount_under() {
	local dir=$1 m
	for m in $(awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || lab_warn "could not unmount $m"
	done
}

# restore_sysctls: puts back ip_forward and bridge-nf-call-iptables as up.sh
# found them, unless another lab (another *-LAB-ISOLATE chain) still needs them.
restore_sysctls() {
	[ -f "$LAB_STATE/sysctl.orig" ] || return 0
	if command -v iptables >/dev/null && iptables -w -S 2>/dev/null | grep -q -- '^-N .*-LAB-ISOLATE$'; then
		lab_log "another lab is up; leaving ip_forward as it is"
		return 0
	fi
	local key val
	while read -r key val; do
		[ "$val" != - ] && [ -e "/proc/sys/${key//.//}" ] && echo "$val" >"/proc/sys/${key//.//}" 2>/dev/null || true
	done <"$LAB_STATE/sysctl.orig"
}

remove_state() {
	local ns
	for d in "$STATE"/nodes/"$LAB_PREFIX"-node*; do
		[ -d "$d" ] && rm -rf "$d"
	done
	rmdir "$STATE/nodes" "$STATE/lab" 2>/dev/null || true
	if [ -d "$CONTAINERD_DIR" ] && ! { [ -f "$CONTAINERD_PID" ] && kill -0 "$(cat "$CONTAINERD_PID")" 2>/dev/null; }; then
		unmount_under "$CONTAINERD_DIR"
		rm -rf "$CONTAINERD_DIR" "$CONTAINERD_LOG"
	fi
	rm -rf "$LAB_STATE"
	rmdir "$STATE/lab" "$STATE/run" "$STATE/log" 2>/dev/null || true
	lab_log "removed the lab's state"
}

remove_network
stop_containerd
restore_sysctls
if [ "${KEEP_STATE:-0}" = 1 ]; then
	rm -f "$LAB_STATE/sysctl.orig"
else
	remove_state
fi
lab_log "lab is down"

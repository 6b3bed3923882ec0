# Shared settings and helpers of the lab scripts (sourced, not run).
# Every name the lab makes derives from these variables, so that a second lab
# (the e2e test's) can live beside the user's with other names:
#   MINIK8S_STATE      state root (default /var/lib/minik8s)
#   MK8S_LAB_PREFIX    prefix of the lab's names (default mk8s, at most 8 chars):
#                      bridge <prefix>0, netns/node <prefix>-nodeN, host veth
#                      <prefix>-nN, iptables chain <PREFIX>-LAB-ISOLATE
#   MK8S_LAB_SUBNET    the lab's /24 (default 192.168.77.0/24): .1 on the bridge
#                      (the control plane), .11, .12, … the nodes
#   NODES              number of node namespaces (default 2)
#   CONTAINERD_ADDRESS containerd's socket (default /run/containerd/containerd.sock)
#   IMAGE_NAMESPACES   containerd namespaces the images go into (default k8s.io)
#   MK8S_LAB_SERVICE_CIDR  routed out of each node's eth0 (default 10.96.0.0/12)
#   MK8S_LAB_IPTABLES  the nodes' own `iptables` alternative: legacy (default),
#                      nft, or system (the machine's); see ensure_node_iptables
# shellcheck shell=bash
LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STATE=${MINIK8S_STATE:-/var/lib/minik8s}
LAB_PREFIX=${MK8S_LAB_PREFIX:-mk8s}
LAB_SUBNET=${MK8S_LAB_SUBNET:-192.168.77.0/24}
NODES=${NODES:-2}
CONTAINERD_ADDRESS=${CONTAINERD_ADDRESS:-/run/containerd/containerd.sock}
IMAGE_NAMESPACES=${IMAGE_NAMESPACES:-k8s.io}
LAB_IPTABLES=${MK8S_LAB_IPTABLES:-legacy}
LAB_SERVICE_CIDR=${MK8S_LAB_SERVICE_CIDR:-10.96.0.0/12}

lab_log() { printf '%s lab: %s\n' "$(date +%H:%M:%S)" "$*"; }
lab_warn() { printf '%s lab: warning: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
lab_die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

[[ $LAB_PREFIX =~ ^[a-z][a-z0-9]{0,7}$ ]] || lab_die "MK8S_LAB_PREFIX=$LAB_PREFIX: want 1-8 lower-case letters/digits"
[[ $LAB_SUBNET =~ ^([0-9]+\.[0-9]+\.[0-9]+)\.0/24$ ]] || lab_die "MK8S_LAB_SUBNET=$LAB_SUBNET: want A.B.C.0/24"
LAB_NET3=${BASH_REMATCH[1]}
[[ $LAB_IPTABLES =~ ^(legacy|nft|system)$ ]] || lab_die "MK8S_LAB_IPTABLES=$LAB_IPTABLES: want legacy, nft or system"
[[ $NODES =~ ^[0-9]+$ ]] && ((NODES >= 1 && NODES <= 200)) || lab_die "NODES=$NODES: want 1..200"

LAB_GATEWAY=$LAB_NET3.1
LAB_BRIDGE=${LAB_PREFIX}0
LAB_CHAIN=${LAB_PREFIX^^}-LAB-ISOLATE
LAB_STATE=$STATE/lab/$LAB_PREFIX
CONTAINERD_DIR=$STATE/containerd
CONTAINERD_RUNSTATE=/run/minik8s/containerd-$LAB_PREFIX
CONTAINERD_PID=$STATE/run/containerd.pid
CONTAINERD_LOG=$STATE/log/containerd.log

lab_node_name() { echo "${LAB_PREFIX}-node$1"; }
lab_node_veth() { echo "${LAB_PREFIX}-n$1"; }
lab_node_ip() { echo "$LAB_NET3.$((10 + $1))"; }

# lab_netns_list: the lab's node namespaces that exist now (any count).
lab_netns_list() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${LAB_PREFIX}-node[0-9]+\$" || true; }
# lab_veth_list: the lab's host-side veths that exist now.
lab_veth_list() { ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E "^${LAB_PREFIX}-n[0-9]+\$" || true; }

ctr_() { ctr --address "$CONTAINERD_ADDRESS" "$@"; }
containerd_up() { [ -S "$CONTAINERD_ADDRESS" ] && ctr --address "$CONTAINERD_ADDRESS" --connect-timeout 3s version >/dev/null 2>&1; }

# ensure_pkgs PKG...: apt-get installs the packages that are missing.
ensure_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	((${#missing[@]})) || return 0
	lab_log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || lab_die "apt-get update failed"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || lab_die "apt-get install ${missing[*]} failed"
}

# lab_sysctl KEY VALUE [NETNS]: sets a sysctl, tolerating a kernel without it.
lab_sysctl() {
	local key=$1 val=$2 ns=${3:-} f=/proc/sys/${1//.//}
	local run=()
	[ -n "$ns" ] && run=(ip netns exec "$ns")
	if ! "${run[@]}" test -e "$f"; then
		lab_warn "this kernel has no $key${ns:+ in $ns}; skipped"
		return 0
	fi
	"${run[@]}" sh -c "echo $val > $f" 2>/dev/null || lab_warn "could not set $key=$val${ns:+ in $ns}"
}

# Shared helpers for the lab scripts (sourced, not run).
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${MINIK8S_STATE:-/var/lib/minik8s}
RUN=$STATE/run
LOG=$STATE/log
# MINIK8S_BIN: where minik8s and kubectl are (default: the checkout's bin/).
BIN=${MINIK8S_BIN:-$ROOT/bin}
PKI=$STATE/pki
ADMIN_KUBECONFIG=$STATE/admin.kubeconfig
# The lab's settings, recorded by the first `scripts/up.sh` (lab_settings).
LAB_ENV=$STATE/lab.env

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The settings a lab is made with, and their defaults. The first
# `scripts/up.sh` records them in $MINIK8S_STATE/lab.env; later runs (a
# restart of what is missing, as systemd would) and scripts/down.sh reuse
# them, so that a plain `make up` after `NODES=3 BACKEND=host-gw make up`
# restarts a killed kubelet with host-gw. `make down` forgets them.
LAB_SETTINGS=(NODES BACKEND IPTABLES_BACKEND ADDONS AUTHORIZATION_MODE HA HA_ETCD_PORT
	MK8S_LAB_PREFIX MK8S_LAB_SUBNET MINIK8S_APISERVER_PORT CONTAINERD_ADDRESS)
# AUTHORIZATION_MODE's default here is the one place it is chosen.
declare -A LAB_DEFAULTS=(
	[NODES]=2 [BACKEND]=vxlan [IPTABLES_BACKEND]=legacy [ADDONS]=dns,ingress
	[AUTHORIZATION_MODE]=Node,RBAC [HA]=0 [HA_ETCD_PORT]=2379 [MK8S_LAB_PREFIX]=mk8s
	[MK8S_LAB_SUBNET]=192.168.77.0/24 [MINIK8S_APISERVER_PORT]=6443
	[CONTAINERD_ADDRESS]=/run/containerd/containerd.sock
)

# settings_plan RECORDED_FILE: the pure part of lab_settings. Reads the
# recorded settings (KEY=VALUE lines; the file may be absent) and the
# environment, and prints KEY=VALUE for every setting: an explicitly given
# value (a set variable, even empty: ADDONS= means none), else the recorded
# one, else the default. A given value that differs from the recorded one is
# an error naming both. Unknown keys in the file are an error too.
settings_plan() {
	local file=$1 key val
	declare -A rec=()
	if [ -f "$file" ]; then
		while IFS= read -r line || [ -n "$line" ]; do
			[[ -z $line || $line == \#* ]] && continue
			[[ $line =~ ^([A-Z_0-9]+)=(.*)$ ]] || die "$file: bad line '$line' (want KEY=VALUE)"
			key=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
			[ -n "${LAB_DEFAULTS[$key]+x}" ] || die "$file: unknown setting $key"
			rec[$key]=$val
		done <"$file"
	fi
	for key in "${LAB_SETTINGS[@]}"; do
		if [ -n "${!key+x}" ]; then
			val=${!key}
			[[ $val != *$'\n'* ]] || die "$key: a value on one line, please"
			if [ -n "${rec[$key]+x}" ] && [ "${rec[$key]}" != "$val" ]; then
				die "the lab was made with $key=${rec[$key]}, not $key=$val; run make down first to change it (or leave $key unset to keep it)"
			fi
		elif [ -n "${rec[$key]+x}" ]; then
			val=${rec[$key]}
		else
			val=${LAB_DEFAULTS[$key]}
		fi
		printf '%s=%s\n' "$key" "$val"
	done
}

# flag_of PIDFILE FLAG: the value of FLAG on the command line of the live
# process in PIDFILE (nothing if it is not running or lacks the flag).
flag_of() {
	local pidfile=$1 flag=$2 pid prev=
	[ -f "$pidfile" ] && pid=$(cat "$pidfile") && kill -0 "$pid" 2>/dev/null || return 0
	while IFS= read -r -d '' arg; do
		if [ "$prev" = "$flag" ]; then
			printf '%s\n' "$arg"
			return 0
		fi
		[[ $arg == "$flag="* ]] && { printf '%s\n' "${arg#*=}"; return 0; }
		prev=$arg
	done <"/proc/$pid/cmdline"
}

# running_settings: for a lab brought up before lab.env existed, the settings
# its live daemons were started with, as KEY=VALUE lines.
running_settings() {
	local v kubelet proxy
	# (no pid file is no lab: ls's failure must not end the script under pipefail)
	kubelet=$(compgen -G "$RUN/kubelet-*.pid" | head -1 || true)
	proxy=$(compgen -G "$RUN/kubeproxy-*.pid" | head -1 || true)
	[ -n "$kubelet" ] || return 0
	v=$(flag_of "$kubelet" --network-backend) && [ -n "$v" ] && echo "BACKEND=$v"
	v=$(flag_of "$kubelet" --containerd-address) && [ -n "$v" ] && echo "CONTAINERD_ADDRESS=$v"
	v=$(flag_of "$kubelet" --node-name) && [[ $v =~ ^([a-z][a-z0-9]*)-node[0-9]+$ ]] && echo "MK8S_LAB_PREFIX=${BASH_REMATCH[1]}"
	v=$(flag_of "$kubelet" --node-ip) && [[ $v =~ ^([0-9]+\.[0-9]+\.[0-9]+)\.[0-9]+$ ]] && echo "MK8S_LAB_SUBNET=${BASH_REMATCH[1]}.0/24"
	echo "NODES=$(compgen -G "$RUN/kubelet-*.pid" | wc -l)"
	[ -n "$proxy" ] && v=$(flag_of "$proxy" --iptables-backend) && [ -n "$v" ] && echo "IPTABLES_BACKEND=$v"
	v=$(flag_of "$RUN/apiserver.pid" --port) && [ -n "$v" ] && echo "MINIK8S_APISERVER_PORT=$v"
	v=$(flag_of "$RUN/apiserver.pid" --authorization-mode) && [ -n "$v" ] && echo "AUTHORIZATION_MODE=$v"
	if [ -f "$RUN/controller-manager.pid" ] && kill -0 "$(cat "$RUN/controller-manager.pid")" 2>/dev/null; then
		echo "ADDONS=$(flag_of "$RUN/controller-manager.pid" --addons)"
	fi
	return 0
}

# lab_settings [record]: resolves the settings (settings_plan), checks and
# exports them and the names derived from them; with "record", writes lab.env
# when it is missing (the first run of up.sh). A lab made before lab.env
# existed is read from its running daemons' command lines.
lab_settings() {
	local plan line recorded=$LAB_ENV
	if [ ! -f "$LAB_ENV" ] && [ -d "$RUN" ]; then
		recorded=$(mktemp)
		running_settings >"$recorded"
	fi
	plan=$(settings_plan "$recorded") || exit 1
	[ "$recorded" = "$LAB_ENV" ] || rm -f "$recorded"
	while IFS= read -r line; do
		export "${line%%=*}=${line#*=}"
	done <<<"$plan"
	[[ $NODES =~ ^[0-9]+$ ]] && ((NODES >= 1 && NODES <= 200)) || die "NODES=$NODES: want 1..200"
	[[ $BACKEND =~ ^(vxlan|host-gw)$ ]] || die "BACKEND=$BACKEND: want vxlan or host-gw"
	[[ $IPTABLES_BACKEND =~ ^(legacy|nft|auto)$ ]] || die "IPTABLES_BACKEND=$IPTABLES_BACKEND: want legacy, nft or auto"
	[[ $HA =~ ^[01]$ ]] || die "HA=$HA: want 0 or 1"
	# scripts/ha.sh: etcd member i on HA_ETCD_PORT + 10000*(i-1) and the port after it.
	[[ $HA_ETCD_PORT =~ ^[0-9]+$ ]] && ((HA_ETCD_PORT >= 1 && HA_ETCD_PORT <= 45534)) ||
		die "HA_ETCD_PORT=$HA_ETCD_PORT: want a port number up to 45534 (members use it, +10000, +20000 and the ports after)"
	[[ $MK8S_LAB_PREFIX =~ ^[a-z][a-z0-9]{0,7}$ ]] || die "MK8S_LAB_PREFIX=$MK8S_LAB_PREFIX: want 1-8 lower-case letters/digits"
	[[ $MK8S_LAB_SUBNET =~ ^([0-9]+\.[0-9]+\.[0-9]+)\.0/24$ ]] || die "MK8S_LAB_SUBNET=$MK8S_LAB_SUBNET: want A.B.C.0/24"
	LAB_GATEWAY=${BASH_REMATCH[1]}.1
	[[ $MINIK8S_APISERVER_PORT =~ ^[0-9]+$ ]] && ((MINIK8S_APISERVER_PORT >= 1 && MINIK8S_APISERVER_PORT <= 65535)) ||
		die "MINIK8S_APISERVER_PORT=$MINIK8S_APISERVER_PORT: want a port number"
	[[ $CONTAINERD_ADDRESS == /* ]] || die "CONTAINERD_ADDRESS=$CONTAINERD_ADDRESS: want an absolute socket path"
	APISERVER_PORT=$MINIK8S_APISERVER_PORT
	APISERVER_URL=https://127.0.0.1:$APISERVER_PORT
	export MINIK8S_STATE=$STATE
	if [ "${1:-}" = record ] && [ ! -f "$LAB_ENV" ]; then
		mkdir -p "$STATE"
		printf '# The settings this lab was made with (scripts/up.sh); make down forgets them.\n%s\n' "$plan" >"$LAB_ENV.tmp"
		mv "$LAB_ENV.tmp" "$LAB_ENV"
		log "recorded the lab's settings in $LAB_ENV"
	fi
}

# start_daemon NAME CMD...: runs CMD in the background with its log and pid file,
# unless a live process already owns the pid file (idempotent).
start_daemon() {
	local name=$1; shift
	mkdir -p "$RUN" "$LOG"
	if [ -f "$RUN/$name.pid" ] && kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then
		log "$name already running (pid $(cat "$RUN/$name.pid"))"
		return 0
	fi
	setsid "$@" >>"$LOG/$name.log" 2>&1 </dev/null &
	echo $! >"$RUN/$name.pid"
	log "started $name (pid $!, log $LOG/$name.log)"
}

# stop_daemon NAME: SIGTERM, wait up to 10 s, then SIGKILL.
stop_daemon() {
	local name=$1 pid
	[ -f "$RUN/$name.pid" ] || return 0
	pid=$(cat "$RUN/$name.pid")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$pid" 2>/dev/null || true
		log "stopped $name (pid $pid)"
	fi
	rm -f "$RUN/$name.pid"
}

# wait_http URL SECONDS: polls until URL answers 200 (https: trusting only
# the cluster CA).
wait_http() {
	local url=$1 secs=${2:-30}
	for _ in $(seq $((secs * 5))); do
		curl -fsS --cacert "$PKI/ca.crt" -o /dev/null "$url" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

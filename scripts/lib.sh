# Shared helpers for the lab scripts (sourced, not run).
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${MINIK8S_STATE:-/var/lib/minik8s}
RUN=$STATE/run
LOG=$STATE/log
BIN=$ROOT/bin
APISERVER_PORT=${MINIK8S_APISERVER_PORT:-6443}
APISERVER_URL=https://127.0.0.1:$APISERVER_PORT
PKI=$STATE/pki
ADMIN_KUBECONFIG=$STATE/admin.kubeconfig

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

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

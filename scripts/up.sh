#!/usr/bin/env bash
# Brings up the local minik8s cluster: the control plane (apiserver with its
# embedded etcd) as background daemons, and the admin kubeconfig that
# bin/kubectl finds with no flags. Idempotent: running it again leaves what
# is already up alone.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -x "$BIN/minik8s" ] || die "bin/minik8s is missing: run 'make build' first"
mkdir -p "$STATE"

start_daemon apiserver "$BIN/minik8s" apiserver \
	--bind-address 127.0.0.1 --port "$APISERVER_PORT" --data-dir "$STATE/etcd"
wait_http "$APISERVER_URL/readyz" 60 || die "apiserver did not become ready; see $LOG/apiserver.log"

"$BIN/kubectl" --server "$APISERVER_URL" config view --raw >"$STATE/admin.kubeconfig.tmp"
mv "$STATE/admin.kubeconfig.tmp" "$STATE/admin.kubeconfig"

log "minik8s is up: apiserver $APISERVER_URL"
log "try: bin/kubectl get namespaces"
log "the real kubectl: kubectl --kubeconfig $STATE/admin.kubeconfig get ns"

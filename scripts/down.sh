#!/usr/bin/env bash
# Stops the local minik8s cluster. PURGE=1 also deletes its state (etcd data,
# logs, kubeconfig) under /var/lib/minik8s.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

stop_daemon apiserver

if [ "${PURGE:-0}" = 1 ]; then
	rm -rf "$STATE"
	log "removed $STATE"
fi
log "minik8s is down"

#!/usr/bin/env bash
# Stops the local minik8s cluster: kube-proxies, kubelets, control plane, then the lab
# (namespaces, links, chains, the containerd the lab started). Pods' containers
# go with the lab. PURGE=1 also deletes the cluster's state (etcd data, logs,
# kubeconfig, images) under /var/lib/minik8s; without it a later `make up`
# finds its objects again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

for pidfile in "$RUN"/kubeproxy-*.pid "$RUN"/kubelet-*.pid; do
	[ -e "$pidfile" ] || continue
	stop_daemon "$(basename "$pidfile" .pid)"
done
stop_daemon scheduler
stop_daemon controller-manager
stop_daemon apiserver
# HA=1's control plane (etcd cluster, apiservers, controllers: scripts/ha.sh).
. "$ROOT/scripts/ha.sh"
ha_down

keep=1
[ "${PURGE:-0}" = 1 ] && keep=0
MINIK8S_STATE=$STATE KEEP_STATE=$keep "$ROOT/scripts/lab/down.sh"

if [ "$keep" = 0 ]; then
	rm -rf "$STATE"
	log "removed $STATE"
fi
log "minik8s is down"

#!/usr/bin/env bash
# Stops the local minik8s cluster: kube-proxies, kubelets, control plane, then the lab
# (namespaces, links, chains, the containerd the lab started). Pods' containers
# go with the lab. PURGE=1 also deletes the cluster's state (etcd data, logs,
# kubeconfig, images) under /var/lib/minik8s; without it a later `make up`
# finds its objects again. Either way the lab's recorded settings
# ($MINIK8S_STATE/lab.env) are forgotten: the next `make up` may choose anew.
# The lab to stop is the one MINIK8S_STATE holds: its names (prefix, subnet,
# containerd) come from its lab.env, so a second lab's down leaves the
# user's alone.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "the lab needs root"
# Without lab.env, the default prefix would name the user's lab: only for the
# default state dir, or when the prefix is given or read from a live kubelet.
if [ ! -f "$LAB_ENV" ] && [ "$STATE" != /var/lib/minik8s ] && [ -z "${MK8S_LAB_PREFIX+x}" ] &&
	! running_settings | grep -q '^MK8S_LAB_PREFIX='; then
	die "$LAB_ENV is missing: say which lab to remove (MK8S_LAB_PREFIX=…, MK8S_LAB_SUBNET=…, CONTAINERD_ADDRESS=…)"
fi
# Only the settings that name the lab matter here: another BACKEND in the
# caller's environment must not stop a down.
unset NODES BACKEND IPTABLES_BACKEND ADDONS AUTHORIZATION_MODE HA HA_ETCD_PORT
lab_settings

for pidfile in "$RUN"/kubeproxy-*.pid "$RUN"/kubelet-*.pid; do
	[ -e "$pidfile" ] || continue
	stop_daemon "$(basename "$pidfile" .pid)"
done
stop_daemon scheduler
stop_daemon controller-manager
stop_daemon apiserver
# HA=1's control plane (etcd cluster, apiservers, controllers: scripts/ha.sh).
# shellcheck source=ha.sh
. "$ROOT/scripts/ha.sh"
ha_down

keep=1
[ "${PURGE:-0}" = 1 ] && keep=0
KEEP_STATE=$keep "$ROOT/scripts/lab/down.sh"
rm -f "$LAB_ENV"

if [ "$keep" = 0 ]; then
	rm -rf "$STATE"
	log "removed $STATE"
fi
log "minik8s is down"

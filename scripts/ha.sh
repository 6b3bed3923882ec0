# HA=1 control plane for scripts/up.sh (sourced): a 3-member etcd cluster,
# several apiservers, leader-elected controller-managers and schedulers.
# shellcheck shell=bash
ha_up() { die "HA=1 is not built yet"; }

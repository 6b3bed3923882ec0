#!/usr/bin/env bash
# Installs the Debian packages minik8s and its tests need. Idempotent: it
# calls apt-get only when a package is missing.
set -euo pipefail

pkgs=(
	python3 python3-kubernetes python3-yaml # the official Python client, for compatibility tests
	etcd-server                             # an external etcd for the --etcd-servers test
	iproute2 procps curl ca-certificates
	iptables # both backends: iptables-legacy{,-save,-restore} and iptables-nft{,-save,-restore} (docs/kubeproxy.md)
	busybox-static # the tools image's userland (images/build tests chroot into it)
	dnsperf        # the cluster DNS bench (test/e2e/dns_ingress_bench_test.go)
	chromium chromium-driver # the web UI's browser test (test/e2e/kubectl_ui_test.go, chromedp)
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for b in iptables-legacy-restore iptables-legacy-save iptables-nft-restore iptables-nft-save; do
	command -v "$b" >/dev/null || echo "deps: note: $b is missing; --iptables-backend auto uses the other backend" >&2
done

if ! command -v go >/dev/null && [ ! -x /usr/local/go/bin/go ]; then
	echo "deps: Go is not installed; install Go 1.22+ (https://go.dev/doc/install) and re-run" >&2
	exit 1
fi
if ! command -v kubectl >/dev/null; then
	echo "deps: note: the real kubectl is not on PATH; the compatibility tests that use it will fail" >&2
fi

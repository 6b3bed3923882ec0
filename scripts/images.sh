#!/usr/bin/env bash
# Builds minik8s's offline images and imports them into containerd.
#
#   scripts/images.sh [NAMESPACE...]
#
# Builds static pause, testserver, wget and minik8s binaries, then images/build
# writes OCI layout tarballs into .lab/images/ (pause.tar, tools.tar,
# testserver.tar, minik8s.tar — the add-on image with /minik8s — and
# images.txt with each image's digest). With NAMESPACEs (or IMAGE_NAMESPACES
# set, e.g. "k8s.io") it imports every image into each of those containerd
# namespaces, skipping an image whose name already has the same digest there.
# BUILD_ONLY=1 skips the import. Needs Go and busybox-static (installed if
# missing); the import needs a running containerd (scripts/lab/up.sh).
set -euo pipefail
. "$(dirname "$0")/lab/lib.sh"

OUT=${IMAGES_OUT:-$LAB_ROOT/.lab/images}
namespaces=("$@")
if ((${#namespaces[@]} == 0)) && [ -n "${IMAGES_IMPORT_NAMESPACES:-}" ]; then
	read -ra namespaces <<<"$IMAGES_IMPORT_NAMESPACES"
fi

GO=$(command -v go || true)
[ -n "$GO" ] || GO=/usr/local/go/bin/go
[ -x "$GO" ] || lab_die "Go is not installed (looked on PATH and at /usr/local/go/bin/go)"
[ -x /bin/busybox ] || ensure_pkgs busybox-static

build() {
	mkdir -p "$OUT/bin"
	cd "$LAB_ROOT"
	local ldflags='-s -w -buildid='
	CGO_ENABLED=0 "$GO" build -trimpath -ldflags "$ldflags" -o "$OUT/bin/pause" ./images/pause
	CGO_ENABLED=0 "$GO" build -trimpath -ldflags "$ldflags" -o "$OUT/bin/testserver" ./images/testserver
	CGO_ENABLED=0 "$GO" build -trimpath -ldflags "$ldflags" -o "$OUT/bin/wget" ./images/wget
	# The same flags as `make build` and the e2e harness: one compile serves all three.
	CGO_ENABLED=0 "$GO" build -trimpath -ldflags "$ldflags" -o "$OUT/bin/minik8s" ./cmd/minik8s
	"$GO" build -o "$OUT/bin/build" ./images/build
	"$OUT/bin/build" -out "$OUT" -pause "$OUT/bin/pause" -testserver "$OUT/bin/testserver" -wget "$OUT/bin/wget" \
		-minik8s "$OUT/bin/minik8s" -busybox /bin/busybox >/dev/null
}

# import NAMESPACE: imports every image of images.txt whose digest differs.
import() {
	local ns=$1 name digest file have
	while read -r name digest file; do
		have=$(ctr_ -n "$ns" images ls 2>/dev/null | awk -v n="$name" '$1 == n {print $3}')
		if [ "$have" = "$digest" ]; then
			lab_log "$ns: $name is up to date (${digest:7:12})"
			continue
		fi
		ctr_ -n "$ns" images import "$OUT/$file" >/dev/null || lab_die "import $file into containerd namespace $ns failed"
		have=$(ctr_ -n "$ns" images ls 2>/dev/null | awk -v n="$name" '$1 == n {print $3}')
		[ "$have" = "$digest" ] || lab_die "after importing $file, $ns has '$name' at '${have:-nothing}', want $digest"
		lab_log "$ns: imported $name (${digest:7:12})"
	done <"$OUT/images.txt"
}

build
lab_log "images built in $OUT"
if [ "${BUILD_ONLY:-0}" != 1 ] && ((${#namespaces[@]})); then
	containerd_up || lab_die "containerd does not answer on $CONTAINERD_ADDRESS (start the lab: scripts/lab/up.sh)"
	for ns in "${namespaces[@]}"; do import "$ns"; done
fi

# minik8s — `make help` lists the targets.
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
BIN := bin
STATE ?= /var/lib/minik8s

.DEFAULT_GOAL := help
# Packages with end-to-end tests on a real lab or in throwaway network
# namespaces (root): they run one package at a time, after everything else
# (their root tests skip themselves with -short).
E2E_PKGS := ./test/e2e/ ./kubelet/runtime/containerd/ ./kubeproxy/ ./pkg/iptables/ ./kubelet/stats/

.PHONY: help
help: ## Show this help
	@awk 'BEGIN{FS=":.*## "} /^[a-zA-Z_-]+:.*## /{printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build bin/minik8s and its links (bin/kubectl, bin/kubectl-trace, bin/apiserver, bin/controller-manager, bin/kubelet, bin/scheduler, bin/kube-proxy, bin/kubeproxy)
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w -buildid=' -o $(BIN)/minik8s ./cmd/minik8s
	@for l in kubectl kubectl-trace apiserver controller-manager kubelet scheduler kube-proxy kubeproxy; do ln -sf minik8s $(BIN)/$$l; done

.PHONY: deps
deps: ## Install the Debian packages minik8s and its tests need (idempotent)
	scripts/deps.sh

.PHONY: up
up: deps build ## Bring up the local lab cluster: containerd, NODES=2 node namespaces, control plane, a kubelet and a kube-proxy per node (BACKEND=vxlan|host-gw)
	scripts/up.sh

.PHONY: down
down: ## Stop the local cluster and remove the lab (PURGE=1 also deletes its data)
	scripts/down.sh

.PHONY: test
test: deps build ## Run every test: unit, integration (real etcd), real kubectl and Python client (race detector on), e2e on labs (root)
	$(GO) vet ./...
	$(GO) test -race -count=1 -short -timeout 25m ./...
	$(GO) test -race -count=1 -p 1 -timeout 45m $(E2E_PKGS)

.PHONY: unit
unit: ## Run the unit and integration tests only (no root, no lab), with the race detector
	$(GO) test -race -count=1 -short ./...

.PHONY: bench
bench: build ## Run the benchmarks and print their figures
	$(GO) run ./test/bench
	$(GO) test -count=1 -run '^$$' -bench StatsCollection -benchtime 1x ./kubelet/stats/
	@if [ "$$(id -u)" = 0 ]; then $(GO) test -count=1 -run '^$$' -bench PodNetwork -benchtime 1x ./test/e2e/; else echo "bench: pod network figures skipped (they need root)"; fi
	@if [ "$$(id -u)" = 0 ]; then $(GO) test -count=1 -run '^$$' -bench PodStartup -benchtime 1x ./test/e2e/; else echo "bench: pod start-up figures skipped (they need root)"; fi
	@if [ "$$(id -u)" = 0 ]; then $(GO) test -count=1 -run '^$$' -bench Deployment30 -benchtime 1x ./test/e2e/; else echo "bench: 30-replica Deployment figures skipped (they need root)"; fi
	@if [ "$$(id -u)" = 0 ]; then $(GO) test -count=1 -run '^$$' -bench '^BenchmarkServices$$' -benchtime 1x -timeout 40m ./test/e2e/; else echo "bench: Service figures skipped (they need root)"; fi
	@if [ "$$(id -u)" = 0 ]; then $(GO) test -count=1 -run '^$$' -bench '^BenchmarkDNSIngress$$' -benchtime 1x -timeout 20m ./test/e2e/; else echo "bench: DNS and Ingress figures skipped (they need root)"; fi
	@if [ "$$(id -u)" = 0 ]; then $(GO) test -count=1 -run '^$$' -bench '^BenchmarkHPAResponse$$' -benchtime 1x -timeout 20m ./test/e2e/; else echo "bench: HPA response figures skipped (they need root)"; fi

.PHONY: fmt
fmt: ## gofmt the tree
	gofmt -w $$(git ls-files '*.go')

.PHONY: clean
clean: ## Remove build outputs
	rm -rf $(BIN)

.PHONY: soak
soak: ## Soak the running lab (SOAK_DURATION=1h, SOAK_INTERVAL=1m): API and pod churn in soak-* namespaces, RSS and fds of every lab process, verdict on growth
	MINIK8S_STATE=$${MINIK8S_STATE:-$(STATE)} $(GO) run ./test/soak -duration $${SOAK_DURATION:-1h} -interval $${SOAK_INTERVAL:-1m}

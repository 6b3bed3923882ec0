package kubelet

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
	"minik8s/pkg/iptables"
	"minik8s/pkg/netinfo"
)

// netfilterBackends caches, per kubelet, the iptables backend kube-proxy
// writes (detected once, as pkg/iptables.DetectBackend does).
var netfilterBackends sync.Map // *Kubelet -> iptables.Backend

// netfilterSave is iptables-save -c of the node's kube-proxy backend.
func (k *Kubelet) netfilterSave(ctx context.Context) (string, []byte, error) {
	b, ok := netfilterBackends.Load(k)
	if !ok {
		d, err := iptables.DetectBackend(ctx)
		if err != nil {
			return "", nil, fmt.Errorf("iptables backend: %w", err)
		}
		b, _ = netfilterBackends.LoadOrStore(k, d)
	}
	backend := b.(iptables.Backend)
	return netinfo.SaveCommand(string(backend), iptables.CommandsFor(backend).Save)(ctx)
}

// serveNetinfo serves GET /netinfo: the node's network as the kernel has
// it (pkg/netinfo), with every ready pod sandbox's namespace.
func (k *Kubelet) serveNetinfo(w http.ResponseWriter, r *http.Request) {
	var pods []netinfo.PodRef
	sbs, err := k.rt.ListPodSandboxes(r.Context())
	c := netinfo.Collector{Node: k.opts.NodeName, Backend: k.opts.NetworkBackend, Save: k.netfilterSave}
	for _, sb := range sbs {
		if sb.State != runtime.SandboxReady {
			continue
		}
		pods = append(pods, netinfo.PodRef{Namespace: sb.Namespace, Name: sb.Name, UID: sb.PodUID, IP: sb.IP,
			HostNetwork: sb.NetNSPath == "", NetNS: sb.NetNSPath})
	}
	n := c.Collect(r.Context(), pods)
	if err != nil {
		n.Errors = append(n.Errors, fmt.Sprintf("list sandboxes: %v", err))
	}
	writeNetinfoJSON(w, n)
}

// serveNetinfoProbe serves POST /netinfo/probe: one TCP connect or UDP
// datagram from inside a pod's network namespace (or the node's, with no
// pod), as kubectl trace --probe asks.
func (k *Kubelet) serveNetinfoProbe(w http.ResponseWriter, r *http.Request) {
	var req netinfo.ProbeRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
		http.Error(w, fmt.Sprintf("probe request: %v", err), http.StatusBadRequest)
		return
	}
	timeout, err := netinfo.ValidateProbe(&req)
	if err != nil {
		http.Error(w, fmt.Sprintf("probe request: %v", err), http.StatusBadRequest)
		return
	}
	nsPath, from := "", "node/"+k.opts.NodeName
	if req.Pod != "" {
		obj, ok := k.informer.Store().GetByName(req.Namespace, req.Pod)
		if !ok {
			http.Error(w, fmt.Sprintf("pod %s/%s not found on this node", req.Namespace, req.Pod), http.StatusNotFound)
			return
		}
		if nsPath, err = k.podNetNS(r.Context(), obj.(*api.Pod)); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		from = req.Namespace + "/" + req.Pod
	}
	res := netinfo.Probe(r.Context(), nsPath, req, timeout)
	res.From = from
	writeNetinfoJSON(w, res)
}

func writeNetinfoJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

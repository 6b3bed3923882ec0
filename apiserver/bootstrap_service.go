package apiserver

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/apiserver/storage"
	"minik8s/pkg/api"
	"minik8s/pkg/wait"
)

// The apiserver keeps the `kubernetes` Service in `default` and its
// Endpoints and EndpointSlices, as Kubernetes' kubernetesservice controller
// and lease endpoint reconciler do: at start and every
// kubernetesServiceInterval it creates what is missing and puts back what
// was changed. The Service has the first address of the service range
// (10.96.0.1), port https 443/TCP, no selector (so the endpoint
// controllers leave it alone) and the labels component=apiserver,
// provider=kubernetes.
//
// Its endpoints are every apiserver serving now. Each one keeps a key
// /registry/masterleases/<ip>:<port> in etcd that expires unless it is put
// again (masterLeaseTTL, refreshed every interval), and writes the
// endpoints from the keys it lists: with several apiservers (HA) they
// agree instead of each putting back its own address, and a dead one
// drops out when its lease expires; one that stops cleanly removes its
// key and itself at once. Kubernetes keys the leases by IP alone, since
// its apiservers share a port; the lab's HA apiservers share an IP and
// differ by port, so ours are keyed by both, one endpoint subset (and one
// EndpointSlice) per port.

const (
	kubernetesServiceName = "kubernetes"
	// labelSkipMirror keeps an EndpointSlice mirroring controller off the
	// apiserver's own Endpoints (discovery.LabelSkipMirror).
	labelSkipMirror = "endpointslice.kubernetes.io/skip-mirror"
	// masterLeasesPrefix holds the serving apiservers' leases.
	masterLeasesPrefix = "/registry/masterleases/"
	// masterLeaseTTL is how long a lease lives unless put again
	// (Kubernetes' --endpoint-reconciler lease TTL).
	masterLeaseTTL = 15 * time.Second
)

// kubernetesServiceInterval is how often the objects are checked
// (Kubernetes' default endpoint reconciler interval is 10 s).
const kubernetesServiceInterval = 10 * time.Second

// leaseTTL is the lease lifetime for a reconcile interval: Kubernetes' 15 s
// for its 10 s, and 5 s more than a longer interval.
func leaseTTL(interval time.Duration) time.Duration {
	return max(masterLeaseTTL, interval+5*time.Second)
}

// advertiseAddress is the address the kubernetes Service's endpoints point
// at: --advertise-address, else the first bind address that is neither
// loopback nor unspecified, else 127.0.0.1.
func advertiseAddress(advertise, bind string) string {
	if advertise != "" {
		return advertise
	}
	for _, a := range strings.Split(bind, ",") {
		ip := net.ParseIP(strings.TrimSpace(a))
		if ip != nil && ip.To4() != nil && !ip.IsLoopback() && !ip.IsUnspecified() {
			return ip.String()
		}
	}
	return "127.0.0.1"
}

// apiserverEndpoint is one serving apiserver: its advertised IP and port.
type apiserverEndpoint struct {
	IP   string
	Port int32
}

// key is the endpoint's lease name, ip:port.
func (e apiserverEndpoint) key() string {
	return net.JoinHostPort(e.IP, strconv.Itoa(int(e.Port)))
}

// parseLeaseKey reads a lease key back; other keys are not leases.
func parseLeaseKey(key string) (apiserverEndpoint, bool) {
	host, port, err := net.SplitHostPort(strings.TrimPrefix(key, masterLeasesPrefix))
	p, perr := strconv.ParseUint(port, 10, 16)
	if err != nil || perr != nil || p == 0 || net.ParseIP(host) == nil {
		return apiserverEndpoint{}, false
	}
	return apiserverEndpoint{IP: host, Port: int32(p)}, true
}

// sortedEndpoints: by port, then IP, without duplicates.
func sortedEndpoints(eps []apiserverEndpoint) []apiserverEndpoint {
	out := slices.Clone(eps)
	slices.SortFunc(out, func(a, b apiserverEndpoint) int {
		return cmp.Or(cmp.Compare(a.Port, b.Port), bytes.Compare(net.ParseIP(a.IP).To16(), net.ParseIP(b.IP).To16()), strings.Compare(a.IP, b.IP))
	})
	return slices.Compact(out)
}

// endpointSliceName names the slice of the i-th port group: the first is
// Kubernetes' `kubernetes`, the others kubernetes-<port>.
func endpointSliceName(i int, port int32) string {
	if i == 0 {
		return kubernetesServiceName
	}
	return fmt.Sprintf("%s-%d", kubernetesServiceName, port)
}

// kubernetesServiceObjects are the Service, Endpoints and EndpointSlices
// the apiservers keep for a cluster IP and the serving apiservers (at
// least one). The Service's targetPort is the lowest port among them (all
// the same in Kubernetes); the endpoints have a subset and a slice per
// port.
func kubernetesServiceObjects(clusterIP string, servers []apiserverEndpoint) (*api.Service, *api.Endpoints, []*api.EndpointSlice) {
	eps := sortedEndpoints(servers)
	svc := &api.Service{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: api.ObjectMeta{Name: kubernetesServiceName, Namespace: "default",
			Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}},
		Spec: api.ServiceSpec{
			Ports:           []api.ServicePort{{Name: "https", Protocol: "TCP", Port: 443, TargetPort: intstr.FromInt32(eps[0].Port)}},
			ClusterIP:       clusterIP,
			SessionAffinity: "None",
			Type:            api.ServiceTypeClusterIP,
		},
	}
	ep := &api.Endpoints{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Endpoints"},
		ObjectMeta: api.ObjectMeta{Name: kubernetesServiceName, Namespace: "default",
			Labels: map[string]string{labelSkipMirror: "true"}},
	}
	var epSlices []*api.EndpointSlice
	for i := 0; i < len(eps); {
		port := eps[i].Port
		var ips []string
		for ; i < len(eps) && eps[i].Port == port; i++ {
			ips = append(ips, eps[i].IP)
		}
		sub := api.EndpointSubset{Ports: []api.EndpointPort{{Name: "https", Port: port, Protocol: "TCP"}}}
		slice := &api.EndpointSlice{
			TypeMeta: api.TypeMeta{APIVersion: "discovery.k8s.io/v1", Kind: "EndpointSlice"},
			ObjectMeta: api.ObjectMeta{Name: endpointSliceName(len(epSlices), port), Namespace: "default",
				Labels: map[string]string{api.LabelServiceName: kubernetesServiceName}},
			AddressType: api.AddressTypeIPv4,
			Ports:       []api.EndpointSlicePort{{Name: ptr("https"), Protocol: ptr("TCP"), Port: ptr(port)}},
		}
		for _, ip := range ips {
			sub.Addresses = append(sub.Addresses, api.EndpointAddress{IP: ip})
			slice.Endpoints = append(slice.Endpoints, api.Endpoint{Addresses: []string{ip}, Conditions: api.EndpointConditions{Ready: ptr(true)}})
		}
		ep.Subsets = append(ep.Subsets, sub)
		epSlices = append(epSlices, slice)
	}
	return svc, ep, epSlices
}

func ptr[T any](v T) *T { return &v }

// kubernetesServiceUpdate puts the kept fields of want into cur (a copy
// of the stored object) and says whether anything changed. For the
// Service these are its ports and type (Kubernetes'
// getMasterServiceUpdateIfNeeded); for the Endpoints its subsets and
// labels; for the slice its endpoints, ports, address type and labels.
func kubernetesServiceUpdate(cur, want api.Object) bool {
	changed := false
	switch c := cur.(type) {
	case *api.Service:
		w := want.(*api.Service)
		if !sameJSON(c.Spec.Ports, w.Spec.Ports) {
			c.Spec.Ports = w.Spec.Ports
			changed = true
		}
		if c.Spec.Type != w.Spec.Type {
			c.Spec.Type = w.Spec.Type
			changed = true
		}
	case *api.Endpoints:
		w := want.(*api.Endpoints)
		if !sameJSON(c.Subsets, w.Subsets) {
			c.Subsets = w.Subsets
			changed = true
		}
		if !sameJSON(c.Labels, w.Labels) {
			c.Labels = w.Labels
			changed = true
		}
	case *api.EndpointSlice:
		w := want.(*api.EndpointSlice)
		if !sameJSON(c.Endpoints, w.Endpoints) || !sameJSON(c.Ports, w.Ports) {
			c.Endpoints, c.Ports = w.Endpoints, w.Ports
			changed = true
		}
		if c.AddressType != w.AddressType {
			c.AddressType = w.AddressType
			changed = true
		}
		if !sameJSON(c.Labels, w.Labels) {
			c.Labels = w.Labels
			changed = true
		}
	}
	return changed
}

func sameJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// selfEndpoint is this server's advertised address and serving port.
func (s *Server) selfEndpoint() (apiserverEndpoint, error) {
	_, portStr, _ := net.SplitHostPort(s.addr)
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return apiserverEndpoint{}, fmt.Errorf("serving port of %q: %w", s.addr, err)
	}
	return apiserverEndpoint{IP: advertiseAddress(s.opts.AdvertiseAddress, s.opts.BindAddress), Port: int32(port)}, nil
}

// ensureKubernetesService renews this server's lease, lists the serving
// apiservers and creates or puts right the objects.
func (s *Server) ensureKubernetesService(ctx context.Context, ttl time.Duration) error {
	self, err := s.selfEndpoint()
	if err != nil {
		return err
	}
	if err := s.etcd.PutTTL(ctx, masterLeasesPrefix+self.key(), []byte(self.key()), ttl); err != nil {
		return fmt.Errorf("renewing this apiserver's lease: %w", err)
	}
	servers, err := s.servingAPIServers(ctx)
	if err != nil {
		return err
	}
	// Just renewed: a list without this server is a stale read.
	return s.writeKubernetesService(ctx, append(servers, self))
}

// leaveKubernetesService removes this server's lease and rewrites the
// endpoints without it, unless no other apiserver is left (then they stay,
// as Kubernetes refuses to erase every endpoint).
func (s *Server) leaveKubernetesService(ctx context.Context) error {
	if s.etcd == nil || s.addr == "" {
		return nil
	}
	self, err := s.selfEndpoint()
	if err != nil {
		return err
	}
	if _, err := s.etcd.Delete(ctx, masterLeasesPrefix+self.key(), 0); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	servers, err := s.servingAPIServers(ctx)
	if err != nil || len(servers) == 0 {
		return err
	}
	return s.writeKubernetesService(ctx, servers)
}

// servingAPIServers lists the unexpired leases.
func (s *Server) servingAPIServers(ctx context.Context) ([]apiserverEndpoint, error) {
	kvs, _, err := s.etcd.List(ctx, masterLeasesPrefix)
	if err != nil {
		return nil, fmt.Errorf("listing the apiservers' leases: %w", err)
	}
	var out []apiserverEndpoint
	for _, kv := range kvs {
		if e, ok := parseLeaseKey(kv.Key); ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// writeKubernetesService creates or puts right the Service, Endpoints and
// slices for the serving apiservers, and deletes the slices of ports no
// longer served.
func (s *Server) writeKubernetesService(ctx context.Context, servers []apiserverEndpoint) error {
	svc, ep, want := kubernetesServiceObjects(s.alloc.ipAt(1), servers)
	var errs []error
	objs := []api.Object{svc, ep}
	for _, sl := range want {
		objs = append(objs, sl)
	}
	for _, obj := range objs {
		info, _ := api.ForKind(obj.GetTypeMeta().APIVersion, obj.GetTypeMeta().Kind)
		if err := s.ensureObject(ctx, info, obj); err != nil {
			errs = append(errs, err)
		}
	}
	info, _ := api.ForResource("discovery.k8s.io", "v1", "endpointslices")
	existing, _, err := s.listObjects(ctx, info, "default", selectors{})
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("listing the kubernetes EndpointSlices: %w", err))...)
	}
	for _, obj := range existing {
		m := obj.GetObjectMeta()
		if m.Labels[api.LabelServiceName] != kubernetesServiceName || !isKubernetesSliceName(m.Name) ||
			slices.ContainsFunc(want, func(w *api.EndpointSlice) bool { return w.Name == m.Name }) {
			continue
		}
		if _, err := s.deleteObject(ctx, route{info: info, namespace: "default", name: m.Name}, nil); err != nil && !errors.Is(err, storage.ErrNotFound) {
			errs = append(errs, fmt.Errorf("deleting EndpointSlice default/%s: %w", m.Name, err))
		}
	}
	return errors.Join(errs...)
}

// isKubernetesSliceName: kubernetes or kubernetes-<port>, the names
// endpointSliceName gives.
func isKubernetesSliceName(name string) bool {
	if name == kubernetesServiceName {
		return true
	}
	port, ok := strings.CutPrefix(name, kubernetesServiceName+"-")
	_, err := strconv.ParseUint(port, 10, 16)
	return ok && err == nil
}

// ensureObject creates want, or updates the stored object with the fields
// kubernetesServiceUpdate keeps.
func (s *Server) ensureObject(ctx context.Context, info *api.ResourceInfo, want api.Object) error {
	m := want.GetObjectMeta()
	cur, _, err := s.getObject(ctx, info, m.Namespace, m.Name)
	if errors.Is(err, storage.ErrNotFound) {
		if _, err := s.createObject(ctx, info, want); err != nil {
			return fmt.Errorf("creating %s %s/%s: %w", info.Resource, m.Namespace, m.Name, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s %s/%s: %w", info.Resource, m.Namespace, m.Name, err)
	}
	if !kubernetesServiceUpdate(cur, want) {
		return nil
	}
	if _, err := s.updateObject(ctx, route{info: info, namespace: m.Namespace, name: m.Name}, cur); err != nil {
		return fmt.Errorf("updating %s %s/%s: %w", info.Resource, m.Namespace, m.Name, err)
	}
	return nil
}

// runKubernetesService ensures the objects every interval (Run has
// ensured them once before serving: startKubernetesService).
func (s *Server) runKubernetesService(ctx context.Context, interval time.Duration) {
	ttl := leaseTTL(interval)
	wait.EveryAfter(ctx, interval, func(ctx context.Context) error { return s.ensureKubernetesService(ctx, ttl) },
		func(err error) { log.Printf("apiserver: the kubernetes service: %v", err) })
}

// startKubernetesService ensures the objects once before the server says
// it is ready, as Kubernetes' readiness waits for its bootstrap
// controller: a client that waited for readiness finds the kubernetes
// Service (and its ClusterIP taken before any of its own Services'). A
// failure is logged; the loop tries again.
func (s *Server) startKubernetesService(ctx context.Context, interval time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.ensureKubernetesService(ctx, leaseTTL(interval)); err != nil {
		log.Printf("apiserver: the kubernetes service: %v", err)
	}
}

package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/apiserver/storage"
	"minik8s/pkg/api"
	"minik8s/pkg/wait"
)

// The apiserver keeps the `kubernetes` Service in `default` and its
// Endpoints and EndpointSlice, as Kubernetes' kubernetesservice controller
// and endpoint reconciler do: at start and every kubernetesServiceInterval
// it creates what is missing and puts back what was changed. The Service
// has the first address of the service range (10.96.0.1), port https
// 443/TCP to the apiserver's own port, no selector (so the endpoint
// controllers leave it alone) and the labels component=apiserver,
// provider=kubernetes; its endpoints point at --advertise-address.

const (
	kubernetesServiceName = "kubernetes"
	// labelSkipMirror keeps an EndpointSlice mirroring controller off the
	// apiserver's own Endpoints (discovery.LabelSkipMirror).
	labelSkipMirror = "endpointslice.kubernetes.io/skip-mirror"
)

// kubernetesServiceInterval is how often the objects are checked
// (Kubernetes' default endpoint reconciler interval is 10 s).
const kubernetesServiceInterval = 10 * time.Second

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

// kubernetesServiceObjects are the Service, Endpoints and EndpointSlice
// the apiserver keeps, for a cluster IP, an advertised IP and the port it
// serves on.
func kubernetesServiceObjects(clusterIP, ip string, port int32) (*api.Service, *api.Endpoints, *api.EndpointSlice) {
	svc := &api.Service{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: api.ObjectMeta{Name: kubernetesServiceName, Namespace: "default",
			Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}},
		Spec: api.ServiceSpec{
			Ports:           []api.ServicePort{{Name: "https", Protocol: "TCP", Port: 443, TargetPort: intstr.FromInt32(port)}},
			ClusterIP:       clusterIP,
			SessionAffinity: "None",
			Type:            api.ServiceTypeClusterIP,
		},
	}
	ep := &api.Endpoints{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Endpoints"},
		ObjectMeta: api.ObjectMeta{Name: kubernetesServiceName, Namespace: "default",
			Labels: map[string]string{labelSkipMirror: "true"}},
		Subsets: []api.EndpointSubset{{Addresses: []api.EndpointAddress{{IP: ip}},
			Ports: []api.EndpointPort{{Name: "https", Port: port, Protocol: "TCP"}}}},
	}
	ready := true
	name, proto, p := "https", "TCP", port
	slice := &api.EndpointSlice{
		TypeMeta: api.TypeMeta{APIVersion: "discovery.k8s.io/v1", Kind: "EndpointSlice"},
		ObjectMeta: api.ObjectMeta{Name: kubernetesServiceName, Namespace: "default",
			Labels: map[string]string{api.LabelServiceName: kubernetesServiceName}},
		AddressType: api.AddressTypeIPv4,
		Endpoints:   []api.Endpoint{{Addresses: []string{ip}, Conditions: api.EndpointConditions{Ready: &ready}}},
		Ports:       []api.EndpointSlicePort{{Name: &name, Protocol: &proto, Port: &p}},
	}
	return svc, ep, slice
}

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

// ensureKubernetesService creates or puts right the three objects.
func (s *Server) ensureKubernetesService(ctx context.Context) error {
	_, portStr, _ := net.SplitHostPort(s.addr)
	var port int32
	if _, err := fmt.Sscan(portStr, &port); err != nil {
		return fmt.Errorf("serving port of %q: %w", s.addr, err)
	}
	svc, ep, slice := kubernetesServiceObjects(s.alloc.ipAt(1), advertiseAddress(s.opts.AdvertiseAddress, s.opts.BindAddress), port)
	var errs []error
	for _, w := range []struct {
		group, resource string
		obj             api.Object
	}{{"", "services", svc}, {"", "endpoints", ep}, {"discovery.k8s.io", "endpointslices", slice}} {
		info, _ := api.ForResource(w.group, "v1", w.resource)
		if err := s.ensureObject(ctx, info, w.obj); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
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

// runKubernetesService ensures the objects now and every interval.
func (s *Server) runKubernetesService(ctx context.Context, interval time.Duration) {
	wait.Every(ctx, interval, s.ensureKubernetesService, func(err error) { log.Printf("apiserver: the kubernetes service: %v", err) })
}

package apiserver

import (
	"encoding/json"
	"testing"
	"time"

	"minik8s/pkg/api"
)

func TestAdvertiseAddress(t *testing.T) {
	for _, tc := range []struct{ advertise, bind, want string }{
		{"", "127.0.0.1", "127.0.0.1"},
		{"", "127.0.0.1,192.168.77.1", "192.168.77.1"},
		{"", "0.0.0.0", "127.0.0.1"},
		{"", "::1,10.0.0.5", "10.0.0.5"},
		{"192.0.2.1", "127.0.0.1,192.168.77.1", "192.0.2.1"},
	} {
		if got := advertiseAddress(tc.advertise, tc.bind); got != tc.want {
			t.Errorf("advertiseAddress(%q, %q) = %q, want %q", tc.advertise, tc.bind, got, tc.want)
		}
	}
}

func one(ip string, port int32) []apiserverEndpoint { return []apiserverEndpoint{{IP: ip, Port: port}} }

func TestKubernetesServiceUpdate(t *testing.T) {
	svc, ep, slices := kubernetesServiceObjects("10.96.0.1", one("192.168.77.1", 6443))
	slice := slices[0]
	if len(slices) != 1 || slice.Name != "kubernetes" {
		t.Fatalf("one apiserver, one slice named kubernetes: %+v", slices)
	}
	if p := svc.Spec.Ports[0]; p.Name != "https" || p.Port != 443 || p.TargetPort.IntValue() != 6443 || svc.Spec.Selector != nil {
		t.Errorf("service %+v", svc.Spec)
	}
	if ep.Labels[labelSkipMirror] != "true" || slice.Labels[api.LabelServiceName] != "kubernetes" {
		t.Errorf("labels %v %v", ep.Labels, slice.Labels)
	}
	same, _, _ := kubernetesServiceObjects("10.96.0.1", one("192.168.77.1", 6443))
	same.ResourceVersion, same.UID = "5", "u"
	same.Labels["extra"] = "kept"
	if kubernetesServiceUpdate(same, svc) {
		t.Error("an unchanged service (labels aside) needs no update")
	}
	moved, _, _ := kubernetesServiceObjects("10.96.0.1", one("192.168.77.1", 7443))
	moved.Spec.Type = api.ServiceTypeNodePort
	if !kubernetesServiceUpdate(moved, svc) || moved.Spec.Ports[0].TargetPort.IntValue() != 6443 || moved.Spec.Type != api.ServiceTypeClusterIP {
		t.Errorf("ports and type are put back: %+v", moved.Spec)
	}
	_, otherEP, otherSlices := kubernetesServiceObjects("10.96.0.1", one("127.0.0.1", 6443))
	otherSlice := otherSlices[0]
	if !kubernetesServiceUpdate(otherEP, ep) || otherEP.Subsets[0].Addresses[0].IP != "192.168.77.1" {
		t.Errorf("endpoints put back: %+v", otherEP.Subsets)
	}
	if !kubernetesServiceUpdate(otherSlice, slice) || otherSlice.Endpoints[0].Addresses[0] != "192.168.77.1" {
		t.Errorf("slice put back: %+v", otherSlice.Endpoints)
	}
	if kubernetesServiceUpdate(otherSlice, slice) || kubernetesServiceUpdate(otherEP, ep) {
		t.Error("once put back, no further update")
	}
}

// TestKubernetesServiceObjectsHA: with several apiservers every one writes
// the same objects from the same leases, whatever their order: one subset
// and one slice per port (the first slice keeps Kubernetes' name), the
// lowest port as the Service's targetPort.
func TestKubernetesServiceObjectsHA(t *testing.T) {
	a := []apiserverEndpoint{{"192.168.77.1", 6444}, {"192.168.77.1", 6443}, {"10.0.0.9", 6443}, {"192.168.77.1", 6444}}
	b := []apiserverEndpoint{{"10.0.0.9", 6443}, {"192.168.77.1", 6443}, {"192.168.77.1", 6444}}
	svcA, epA, slA := kubernetesServiceObjects("10.96.0.1", a)
	svcB, epB, slB := kubernetesServiceObjects("10.96.0.1", b)
	if !sameJSON(svcA, svcB) || !sameJSON(epA, epB) || !sameJSON(slA, slB) {
		t.Fatalf("the order of the leases changes the objects:\n%+v\n%+v", epA.Subsets, epB.Subsets)
	}
	if svcA.Spec.Ports[0].TargetPort.IntValue() != 6443 {
		t.Errorf("targetPort %v, want the lowest port 6443", svcA.Spec.Ports[0].TargetPort)
	}
	want := `[{"addresses":[{"ip":"10.0.0.9"},{"ip":"192.168.77.1"}],"ports":[{"name":"https","port":6443,"protocol":"TCP"}]},` +
		`{"addresses":[{"ip":"192.168.77.1"}],"ports":[{"name":"https","port":6444,"protocol":"TCP"}]}]`
	if got, _ := json.Marshal(epA.Subsets); string(got) != want {
		t.Errorf("subsets\n got %s\nwant %s", got, want)
	}
	if len(slA) != 2 || slA[0].Name != "kubernetes" || slA[1].Name != "kubernetes-6444" ||
		len(slA[0].Endpoints) != 2 || *slA[0].Ports[0].Port != 6443 ||
		len(slA[1].Endpoints) != 1 || slA[1].Endpoints[0].Addresses[0] != "192.168.77.1" || *slA[1].Ports[0].Port != 6444 {
		t.Errorf("slices %s", mustJSON(slA))
	}
	for _, sl := range slA {
		if sl.Labels[api.LabelServiceName] != "kubernetes" || !isKubernetesSliceName(sl.Name) {
			t.Errorf("slice %s: labels %v", sl.Name, sl.Labels)
		}
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestLeaseKeys(t *testing.T) {
	e := apiserverEndpoint{IP: "192.168.77.1", Port: 6444}
	if got, ok := parseLeaseKey(masterLeasesPrefix + e.key()); !ok || got != e {
		t.Errorf("round trip of %s: %v %v", e.key(), got, ok)
	}
	for _, bad := range []string{"192.168.77.1", "192.168.77.1:0", "192.168.77.1:70000", "host:6443", "192.168.77.1:x"} {
		if _, ok := parseLeaseKey(masterLeasesPrefix + bad); ok {
			t.Errorf("%q parsed as a lease", bad)
		}
	}
	for name, want := range map[string]bool{"kubernetes": true, "kubernetes-6444": true, "kubernetes-abc": false, "kubernetes-": false, "web": false} {
		if isKubernetesSliceName(name) != want {
			t.Errorf("isKubernetesSliceName(%q) != %v", name, want)
		}
	}
	if leaseTTL(10*time.Second) != 15*time.Second || leaseTTL(time.Second) != 15*time.Second || leaseTTL(time.Minute) != 65*time.Second {
		t.Error("lease TTL: Kubernetes' 15 s, or 5 s over a longer interval")
	}
}

package apiserver

import (
	"testing"

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

func TestKubernetesServiceUpdate(t *testing.T) {
	svc, ep, slice := kubernetesServiceObjects("10.96.0.1", "192.168.77.1", 6443)
	if p := svc.Spec.Ports[0]; p.Name != "https" || p.Port != 443 || p.TargetPort.IntValue() != 6443 || svc.Spec.Selector != nil {
		t.Errorf("service %+v", svc.Spec)
	}
	if ep.Labels[labelSkipMirror] != "true" || slice.Labels[api.LabelServiceName] != "kubernetes" {
		t.Errorf("labels %v %v", ep.Labels, slice.Labels)
	}
	same, _, _ := kubernetesServiceObjects("10.96.0.1", "192.168.77.1", 6443)
	same.ResourceVersion, same.UID = "5", "u"
	same.Labels["extra"] = "kept"
	if kubernetesServiceUpdate(same, svc) {
		t.Error("an unchanged service (labels aside) needs no update")
	}
	moved, _, _ := kubernetesServiceObjects("10.96.0.1", "192.168.77.1", 7443)
	moved.Spec.Type = api.ServiceTypeNodePort
	if !kubernetesServiceUpdate(moved, svc) || moved.Spec.Ports[0].TargetPort.IntValue() != 6443 || moved.Spec.Type != api.ServiceTypeClusterIP {
		t.Errorf("ports and type are put back: %+v", moved.Spec)
	}
	_, otherEP, otherSlice := kubernetesServiceObjects("10.96.0.1", "127.0.0.1", 6443)
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

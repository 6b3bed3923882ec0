package apiserver

import (
	"strings"
	"testing"

	"minik8s/pkg/api"
)

func TestSplitSchemeNamePort(t *testing.T) {
	tests := []struct {
		id                 string
		scheme, name, port string
		ok                 bool
	}{
		{"web", "", "web", "", true},
		{"web:8080", "", "web", "8080", true},
		{"https:web:443", "https", "web", "443", true},
		{"https:web:", "https", "web", "", true},
		{"ftp:web:21", "", "", "", false},
		{":80", "", "", "", false},
		{"a:b:c:d", "", "", "", false},
	}
	for _, tt := range tests {
		s, n, p, ok := splitSchemeNamePort(tt.id)
		if s != tt.scheme || n != tt.name || p != tt.port || ok != tt.ok {
			t.Errorf("splitSchemeNamePort(%q) = %q %q %q %v", tt.id, s, n, p, ok)
		}
	}
}

func TestPodProxyLocation(t *testing.T) {
	pod := &api.Pod{Spec: api.PodSpec{Containers: []api.Container{{Name: "a"}, {Name: "b", Ports: []api.ContainerPort{{ContainerPort: 8080}}}}},
		Status: api.PodStatus{PodIP: "10.244.1.5"}}
	tests := []struct {
		scheme, port string
		ip           string
		loopback     bool
		want         string
		wantErr      string
	}{
		{port: "", ip: "10.244.1.5", want: "http://10.244.1.5:8080"},
		{port: "9000", ip: "10.244.1.5", want: "http://10.244.1.5:9000"},
		{scheme: "https", port: "443", ip: "10.244.1.5", want: "https://10.244.1.5:443"},
		{port: "80", ip: "", wantErr: "address not allowed"},
		{port: "80", ip: "127.0.0.1", wantErr: "address not allowed"},
		{port: "80", ip: "127.0.0.1", loopback: true, want: "http://127.0.0.1:80"},
	}
	for _, tt := range tests {
		p := *pod
		p.Status.PodIP = tt.ip
		u, err := podProxyLocation(&p, tt.scheme, tt.port, tt.loopback)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%+v: err = %v", tt, err)
			}
			continue
		}
		if err != nil || u.String() != tt.want {
			t.Errorf("%+v: %v, %v", tt, u, err)
		}
	}
}

func TestServiceProxyLocation(t *testing.T) {
	svc := &api.Service{ObjectMeta: api.ObjectMeta{Name: "web"}, Spec: api.ServiceSpec{Ports: []api.ServicePort{
		{Name: "http", Port: 80}, {Name: "admin", Port: 9000}}}}
	eps := &api.Endpoints{Subsets: []api.EndpointSubset{{
		Addresses:         []api.EndpointAddress{{IP: "10.244.1.5"}},
		NotReadyAddresses: []api.EndpointAddress{{IP: "10.244.1.6"}},
		Ports:             []api.EndpointPort{{Name: "http", Port: 8080}, {Name: "admin", Port: 9090}},
	}}}
	first := func(int) int { return 0 }
	tests := []struct {
		scheme, port string
		eps          *api.Endpoints
		want         string
		wantErr      string
	}{
		{port: "http", eps: eps, want: "http://10.244.1.5:8080"},
		{port: "80", eps: eps, want: "http://10.244.1.5:8080"},
		{port: "9000", eps: eps, want: "http://10.244.1.5:9090"},
		{scheme: "https", port: "admin", eps: eps, want: "https://10.244.1.5:9090"},
		{port: "81", eps: eps, wantErr: `no service port 81 found for service "web"`},
		{port: "", eps: eps, wantErr: `no endpoints available for service "web"`}, // no unnamed port
		{port: "http", eps: nil, wantErr: `no endpoints available for service "web"`},
	}
	for _, tt := range tests {
		u, err := serviceProxyLocation(svc, tt.eps, tt.scheme, tt.port, false, first)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%+v: err = %v", tt, err)
			}
			continue
		}
		if err != nil || u.String() != tt.want {
			t.Errorf("%+v: %v, %v", tt, u, err)
		}
	}
}

func TestProxyRest(t *testing.T) {
	for _, tt := range []struct{ path, name, want string }{
		{"/api/v1/namespaces/d/services/web:80/proxy/a/b", "web:80", "/a/b"},
		{"/api/v1/namespaces/d/services/web/proxy", "web", "/"},
		{"/api/v1/namespaces/d/pods/p/proxy/", "p", "/"},
	} {
		if got := proxyRest(tt.path, tt.name); got != tt.want {
			t.Errorf("proxyRest(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

// TestDiscoveryStreamingSubresources: the subresources the real kubectl
// uses for attach, port-forward and proxy are listed with Kubernetes'
// verbs and kinds.
func TestDiscoveryStreamingSubresources(t *testing.T) {
	res, _ := resourceList("", "v1")
	got := map[string]string{}
	for _, r := range res {
		got[r.Name] = r.Kind + " " + strings.Join(r.Verbs, ",")
	}
	for name, want := range map[string]string{
		"pods/attach":      "PodAttachOptions create,get",
		"pods/portforward": "PodPortForwardOptions create,get",
		"pods/proxy":       "PodProxyOptions create,delete,get,patch,update",
		"services/proxy":   "ServiceProxyOptions create,delete,get,patch,update",
		"pods/exec":        "PodExecOptions create,get",
	} {
		if got[name] != want {
			t.Errorf("%s: %q, want %q", name, got[name], want)
		}
	}
}

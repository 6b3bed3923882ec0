package kubelet

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"minik8s/pkg/api"
)

func svc(ns, name, ip string, ports ...api.ServicePort) *api.Service {
	return &api.Service{ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name},
		Spec: api.ServiceSpec{Selector: map[string]string{"bar": "baz"}, ClusterIP: ip, Ports: ports}}
}

// Kubernetes' TestFromServices.
func TestEnvVarsFromServices(t *testing.T) {
	sl := []*api.Service{
		svc("", "foo-bar", "1.2.3.4", api.ServicePort{Port: 8080, Protocol: "TCP"}),
		svc("", "abc-123", "5.6.7.8", api.ServicePort{Name: "u-d-p", Port: 8081, Protocol: "UDP"}, api.ServicePort{Name: "t-c-p", Port: 8081, Protocol: "TCP"}),
		svc("", "q-u-u-x", "9.8.7.6", api.ServicePort{Port: 8082, Protocol: "TCP"}, api.ServicePort{Name: "8083", Port: 8083, Protocol: "TCP"}),
		svc("", "svrc-clusterip-none", "None", api.ServicePort{Port: 8082, Protocol: "TCP"}),
		svc("", "svrc-clusterip-empty", "", api.ServicePort{Port: 8082, Protocol: "TCP"}),
		svc("", "super-ipv6", "2001:DB8::", api.ServicePort{Name: "u-d-p", Port: 8084, Protocol: "UDP"}, api.ServicePort{Name: "t-c-p", Port: 8084, Protocol: "TCP"}),
	}
	want := []envVar{
		{"FOO_BAR_SERVICE_HOST", "1.2.3.4"},
		{"FOO_BAR_SERVICE_PORT", "8080"},
		{"FOO_BAR_PORT", "tcp://1.2.3.4:8080"},
		{"FOO_BAR_PORT_8080_TCP", "tcp://1.2.3.4:8080"},
		{"FOO_BAR_PORT_8080_TCP_PROTO", "tcp"},
		{"FOO_BAR_PORT_8080_TCP_PORT", "8080"},
		{"FOO_BAR_PORT_8080_TCP_ADDR", "1.2.3.4"},
		{"ABC_123_SERVICE_HOST", "5.6.7.8"},
		{"ABC_123_SERVICE_PORT", "8081"},
		{"ABC_123_SERVICE_PORT_U_D_P", "8081"},
		{"ABC_123_SERVICE_PORT_T_C_P", "8081"},
		{"ABC_123_PORT", "udp://5.6.7.8:8081"},
		{"ABC_123_PORT_8081_UDP", "udp://5.6.7.8:8081"},
		{"ABC_123_PORT_8081_UDP_PROTO", "udp"},
		{"ABC_123_PORT_8081_UDP_PORT", "8081"},
		{"ABC_123_PORT_8081_UDP_ADDR", "5.6.7.8"},
		{"ABC_123_PORT_8081_TCP", "tcp://5.6.7.8:8081"},
		{"ABC_123_PORT_8081_TCP_PROTO", "tcp"},
		{"ABC_123_PORT_8081_TCP_PORT", "8081"},
		{"ABC_123_PORT_8081_TCP_ADDR", "5.6.7.8"},
		{"Q_U_U_X_SERVICE_HOST", "9.8.7.6"},
		{"Q_U_U_X_SERVICE_PORT", "8082"},
		{"Q_U_U_X_SERVICE_PORT_8083", "8083"},
		{"Q_U_U_X_PORT", "tcp://9.8.7.6:8082"},
		{"Q_U_U_X_PORT_8082_TCP", "tcp://9.8.7.6:8082"},
		{"Q_U_U_X_PORT_8082_TCP_PROTO", "tcp"},
		{"Q_U_U_X_PORT_8082_TCP_PORT", "8082"},
		{"Q_U_U_X_PORT_8082_TCP_ADDR", "9.8.7.6"},
		{"Q_U_U_X_PORT_8083_TCP", "tcp://9.8.7.6:8083"},
		{"Q_U_U_X_PORT_8083_TCP_PROTO", "tcp"},
		{"Q_U_U_X_PORT_8083_TCP_PORT", "8083"},
		{"Q_U_U_X_PORT_8083_TCP_ADDR", "9.8.7.6"},
		{"SUPER_IPV6_SERVICE_HOST", "2001:DB8::"},
		{"SUPER_IPV6_SERVICE_PORT", "8084"},
		{"SUPER_IPV6_SERVICE_PORT_U_D_P", "8084"},
		{"SUPER_IPV6_SERVICE_PORT_T_C_P", "8084"},
		{"SUPER_IPV6_PORT", "udp://[2001:DB8::]:8084"},
		{"SUPER_IPV6_PORT_8084_UDP", "udp://[2001:DB8::]:8084"},
		{"SUPER_IPV6_PORT_8084_UDP_PROTO", "udp"},
		{"SUPER_IPV6_PORT_8084_UDP_PORT", "8084"},
		{"SUPER_IPV6_PORT_8084_UDP_ADDR", "2001:DB8::"},
		{"SUPER_IPV6_PORT_8084_TCP", "tcp://[2001:DB8::]:8084"},
		{"SUPER_IPV6_PORT_8084_TCP_PROTO", "tcp"},
		{"SUPER_IPV6_PORT_8084_TCP_PORT", "8084"},
		{"SUPER_IPV6_PORT_8084_TCP_ADDR", "2001:DB8::"},
	}
	if got := envVarsFromServices(sl); !reflect.DeepEqual(got, want) {
		t.Errorf("got %d vars:\n%v\nwant %d:\n%v", len(got), got, len(want), want)
	}
}

func TestServiceEnvMap(t *testing.T) {
	kube := svc("default", "kubernetes", "10.96.0.1", api.ServicePort{Name: "https", Port: 443, Protocol: "TCP"})
	all := []*api.Service{
		kube,
		svc("default", "other", "10.96.0.20", api.ServicePort{Port: 80}),
		svc("ns1", "web", "10.96.0.30", api.ServicePort{Port: 80}),
		svc("ns1", "headless", "None", api.ServicePort{Port: 80}),
		svc("ns2", "db", "10.96.0.40", api.ServicePort{Port: 5432}),
	}
	keys := func(m map[string]string) string {
		var hosts []string
		for k, v := range m {
			if strings.HasSuffix(k, "_SERVICE_HOST") {
				hosts = append(hosts, k+"="+v)
			}
		}
		slices.Sort(hosts)
		return strings.Join(hosts, " ")
	}
	for _, tc := range []struct {
		desc, ns string
		links    bool
		services []*api.Service
		want     string
	}{
		{"pod in ns1: its services and kubernetes", "ns1", true, all, "KUBERNETES_SERVICE_HOST=10.96.0.1 WEB_SERVICE_HOST=10.96.0.30"},
		{"links disabled: kubernetes only", "ns1", false, all, "KUBERNETES_SERVICE_HOST=10.96.0.1"},
		{"pod in default", "default", true, all, "KUBERNETES_SERVICE_HOST=10.96.0.1 OTHER_SERVICE_HOST=10.96.0.20"},
		{"default, links disabled", "default", false, all, "KUBERNETES_SERVICE_HOST=10.96.0.1"},
		{"a kubernetes Service of the pod's namespace wins", "ns2", true,
			append([]*api.Service{svc("ns2", "kubernetes", "10.96.0.99", api.ServicePort{Port: 1})}, all...), "DB_SERVICE_HOST=10.96.0.40 KUBERNETES_SERVICE_HOST=10.96.0.99"},
		{"... in either order", "ns2", true,
			append(append([]*api.Service(nil), all...), svc("ns2", "kubernetes", "10.96.0.99", api.ServicePort{Port: 1})), "DB_SERVICE_HOST=10.96.0.40 KUBERNETES_SERVICE_HOST=10.96.0.99"},
		{"no services", "ns1", true, nil, ""},
	} {
		if got := keys(serviceEnvMap(tc.services, tc.ns, tc.links)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.desc, got, tc.want)
		}
	}
	m := serviceEnvMap(all, "ns1", true)
	if m["KUBERNETES_SERVICE_PORT"] != "443" || m["KUBERNETES_SERVICE_PORT_HTTPS"] != "443" || m["KUBERNETES_PORT"] != "tcp://10.96.0.1:443" ||
		m["KUBERNETES_PORT_443_TCP_ADDR"] != "10.96.0.1" || m["WEB_PORT_80_TCP"] != "tcp://10.96.0.30:80" {
		t.Errorf("vars = %v", m)
	}
}

// The container's own env wins over service variables, may refer to them,
// and the rest follow it sorted.
func TestContainerEnvWithServices(t *testing.T) {
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "ns1"}}
	c := &api.Container{Name: "c", Env: []api.EnvVar{
		{Name: "WEB_SERVICE_HOST", Value: "mine"},
		{Name: "URL", Value: "http://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)/"},
	}, Command: []string{"echo", "$(WEB_SERVICE_PORT)"}}
	pe := podEnv{Services: map[string]string{"WEB_SERVICE_HOST": "10.96.0.30", "WEB_SERVICE_PORT": "80", "KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}}
	env, _, err := containerEnv(pod, c, pe)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"WEB_SERVICE_HOST=mine", "URL=http://10.96.0.1:443/", "KUBERNETES_SERVICE_HOST=10.96.0.1", "KUBERNETES_SERVICE_PORT=443", "WEB_SERVICE_PORT=80"}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("env = %q, want %q", env, want)
	}
	cfg, err := containerConfig(pod, c, 0, pe, nil, "")
	if err != nil || !reflect.DeepEqual(cfg.Command, []string{"echo", "80"}) {
		t.Errorf("command = %q %v", cfg.Command, err)
	}
}

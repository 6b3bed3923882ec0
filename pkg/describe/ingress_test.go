package describe

import (
	"testing"
	"time"

	"minik8s/pkg/api"
)

func TestDescribeIngress(t *testing.T) {
	class, prefix := "minik8s", api.PathTypePrefix
	backend := func(svc string, port int32) api.IngressBackend {
		return api.IngressBackend{Service: &api.IngressServiceBackend{Name: svc, Port: api.ServiceBackendPort{Number: port}}}
	}
	ing := &api.Ingress{
		ObjectMeta: api.ObjectMeta{Name: "shop", Namespace: "default", CreationTimestamp: ago(time.Minute),
			Annotations: map[string]string{"note": "x"}},
		Spec: api.IngressSpec{
			IngressClassName: &class,
			DefaultBackend:   &api.IngressBackend{Service: &api.IngressServiceBackend{Name: "gone", Port: api.ServiceBackendPort{Name: "http"}}},
			TLS:              []api.IngressTLS{{Hosts: []string{"shop.example"}, SecretName: "shop-tls"}},
			Rules: []api.IngressRule{{Host: "shop.example", IngressRuleValue: api.IngressRuleValue{HTTP: &api.HTTPIngressRuleValue{Paths: []api.HTTPIngressPath{
				{Path: "/", PathType: &prefix, Backend: backend("web", 80)},
				{Path: "/api", PathType: &prefix, Backend: api.IngressBackend{Resource: &api.TypedLocalObjectReference{Kind: "Bucket", Name: "static"}}},
			}}}}},
		},
		Status: api.IngressStatus{LoadBalancer: api.IngressLoadBalancerStatus{Ingress: []api.IngressLoadBalancerIngress{{IP: "192.168.77.12"}, {IP: "192.168.77.11"}}}},
	}
	web := &api.Service{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"}, Spec: api.ServiceSpec{Ports: []api.ServicePort{{Name: "http", Port: 80}}}}
	portName, port := "http", int32(8080)
	slice := &api.EndpointSlice{ObjectMeta: api.ObjectMeta{Name: "web-abc", Namespace: "default", Labels: map[string]string{api.LabelServiceName: "web"}},
		Ports: []api.EndpointSlicePort{{Name: &portName, Port: &port}},
		Endpoints: []api.Endpoint{{Addresses: []string{"10.244.1.5"}, Conditions: api.EndpointConditions{Ready: yes()}},
			{Addresses: []string{"10.244.2.7"}, Conditions: api.EndpointConditions{Ready: yes()}}}}
	got := describe(t, ing, nil, Related{Services: []*api.Service{web}, EndpointSlices: []*api.EndpointSlice{slice}})
	want := lines(
		"Name:             shop",
		"Labels:           <none>",
		"Namespace:        default",
		"Address:          192.168.77.11,192.168.77.12",
		"Ingress Class:    minik8s",
		`Default backend:  gone:http (<error: services "gone" not found>)`,
		"TLS:",
		"  shop-tls terminates shop.example",
		"Rules:",
		"  Host          Path  Backends",
		"  ----          ----  --------",
		"  shop.example  ",
		"                /      web:80 (10.244.1.5:8080,10.244.2.7:8080)",
		"                /api   APIGroup: <none>, Kind: Bucket, Name: static",
		"Annotations:    note: x",
		"Events:         <none>",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}

	// Only a default backend: the rules table shows "* * backend".
	only := &api.Ingress{ObjectMeta: api.ObjectMeta{Name: "only", Namespace: "default"}, Spec: api.IngressSpec{DefaultBackend: &api.IngressBackend{Service: &api.IngressServiceBackend{Name: "web", Port: api.ServiceBackendPort{Number: 80}}}}}
	out := describe(t, only, nil, Related{Services: []*api.Service{web}})
	hasLine(t, out, "Ingress Class:    <none>")
	hasLine(t, out, "  *           *     web:80 (<none>)")
}

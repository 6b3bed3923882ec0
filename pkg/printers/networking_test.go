package printers

import (
	"testing"
	"time"

	"minik8s/pkg/api"
)

func TestPrintIngress(t *testing.T) {
	class := "minik8s"
	rule := func(host string) api.IngressRule { return api.IngressRule{Host: host} }
	web := &api.Ingress{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default", CreationTimestamp: ago(5 * time.Minute)},
		Spec: api.IngressSpec{IngressClassName: &class, Rules: []api.IngressRule{rule("shop.example"), rule("api.example")}},
		Status: api.IngressStatus{LoadBalancer: api.IngressLoadBalancerStatus{Ingress: []api.IngressLoadBalancerIngress{
			{IP: "192.168.77.12"}, {IP: "192.168.77.11"}, {IP: "192.168.77.11"}}}}}
	many := &api.Ingress{ObjectMeta: api.ObjectMeta{Name: "many", Namespace: "default", CreationTimestamp: ago(time.Hour)},
		Spec: api.IngressSpec{TLS: []api.IngressTLS{{Hosts: []string{"a.com"}}},
			Rules: []api.IngressRule{rule("a.com"), rule(""), rule("b.com"), rule("c.com"), rule("d.com"), rule("e.com")}}}
	def := &api.Ingress{ObjectMeta: api.ObjectMeta{Name: "default-only", Namespace: "default", CreationTimestamp: ago(2 * time.Minute)},
		Spec: api.IngressSpec{DefaultBackend: &api.IngressBackend{Service: &api.IngressServiceBackend{Name: "x"}}}}
	got := printed(t, "Ingress", []api.Object{web, many, def}, PrintOptions{})
	want := lines(
		"NAME           CLASS     HOSTS                           ADDRESS                       PORTS     AGE",
		"web            minik8s   shop.example,api.example        192.168.77.11,192.168.77.12   80        5m",
		"many           <none>    a.com,b.com,c.com + 3 more...                                 80, 443   60m",
		"default-only   <none>    *                                                             80        2m",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestPrintIngressClass(t *testing.T) {
	group := "k8s.example.com"
	c1 := &api.IngressClass{ObjectMeta: api.ObjectMeta{Name: "minik8s", CreationTimestamp: ago(10 * time.Minute)}, Spec: api.IngressClassSpec{Controller: "minik8s.io/ingress"}}
	c2 := &api.IngressClass{ObjectMeta: api.ObjectMeta{Name: "external", CreationTimestamp: ago(3 * time.Minute)}, Spec: api.IngressClassSpec{Controller: "example.com/lb",
		Parameters: &api.IngressClassParametersReference{APIGroup: &group, Kind: "IngressParameters", Name: "external-lb"}}}
	got := printed(t, "IngressClass", []api.Object{c1, c2}, PrintOptions{})
	want := lines(
		"NAME       CONTROLLER           PARAMETERS                                      AGE",
		"minik8s    minik8s.io/ingress   <none>                                          10m",
		"external   example.com/lb       IngressParameters.k8s.example.com/external-lb   3m",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

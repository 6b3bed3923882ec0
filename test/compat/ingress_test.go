package compat

import (
	"strings"
	"testing"
)

// The Ingresses of TestIngressMatchesRealKubectl with their class,
// Services and EndpointSlices, made by hand (no controller runs here).
const ingressYAML = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: minik8s
  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
spec:
  controller: minik8s.io/ingress
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: external}
spec:
  controller: example.com/lb
  parameters: {apiGroup: k8s.example.com, kind: IngressParameters, name: external-lb, scope: Cluster}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc12
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
endpoints:
- addresses: [10.244.1.5]
  conditions: {ready: true}
- addresses: [10.244.2.7]
- addresses: [10.244.2.9]
  conditions: {ready: false}
ports:
- {name: http, port: 8080, protocol: TCP}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations: {team: shop}
spec:
  tls:
  - {hosts: [shop.example], secretName: shop-tls}
  rules:
  - host: shop.example
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
      - {path: /api, pathType: Exact, backend: {service: {name: api, port: {name: http}}}}
  - host: "*.shop.example"
    http:
      paths:
      - {path: /, pathType: ImplementationSpecific, backend: {service: {name: web, port: {name: http}}}}
  - host: a.example
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
  - host: b.example
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: fallback}
spec:
  ingressClassName: external
  defaultBackend: {service: {name: web, port: {number: 80}}}
`

// TestIngressMatchesRealKubectl: get ingress|ingressclass and describe
// ingress print the same through the real kubectl v1.32 (the apiserver's
// Table) and ours; the class-less Ingress got the default class.
func TestIngressMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	c.ok(t, ingressYAML, "apply", "-f", "-")
	c.ok(t, "", "patch", "ingress", "shop", "--subresource=status", "--type=merge",
		"-p", `{"status":{"loadBalancer":{"ingress":[{"ip":"192.168.77.12"},{"ip":"192.168.77.11"}]}}}`)

	ing := c.sameTable(t, "get", "ingress")
	mustMatch(t, "get ingress header", `^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\n`, ing)
	mustMatch(t, "shop row", `(?m)^shop\s+minik8s\s+shop\.example,\*\.shop\.example,a\.example \+ 1 more\.\.\.\s+192\.168\.77\.11,192\.168\.77\.12\s+80, 443\s`, ing)
	mustMatch(t, "fallback row", `(?m)^fallback\s+external\s+\*\s+80\s`, ing)
	c.sameTable(t, "get", "ing", "-o", "wide")
	c.sameTable(t, "get", "ingress", "shop", "--no-headers")
	classes := c.sameTable(t, "get", "ingressclass")
	mustMatch(t, "get ingressclass", `(?m)^external\s+example\.com/lb\s+IngressParameters\.k8s\.example\.com/external-lb\s`, classes)
	mustMatch(t, "get ingressclass minik8s", `(?m)^minik8s\s+minik8s\.io/ingress\s+<none>\s`, classes)

	d := c.sameTable(t, "describe", "ingress", "shop")
	for _, line := range []string{
		"Ingress Class:    minik8s",
		"Default backend:  <default>",
		"  shop-tls terminates shop.example",
		"                  /      web:80 (10.244.1.5:8080,10.244.2.7:8080)",
		`                  /api   api:http (<error: services "api" not found>)`,
	} {
		if !strings.Contains(d, line+"\n") {
			t.Errorf("describe ingress shop lacks %q:\n%s", line, d)
		}
	}
	c.sameTable(t, "describe", "ingress", "fallback")

	// The real kubectl's typed create sends protobuf.
	c.ok(t, "", "create", "ingress", "simple", "--rule=foo.com/bar*=web:80", "--rule=foo.com/exact=web:http")
	got := c.ok(t, "", "get", "ingress", "simple", "-o", "jsonpath={.spec.ingressClassName} {.spec.rules[0].http.paths[*].pathType}")
	if got != "minik8s Prefix Exact" {
		t.Errorf("kubectl create ingress: class and path types %q", got)
	}
}

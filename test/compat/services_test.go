package compat

import (
	"regexp"
	"strings"
	"testing"
)

// The services, Endpoints and EndpointSlices of TestServicesMatchRealKubectl,
// made by hand (no controllers run in these tests).
const servicesYAML = `apiVersion: v1
kind: Service
metadata: {name: web, labels: {app: web}}
spec:
  type: NodePort
  selector: {app: web}
  sessionAffinity: ClientIP
  externalTrafficPolicy: Local
  ports:
  - {name: http, port: 80, targetPort: 8080, nodePort: 30001}
  - {name: dns, port: 53, protocol: UDP, targetPort: dns, nodePort: 30053}
---
apiVersion: v1
kind: Service
metadata: {name: plain}
spec:
  selector: {app: plain}
  externalIPs: [192.168.77.100]
  ports:
  - {port: 8080}
---
apiVersion: v1
kind: Service
metadata: {name: headless}
spec:
  clusterIP: None
  selector: {app: web}
  ports:
  - {name: http, port: 80}
---
apiVersion: v1
kind: Service
metadata: {name: ext}
spec:
  type: ExternalName
  externalName: example.com
---
apiVersion: v1
kind: Endpoints
metadata: {name: web}
subsets:
- addresses: [{ip: 10.244.1.2}, {ip: 10.244.2.3}, {ip: 10.244.2.4}, {ip: 10.244.1.9}]
  notReadyAddresses: [{ip: 10.244.1.7}]
  ports: [{name: http, port: 8080, protocol: TCP}, {name: dns, port: 5353, protocol: UDP}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: plain}
subsets:
- addresses: [{ip: 10.244.1.5}]
  ports: [{port: 8080, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc12
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
endpoints:
- addresses: [10.244.1.2]
  conditions: {ready: true}
  nodeName: n1
- addresses: [10.244.2.3]
  conditions: {ready: true}
- addresses: [10.244.2.4]
- addresses: [10.244.1.9]
- addresses: [10.244.1.7]
  conditions: {ready: false}
ports:
- {name: http, port: 8080, protocol: TCP}
- {name: dns, port: 5353, protocol: UDP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: headless-x1
  labels: {kubernetes.io/service-name: headless}
addressType: IPv4
endpoints:
- addresses: [10.244.3.3]
ports:
- {name: http, port: 80}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: empty-x2
  labels: {kubernetes.io/service-name: plain}
addressType: IPv4
endpoints: []
ports: []
`

// ageCell matches an AGE cell of objects made seconds ago.
var ageCell = regexp.MustCompile(`(?m)  \d+s(  |$)`)

// sameTable is sameOutput with the AGE cells of seconds-old objects
// masked: the two runs may straddle a second.
func (c *cluster) sameTable(t *testing.T, args ...string) string {
	t.Helper()
	rOut, rErr, rerr := c.kubectl(t, "", args...)
	oOut, oErr, oerr := c.ours(t, args...)
	mask := func(s string) string { return ageCell.ReplaceAllString(s, "  <age>$1") }
	if (rerr == nil) != (oerr == nil) || mask(rOut) != mask(oOut) || rErr != oErr {
		t.Fatalf("kubectl %s differs\nreal (%v):\n%s%s\nours (%v):\n%s%s", strings.Join(args, " "), rerr, rOut, rErr, oerr, oOut, oErr)
	}
	return rOut
}

// TestServicesMatchRealKubectl: get svc|endpoints|endpointslices (plain,
// wide, one name) and describe svc print the same through the real
// kubectl v1.32 (the apiserver's Table) and ours, and show what kubectl
// shows: node ports, <none>, "+ N more...", and describe's Endpoints line
// from the EndpointSlices.
func TestServicesMatchRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	c.ok(t, servicesYAML, "apply", "-f", "-")

	svc := c.sameTable(t, "get", "svc")
	mustMatch(t, "get svc header", `^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\n`, svc)
	mustMatch(t, "nodeport row", `(?m)^web\s+NodePort\s+10\.\d+\.\d+\.\d+\s+<none>\s+80:30001/TCP,53:30053/UDP\s`, svc)
	mustMatch(t, "external IPs row", `(?m)^plain\s+ClusterIP\s+10\.\S+\s+192\.168\.77\.100\s+8080/TCP\s`, svc)
	mustMatch(t, "headless row", `(?m)^headless\s+ClusterIP\s+None\s+<none>\s+80/TCP\s`, svc)
	mustMatch(t, "externalname row", `(?m)^ext\s+ExternalName\s+<none>\s+example\.com\s+<none>\s`, svc)
	wide := c.sameTable(t, "get", "svc", "-o", "wide")
	mustMatch(t, "wide selector", `(?m)^web\s.*\sapp=web$`, wide)
	mustMatch(t, "wide no selector", `(?m)^ext\s.*\s<none>$`, wide)
	c.sameTable(t, "get", "svc", "web", "--no-headers")

	ep := c.sameTable(t, "get", "endpoints")
	mustMatch(t, "endpoints", `(?m)^web\s+10\.244\.1\.2:8080,10\.244\.2\.3:8080,10\.244\.2\.4:8080 \+ 5 more\.\.\.\s`, ep)
	mustMatch(t, "endpoints plain", `(?m)^plain\s+10\.244\.1\.5:8080\s`, ep)
	slices := c.sameTable(t, "get", "endpointslices")
	mustMatch(t, "slices header", `^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE\n`, slices)
	mustMatch(t, "slice", `(?m)^web-abc12\s+IPv4\s+8080,5353\s+10\.244\.1\.2,10\.244\.2\.3,10\.244\.2\.4 \+ 2 more\.\.\.\s`, slices)
	mustMatch(t, "empty slice", `(?m)^empty-x2\s+IPv4\s+<unset>\s+<unset>\s`, slices)
	c.sameTable(t, "get", "endpointslices", "-o", "wide", "-l", "kubernetes.io/service-name=web")

	d := c.sameTable(t, "describe", "svc", "web")
	for _, line := range []string{
		"Port:                     http  80/TCP",
		"TargetPort:               8080/TCP",
		"NodePort:                 http  30001/TCP",
		"Endpoints:                10.244.1.2:8080,10.244.2.3:8080,10.244.2.4:8080 + 1 more...",
		"TargetPort:               dns/UDP",
		"Session Affinity:         ClientIP",
		"External Traffic Policy:  Local",
		"Internal Traffic Policy:  Cluster",
	} {
		if !strings.Contains(d, line+"\n") {
			t.Errorf("describe svc web lacks %q:\n%s", line, d)
		}
	}
	for _, name := range []string{"plain", "headless", "ext"} {
		c.sameTable(t, "describe", "svc", name)
	}
	if d := c.sameTable(t, "describe", "svc", "plain"); !strings.Contains(d, "Endpoints:                \n") {
		t.Errorf("a service whose only slice is empty has an empty Endpoints line:\n%s", d)
	}
	c.sameTable(t, "describe", "svc")
}

// TestCreateServiceMatchesRealKubectl: create service clusterip (also
// headless), nodeport and externalname, through both kubectls.
func TestCreateServiceMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	for _, args := range [][]string{
		{"create", "service", "clusterip", "a", "--tcp=80:8080", "--tcp=443", "--dry-run=client", "-o", "yaml"},
		{"create", "service", "clusterip", "a", "--clusterip=None", "--dry-run=client", "-o", "yaml"},
		{"create", "service", "nodeport", "b", "--tcp=80:8080", "--node-port=30005", "--dry-run=client", "-o", "json"},
		{"create", "service", "externalname", "c", "--external-name=example.com", "--dry-run=client", "-o", "yaml"},
		{"create", "service", "externalname", "c", "--external-name=example.com", "--tcp=80", "--dry-run=client", "-o", "yaml"},
		{"create", "service", "externalname", "c", "--external-name=Bad_Name"},
		{"create", "service", "clusterip", "a"},
	} {
		c.sameOutput(t, args...)
	}
	for _, kind := range []struct{ real, ours []string }{
		{[]string{"create", "service", "clusterip", "hl-real", "--clusterip=None"}, []string{"create", "service", "clusterip", "hl-ours", "--clusterip=None"}},
		{[]string{"create", "service", "externalname", "ext-real", "--external-name=example.com"}, []string{"create", "service", "externalname", "ext-ours", "--external-name=example.com"}},
		{[]string{"create", "service", "nodeport", "np-real", "--tcp=80:8080"}, []string{"create", "service", "nodeport", "np-ours", "--tcp=80:8080"}},
	} {
		r := c.ok(t, "", kind.real...)
		o, oErr, err := c.ours(t, kind.ours...)
		if err != nil || strings.ReplaceAll(r, "-real", "") != strings.ReplaceAll(o, "-ours", "") {
			t.Fatalf("create: real %q, ours %q %v %s", r, o, err, oErr)
		}
	}
	const spec = `-o=jsonpath={.spec.type} {.spec.clusterIP} {.spec.externalName} {.spec.ports[*].name} {.spec.selector}`
	for _, n := range []string{"hl", "ext"} {
		if r, o := c.ok(t, "", "get", "svc", n+"-real", spec), c.ok(t, "", "get", "svc", n+"-ours", spec); strings.ReplaceAll(r, "-real", "") != strings.ReplaceAll(o, "-ours", "") {
			t.Fatalf("%s services differ\n real %s\n ours %s", n, r, o)
		}
	}
}

const exposeSourcesYAML = `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs1, labels: {tier: fe}}
spec:
  replicas: 0
  selector: {matchLabels: {app: rs1}}
  template:
    metadata: {labels: {app: rs1}}
    spec: {containers: [{name: c, image: busybox, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: rc1}
spec:
  replicas: 0
  selector: {app: rc1}
  template:
    metadata: {labels: {app: rc1}}
    spec: {containers: [{name: c, image: busybox, ports: [{containerPort: 9090, protocol: UDP}]}]}
`

// TestExposeControllersMatchesRealKubectl: expose of a ReplicaSet and a
// ReplicationController (selector and ports from the template).
func TestExposeControllersMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	c.ok(t, exposeSourcesYAML, "apply", "-f", "-")
	for _, args := range [][]string{
		{"expose", "rs", "rs1", "--dry-run=client", "-o", "yaml"},
		{"expose", "replicaset/rs1", "--port=80", "--type=NodePort", "--dry-run=client", "-o", "yaml"},
		{"expose", "rc", "rc1", "--dry-run=client", "-o", "yaml"},
		{"expose", "rc", "rc1", "--port=53", "--name=dns", "--dry-run=client", "-o", "json"},
		{"expose", "replicationcontroller/rc1", "--type=NodePort", "--protocol=UDP", "--dry-run=client", "-o", "yaml"},
	} {
		c.sameOutput(t, args...)
	}
	if out, errOut, err := c.ours(t, "expose", "rc", "rc1"); err != nil || out != "service/rc1 exposed\n" {
		t.Fatalf("our expose rc: %v %q %s", err, out, errOut)
	}
	if got := c.ok(t, "", "get", "svc", "rc1", "-o", "jsonpath={.spec.selector.app} {.spec.ports[0].port}/{.spec.ports[0].protocol}"); got != "rc1 9090/UDP" {
		t.Fatalf("exposed rc service: %q", got)
	}
}

package iptables

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"minik8s/kubeproxy/proxy"
	"minik8s/pkg/api"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const testNode = "node1"

func ptr[T any](v T) *T { return &v }

// svc makes a Service; tweak sets the rest.
func svc(ns, name, clusterIP string, tweak func(*api.Service)) *api.Service {
	s := &api.Service{}
	s.Namespace, s.Name = ns, name
	s.Spec.Type = api.ServiceTypeClusterIP
	s.Spec.ClusterIP = clusterIP
	if tweak != nil {
		tweak(s)
	}
	return s
}

func port(name, proto string, p, nodePort int32) api.ServicePort {
	return api.ServicePort{Name: name, Protocol: proto, Port: p, NodePort: nodePort}
}

// ep is an endpoint of a slice: node "" is remote and unnamed.
type ep struct {
	ip, node                    string
	notReady, serving, terminat bool
}

// slice makes an EndpointSlice of ns/svc with ports (name, proto, port).
func slice(ns, svcName, sliceName string, eps []ep, ports ...api.EndpointSlicePort) *api.EndpointSlice {
	s := &api.EndpointSlice{AddressType: api.AddressTypeIPv4, Ports: ports}
	s.Namespace, s.Name = ns, sliceName
	s.Labels = map[string]string{api.LabelServiceName: svcName}
	for _, e := range eps {
		x := api.Endpoint{Addresses: []string{e.ip}}
		if e.node != "" {
			x.NodeName = ptr(e.node)
		}
		if e.notReady {
			x.Conditions.Ready = ptr(false)
			x.Conditions.Serving = ptr(e.serving)
			x.Conditions.Terminating = ptr(e.terminat)
		}
		s.Endpoints = append(s.Endpoints, x)
	}
	return s
}

func sport(name, proto string, p int32) api.EndpointSlicePort {
	sp := api.EndpointSlicePort{Protocol: ptr(proto), Port: ptr(p)}
	if name != "" {
		sp.Name = ptr(name)
	}
	return sp
}

func input(services []*api.Service, slices []*api.EndpointSlice) Input {
	ports, eps := proxy.Build(services, slices, testNode)
	return Input{Ports: ports, Endpoints: eps}
}

func testConfig() Config {
	return Config{MasqueradeMark: "0x4000", ClusterCIDR: "10.244.0.0/16", RandomFully: true}
}

// golden compares got with testdata/name (rewritten with -update).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the payload:\n--- got\n%s\n--- want\n%s", p, got, want)
	}
}

// canonical is a payload as a comparable dump, as Kubernetes' tests
// compare them: per table, the chain lines sorted, then each chain's rules
// in their order, chains sorted by name.
func canonical(t *testing.T, payload string) string {
	t.Helper()
	var out []string
	var table string
	var chains []string
	rules := map[string][]string{}
	flush := func() {
		sort.Strings(chains)
		out = append(out, "*"+table)
		out = append(out, chains...)
		var names []string
		for c := range rules {
			names = append(names, c)
		}
		sort.Strings(names)
		for _, c := range names {
			out = append(out, rules[c]...)
		}
		out = append(out, "COMMIT")
		chains, rules = nil, map[string][]string{}
	}
	for _, l := range strings.Split(strings.TrimSpace(payload), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "":
		case strings.HasPrefix(l, "*"):
			table = l[1:]
		case l == "COMMIT":
			flush()
		case strings.HasPrefix(l, ":"):
			chains = append(chains, l)
		case strings.HasPrefix(l, "-A "), strings.HasPrefix(l, "-X "):
			c := strings.Fields(l)[1]
			rules[c] = append(rules[c], l)
		default:
			t.Fatalf("unexpected payload line %q", l)
		}
	}
	return strings.Join(out, "\n")
}

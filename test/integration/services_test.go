package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
)

// slowClient waits long: 50 creates at once queue on the allocator, and
// under -race on a loaded machine the last may wait tens of seconds.
var slowClient = &http.Client{Timeout: 3 * time.Minute}

func postSlow(url, body string) (int, []byte, error) {
	resp, err := slowClient.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// TestServiceAllocationConcurrentCreates: 50 services created at once get
// 50 distinct ClusterIPs and NodePorts from the default ranges (never the
// kubernetes Service's 10.96.0.1); after a restart 50 more do too, none
// reusing a value held before; deletes free their values.
func TestServiceAllocationConcurrentCreates(t *testing.T) {
	ts := testserver.Start(t)
	coll := ts.URL + "/api/v1/namespaces/default/services"
	createBatch := func(prefix string) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan string, 50)
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := fmt.Sprintf("%s-%d", prefix, i)
				code, body, err := postSlow(coll, nodePortService(name, 0))
				if err != nil || code != 201 {
					errs <- fmt.Sprintf("%s: %d %v %s", name, code, err, body)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	}
	_, svcCIDR, _ := net.ParseCIDR("10.96.0.0/12")
	check := func(want int) {
		t.Helper()
		list := decodeInto[api.List[api.Service]](t, mustDo(t, 200, "GET", coll, "", ""))
		ips, ports := map[string]string{}, map[int32]string{}
		n := 0
		for _, s := range list.Items {
			if s.Name == "kubernetes" {
				continue
			}
			n++
			ip := s.Spec.ClusterIP
			if other, dup := ips[ip]; dup || !svcCIDR.Contains(net.ParseIP(ip)) || ip == "10.96.0.1" || ip == "10.96.0.10" {
				t.Errorf("%s: ClusterIP %s (also %q)", s.Name, ip, other)
			}
			ips[ip] = s.Name
			np := s.Spec.Ports[0].NodePort
			if other, dup := ports[np]; dup || np < 30000 || np > 32767 {
				t.Errorf("%s: NodePort %d (also %q)", s.Name, np, other)
			}
			ports[np] = s.Name
		}
		if n != want {
			t.Errorf("%d services, want %d", n, want)
		}
		if n := allocatedCount(t, ts.Server().Store(), "/registry/ranges/serviceips"); n != want+1 {
			t.Errorf("service IP bitmap marks %d, want %d (with the kubernetes Service)", n, want+1)
		}
		if n := allocatedCount(t, ts.Server().Store(), "/registry/ranges/servicenodeports"); n != want {
			t.Errorf("node port bitmap marks %d, want %d", n, want)
		}
	}
	createBatch("a")
	check(50)
	ts.Restart(t)
	check(50)
	createBatch("b")
	check(100)
	for i := 0; i < 50; i++ {
		mustDo(t, 200, "DELETE", fmt.Sprintf("%s/a-%d", coll, i), "", "")
	}
	check(50)
}

// TestServiceAllocationRequests: a requested clusterIP or nodePort is
// honoured, or refused with Kubernetes' named errors; headless and
// ExternalName services hold no ClusterIP.
func TestServiceAllocationRequests(t *testing.T) {
	ts := testserver.Start(t)
	coll := ts.URL + "/api/v1/namespaces/default/services"
	svc := func(name, spec string) string {
		return fmt.Sprintf(`{"apiVersion":"v1","kind":"Service","metadata":{"name":%q},"spec":%s}`, name, spec)
	}
	got := decodeInto[api.Service](t, mustDo(t, 201, "POST", coll, "application/json", svc("fixed", `{"clusterIP":"10.96.5.5","ports":[{"port":80}]}`)))
	if got.Spec.ClusterIP != "10.96.5.5" || len(got.Spec.ClusterIPs) != 1 || got.Spec.ClusterIPs[0] != "10.96.5.5" {
		t.Errorf("requested clusterIP: %+v", got.Spec)
	}
	got = decodeInto[api.Service](t, mustDo(t, 201, "POST", coll, "application/json", svc("np", `{"type":"NodePort","ports":[{"port":80,"nodePort":31000}]}`)))
	if got.Spec.Ports[0].NodePort != 31000 {
		t.Errorf("requested nodePort: %+v", got.Spec.Ports)
	}
	for _, tc := range []struct{ name, spec, want string }{
		{"ip-taken", `{"clusterIP":"10.96.5.5","ports":[{"port":80}]}`,
			`spec.clusterIPs: Invalid value: []string{"10.96.5.5"}: failed to allocate IP 10.96.5.5: provided IP is already allocated`},
		{"ip-kubernetes", `{"clusterIP":"10.96.0.1","ports":[{"port":80}]}`,
			`failed to allocate IP 10.96.0.1: provided IP is already allocated`},
		{"ip-outside", `{"clusterIP":"192.168.1.1","ports":[{"port":80}]}`,
			`spec.clusterIPs: Invalid value: []string{"192.168.1.1"}: failed to allocate IP 192.168.1.1: the provided IP (192.168.1.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12`},
		{"port-taken", `{"type":"NodePort","ports":[{"port":80,"nodePort":31000}]}`,
			`spec.ports[0].nodePort: Invalid value: 31000: provided port is already allocated`},
		{"port-outside", `{"type":"NodePort","ports":[{"port":80,"nodePort":8080}]}`,
			`spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767`},
	} {
		code, body, err := post(coll, svc(tc.name, tc.spec))
		if err != nil || code != 422 || !strings.Contains(status(t, body).Message, tc.want) {
			t.Errorf("%s: %d %v %s\nwant 422 with %q", tc.name, code, err, body, tc.want)
		}
	}
	headless := decodeInto[api.Service](t, mustDo(t, 201, "POST", coll, "application/json", svc("headless", `{"clusterIP":"None","selector":{"app":"x"}}`)))
	ext := decodeInto[api.Service](t, mustDo(t, 201, "POST", coll, "application/json", svc("ext", `{"type":"ExternalName","externalName":"db.example.com"}`)))
	if headless.Spec.ClusterIP != "None" || ext.Spec.ClusterIP != "" {
		t.Errorf("headless %q, ExternalName %q", headless.Spec.ClusterIP, ext.Spec.ClusterIP)
	}
	// kubernetes, fixed, np: three IPs held.
	if n := allocatedCount(t, ts.Server().Store(), "/registry/ranges/serviceips"); n != 3 {
		t.Errorf("service IP bitmap marks %d, want 3", n)
	}
}

// TestKubernetesService: the apiserver keeps default/kubernetes at
// 10.96.0.1:443 with its Endpoints and EndpointSlice pointing at the
// advertised address and its own port, and puts them back when they are
// deleted or changed.
func TestKubernetesService(t *testing.T) {
	ts := testserver.StartWithOptions(t, func(o *apiserver.Options) { o.KubernetesServiceInterval = 200 * time.Millisecond })
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, portStr, _ := net.SplitHostPort(strings.TrimPrefix(ts.URL, "http://"))
	render := func() string {
		var b strings.Builder
		if s, err := c.Services("default").Get(ctx, "kubernetes"); err == nil {
			p := s.Spec.Ports[0]
			fmt.Fprintf(&b, "svc %s %s:%d/%s->%s %s/%s selector=%v; ", s.Spec.ClusterIP, p.Name, p.Port, p.Protocol, p.TargetPort.String(),
				s.Labels["component"], s.Labels["provider"], s.Spec.Selector)
		}
		if ep, err := c.Endpoints("default").Get(ctx, "kubernetes"); err == nil && len(ep.Subsets) == 1 && len(ep.Subsets[0].Addresses) == 1 {
			fmt.Fprintf(&b, "ep %s:%d; ", ep.Subsets[0].Addresses[0].IP, ep.Subsets[0].Ports[0].Port)
		}
		if sl, err := mkclient.Typed[*api.EndpointSlice](c, "default").Get(ctx, "kubernetes"); err == nil && len(sl.Endpoints) == 1 && len(sl.Ports) == 1 {
			fmt.Fprintf(&b, "slice %s %s:%d ready=%t %s", sl.AddressType, sl.Endpoints[0].Addresses[0], *sl.Ports[0].Port,
				*sl.Endpoints[0].Conditions.Ready, sl.Labels[api.LabelServiceName])
		}
		return b.String()
	}
	want := fmt.Sprintf("svc 10.96.0.1 https:443/TCP->%s apiserver/kubernetes selector=map[]; ep 127.0.0.1:%s; slice IPv4 127.0.0.1:%s ready=true kubernetes", portStr, portStr, portStr)
	e := &epEnv{t: t, c: c, ctx: ctx, ns: "default"}
	e.await("the kubernetes Service", render, want)

	// Deleted, they come back (the Service at the same address).
	if err := c.Services("default").Delete(ctx, "kubernetes", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Endpoints("default").Delete(ctx, "kubernetes", nil); err != nil {
		t.Fatal(err)
	}
	if err := mkclient.Typed[*api.EndpointSlice](c, "default").Delete(ctx, "kubernetes", nil); err != nil {
		t.Fatal(err)
	}
	e.await("the kubernetes Service recreated", render, want)

	// Changed, they are put right.
	ep, err := c.Endpoints("default").Get(ctx, "kubernetes")
	if err != nil {
		t.Fatal(err)
	}
	ep.Subsets[0].Addresses[0].IP = "10.0.0.99"
	if _, err := c.Endpoints("default").Update(ctx, ep); err != nil {
		t.Fatal(err)
	}
	e.await("the kubernetes Endpoints reset", render, want)
}

// TestKubernetesServiceAdvertiseAddress: the endpoints point at
// --advertise-address.
func TestKubernetesServiceAdvertiseAddress(t *testing.T) {
	ts := testserver.StartWithOptions(t, func(o *apiserver.Options) { o.AdvertiseAddress = "192.0.2.10" })
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, b := do(t, "GET", ts.URL+"/api/v1/namespaces/default/endpoints/kubernetes", "", "")
		if code == 200 && strings.Contains(string(b), `"ip":"192.0.2.10"`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("kubernetes endpoints: %d %s", code, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServiceTypeChanges: through the apiserver, a service moves
// ClusterIP -> NodePort -> ClusterIP -> ExternalName -> ClusterIP, each
// step keeping, dropping or allocating its ClusterIP and NodePorts as
// Kubernetes does; an update without clusterIP keeps it; a changed
// clusterIP is refused.
func TestServiceTypeChanges(t *testing.T) {
	ts := testserver.Start(t)
	item := ts.URL + "/api/v1/namespaces/default/services/s"
	mustDo(t, 201, "POST", ts.URL+"/api/v1/namespaces/default/services", "application/json",
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"selector":{"app":"a"},"ports":[{"name":"http","port":80}]}}`)
	get := func() api.Service { return decodeInto[api.Service](t, mustDo(t, 200, "GET", item, "", "")) }
	put := func(code int, spec string) []byte {
		t.Helper()
		return mustDo(t, code, "PUT", item, "application/json",
			`{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":`+spec+`}`)
	}
	first := get().Spec.ClusterIP
	// A replace without clusterIP keeps it; to NodePort allocates a port.
	put(200, `{"type":"NodePort","selector":{"app":"a"},"ports":[{"name":"http","port":80}]}`)
	s := get()
	np := s.Spec.Ports[0].NodePort
	if s.Spec.ClusterIP != first || np < 30000 || s.Spec.ExternalTrafficPolicy != "Cluster" {
		t.Fatalf("to NodePort: %+v", s.Spec)
	}
	// A replace without nodePort keeps it.
	put(200, `{"type":"NodePort","selector":{"app":"a"},"ports":[{"name":"http","port":80}]}`)
	if got := get().Spec.Ports[0].NodePort; got != np {
		t.Errorf("nodePort %d after a replace, want %d", got, np)
	}
	// A changed clusterIP is refused as Kubernetes refuses it.
	b := put(422, `{"type":"NodePort","clusterIP":"10.96.7.7","selector":{"app":"a"},"ports":[{"name":"http","port":80}]}`)
	if want := `spec.clusterIPs[0]: Invalid value: []string{"10.96.7.7"}: may not change once set`; !strings.Contains(status(t, b).Message, want) {
		t.Errorf("changed clusterIP: %s, want %q", b, want)
	}
	// Back to ClusterIP (the stored nodePort and policy sent back as read,
	// as kubectl edit does): both dropped, the port freed.
	s = get()
	s.Spec.Type = "ClusterIP"
	body, _ := json.Marshal(s)
	mustDo(t, 200, "PUT", item, "application/json", string(body))
	s = get()
	if s.Spec.ClusterIP != first || s.Spec.Ports[0].NodePort != 0 || s.Spec.ExternalTrafficPolicy != "" {
		t.Fatalf("back to ClusterIP: %+v", s.Spec)
	}
	if n := allocatedCount(t, ts.Server().Store(), "/registry/ranges/servicenodeports"); n != 0 {
		t.Errorf("node port still marked: %d", n)
	}
	// To ExternalName with the clusterIP sent back: dropped and freed.
	s.Spec.Type, s.Spec.ExternalName = "ExternalName", "db.example.com"
	body, _ = json.Marshal(s)
	mustDo(t, 200, "PUT", item, "application/json", string(body))
	s = get()
	if s.Spec.ClusterIP != "" || len(s.Spec.ClusterIPs) != 0 {
		t.Fatalf("ExternalName: %+v", s.Spec)
	}
	if n := allocatedCount(t, ts.Server().Store(), "/registry/ranges/serviceips"); n != 1 {
		t.Errorf("service IP bitmap marks %d, want 1 (the kubernetes Service)", n)
	}
	// And back to ClusterIP: a new address.
	put(200, `{"type":"ClusterIP","selector":{"app":"a"},"ports":[{"name":"http","port":80}]}`)
	if ip := get().Spec.ClusterIP; ip == "" || ip == "None" {
		t.Errorf("from ExternalName: clusterIP %q", ip)
	}
}

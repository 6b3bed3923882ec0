package integration

// The ingress controller against a real apiserver: Ingresses, Services and
// EndpointSlices in etcd, the controller's informers, its proxy served on
// loopback. Endpoint addresses are lab-style 10.x addresses that the
// proxy's dialer maps to loopback backends, so no packet leaves 127.0.0.1.

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"minik8s/addons/ingress"
	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/record"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// loopbackDialer dials the loopback listener an endpoint address maps to
// and refuses every other address.
func loopbackDialer(m map[string]string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		to, ok := m[addr]
		if !ok {
			return nil, fmt.Errorf("test dialer: %s is not mapped", addr)
		}
		var d net.Dialer
		return d.DialContext(ctx, network, to)
	}
}

func namedBackend(t *testing.T, name string) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", name, r.URL.Path)
	}))
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "http://")
}

func ingressService(name string) *api.Service {
	return &api.Service{ObjectMeta: api.ObjectMeta{Name: name}, Spec: api.ServiceSpec{
		Selector: map[string]string{"app": name},
		Ports:    []api.ServicePort{{Name: "http", Port: 80, Protocol: "TCP", TargetPort: intstr.FromInt32(8080)}},
	}}
}

func ingressSlice(svc, ip string, ready bool) *api.EndpointSlice {
	name, proto, port := "http", "TCP", int32(8080)
	return &api.EndpointSlice{
		ObjectMeta:  api.ObjectMeta{Name: svc + "-abc", Labels: map[string]string{api.LabelServiceName: svc}},
		AddressType: api.AddressTypeIPv4,
		Ports:       []api.EndpointSlicePort{{Name: &name, Protocol: &proto, Port: &port}},
		Endpoints:   []api.Endpoint{{Addresses: []string{ip}, Conditions: api.EndpointConditions{Ready: &ready}}},
	}
}

func pathTo(path, typ, svc string) api.HTTPIngressPath {
	return api.HTTPIngressPath{Path: path, PathType: &typ,
		Backend: api.IngressBackend{Service: &api.IngressServiceBackend{Name: svc, Port: api.ServiceBackendPort{Number: 80}}}}
}

// fetch GETs path through the proxy with a Host header; "404"/"503" for those codes.
func fetch(c *http.Client, proxyURL, host, path string) string {
	req, _ := http.NewRequest(http.MethodGet, proxyURL+path, nil)
	req.Host = host
	resp, err := c.Do(req)
	if err != nil {
		return "error: " + err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Sprint(resp.StatusCode)
	}
	return string(b)
}

// waitFetch polls until the proxy answers want; it returns how long that took.
func waitFetch(t *testing.T, c *http.Client, proxyURL, host, path, want string) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(15 * time.Second)
	for {
		got := fetch(c, proxyURL, host, path)
		if got == want {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s%s: %q, want %q", host, path, got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestIngressController(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Objects: our default class, another controller's class, two Services.
	classes := mkclient.Typed[*api.IngressClass](c, "")
	if _, err := classes.Create(ctx, &api.IngressClass{ObjectMeta: api.ObjectMeta{Name: "minik8s",
		Annotations: map[string]string{api.AnnotationIsDefaultIngressClass: "true"}},
		Spec: api.IngressClassSpec{Controller: ingress.DefaultControllerName}}); err != nil {
		t.Fatal(err)
	}
	if _, err := classes.Create(ctx, &api.IngressClass{ObjectMeta: api.ObjectMeta{Name: "nginx"}, Spec: api.IngressClassSpec{Controller: "k8s.io/ingress-nginx"}}); err != nil {
		t.Fatal(err)
	}
	epSlices := mkclient.Typed[*api.EndpointSlice](c, "default")
	for _, s := range []struct{ name, ip string }{{"app", "10.244.1.10"}, {"api", "10.244.2.20"}} {
		if _, err := c.Services("default").Create(ctx, ingressService(s.name)); err != nil {
			t.Fatal(err)
		}
		if _, err := epSlices.Create(ctx, ingressSlice(s.name, s.ip, true)); err != nil {
			t.Fatal(err)
		}
	}

	// An Ingress without a class gets the default one (admission).
	ings := mkclient.Typed[*api.Ingress](c, "default")
	shop, err := ings.Create(ctx, &api.Ingress{ObjectMeta: api.ObjectMeta{Name: "shop"}, Spec: api.IngressSpec{Rules: []api.IngressRule{{
		Host: "shop.example", IngressRuleValue: api.IngressRuleValue{HTTP: &api.HTTPIngressRuleValue{Paths: []api.HTTPIngressPath{
			pathTo("/", "Prefix", "app"), pathTo("/api", "Prefix", "api"),
		}}},
	}}}})
	if err != nil {
		t.Fatal(err)
	}
	if n := shop.Spec.IngressClassName; n == nil || *n != "minik8s" {
		t.Fatalf("ingressClassName %v, want the default class minik8s", n)
	}
	nginx := "nginx"
	if _, err := ings.Create(ctx, &api.Ingress{ObjectMeta: api.ObjectMeta{Name: "theirs"}, Spec: api.IngressSpec{IngressClassName: &nginx, Rules: []api.IngressRule{{
		Host: "nginx.example", IngressRuleValue: api.IngressRuleValue{HTTP: &api.HTTPIngressRuleValue{Paths: []api.HTTPIngressPath{pathTo("/", "Prefix", "app")}}},
	}}}}); err != nil {
		t.Fatal(err)
	}

	// Node and a ready controller pod on it, for the status.
	if _, err := c.Nodes().Create(ctx, &api.Node{ObjectMeta: api.ObjectMeta{Name: "n1"}}); err != nil {
		t.Fatal(err)
	}
	n1, _ := c.Nodes().Get(ctx, "n1")
	n1.Status.Addresses = []api.NodeAddress{{Type: api.NodeInternalIP, Address: "192.168.50.11"}}
	if _, err := c.Nodes().UpdateStatus(ctx, n1); err != nil {
		t.Fatal(err)
	}
	pod, err := c.Pods("kube-system").Create(ctx, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "ingress-n1", Labels: map[string]string{"app.kubernetes.io/name": "minik8s-ingress"}},
		Spec: api.PodSpec{NodeName: "n1", Containers: []api.Container{{Name: "ingress", Image: "docker.io/minik8s/minik8s:latest"}}}})
	if err != nil {
		t.Fatal(err)
	}
	pod.Status = api.PodStatus{Phase: api.PodRunning, Conditions: []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue}}}
	if _, err := c.Pods("kube-system").UpdateStatus(ctx, pod); err != nil {
		t.Fatal(err)
	}

	// The controller, its proxy on loopback.
	proxy := ingress.NewProxy(ingress.ProxyConfig{Logf: t.Logf, DialContext: loopbackDialer(map[string]string{
		"10.244.1.10:8080": namedBackend(t, "app"),
		"10.244.2.20:8080": namedBackend(t, "api"),
	})})
	srv := httptest.NewServer(proxy)
	defer srv.Close()
	factory := cache.NewSharedInformerFactory(c, 0, ingress.FactoryOptions("kube-system", ingress.DefaultPublishSelector))
	rec := record.NewRecorder(c, api.EventSource{Component: "minik8s-ingress", Host: "n1"})
	go rec.Run(ctx)
	ctl := ingress.New(c, factory, proxy, ingress.Config{
		Class:         ingress.ClassConfig{ClassName: "minik8s", Controller: ingress.DefaultControllerName},
		MinSyncPeriod: 50 * time.Millisecond, Status: true, PodNamespace: "kube-system", Identity: "n1",
		LeaseDuration: 3 * time.Second, RenewDeadline: 2 * time.Second, RetryPeriod: 500 * time.Millisecond,
		Recorder: rec, Logf: t.Logf,
	})
	factory.Start(ctx)
	done := make(chan error, 1)
	go func() { done <- ctl.Run(ctx) }()
	defer func() {
		cancel()
		<-done
		factory.Shutdown()
	}()

	hc := srv.Client()
	waitFetch(t, hc, srv.URL, "shop.example", "/", "app /")
	for _, c := range []struct{ host, path, want string }{
		{"shop.example", "/api/items", "api /api/items"},
		{"shop.example:80", "/apix", "app /apix"},
		{"other.example", "/", "404"},
		{"nginx.example", "/", "404"}, // another controller's class
	} {
		if got := fetch(hc, srv.URL, c.host, c.path); got != c.want {
			t.Errorf("%s%s: %q, want %q", c.host, c.path, got, c.want)
		}
	}

	// A new path is live quickly.
	for { // the status writer may update it meanwhile
		cur, _ := ings.Get(ctx, "shop")
		cur.Spec.Rules[0].HTTP.Paths = append(cur.Spec.Rules[0].HTTP.Paths, pathTo("/checkout", "Exact", "api"))
		_, err := ings.Update(ctx, cur)
		if err == nil {
			break
		}
		if !mkclient.IsConflict(err) {
			t.Fatal(err)
		}
	}
	took := waitFetch(t, hc, srv.URL, "shop.example", "/checkout", "api /checkout")
	t.Logf("route change live after %v", took)
	if got := fetch(hc, srv.URL, "shop.example", "/checkout/x"); got != "app /checkout/x" {
		t.Errorf("Exact /checkout must not match /checkout/x: %q", got)
	}

	// The api endpoint turns not ready: 503; ready again: served.
	sl, _ := epSlices.Get(ctx, "api-abc")
	no := false
	sl.Endpoints[0].Conditions.Ready = &no
	if sl, err = epSlices.Update(ctx, sl); err != nil {
		t.Fatal(err)
	}
	waitFetch(t, hc, srv.URL, "shop.example", "/api", "503")
	yes := true
	sl.Endpoints[0].Conditions.Ready = &yes
	if _, err := epSlices.Update(ctx, sl); err != nil {
		t.Fatal(err)
	}
	waitFetch(t, hc, srv.URL, "shop.example", "/api", "api /api")

	// Status: the node of the ready controller pod; ours only.
	want := []api.IngressLoadBalancerIngress{{IP: "192.168.50.11"}}
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, _ := ings.Get(ctx, "shop")
		if reflect.DeepEqual(got.Status.LoadBalancer.Ingress, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status %v, want %v", got.Status.LoadBalancer.Ingress, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if theirs, _ := ings.Get(ctx, "theirs"); len(theirs.Status.LoadBalancer.Ingress) != 0 {
		t.Errorf("another class's Ingress got status %v", theirs.Status.LoadBalancer.Ingress)
	}
	// The leader announced the Ingress it serves, not the other class's.
	deadline = time.Now().Add(15 * time.Second)
	for {
		evs, _, err := c.Events("default").List(ctx, mkclient.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var syncs []string
		for _, e := range evs {
			if e.Reason == "Sync" {
				syncs = append(syncs, e.InvolvedObject.Name+": "+e.Message)
			}
		}
		if len(syncs) > 0 && !slices.Contains(syncs, "theirs: Scheduled for sync") {
			if !slices.Contains(syncs, "shop: Scheduled for sync") {
				t.Errorf("Sync events %v", syncs)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Sync events %v", syncs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !ctl.Ready() {
		t.Error("controller not ready")
	}

	// Moving an Ingress to our class routes it; deleting our class
	// unroutes every Ingress of it.
	for {
		cur, _ := ings.Get(ctx, "theirs")
		minik8s := "minik8s"
		cur.Spec.IngressClassName = &minik8s
		_, err := ings.Update(ctx, cur)
		if err == nil {
			break
		}
		if !mkclient.IsConflict(err) {
			t.Fatal(err)
		}
	}
	waitFetch(t, hc, srv.URL, "nginx.example", "/", "app /")
	if err := classes.Delete(ctx, "minik8s", nil); err != nil {
		t.Fatal(err)
	}
	waitFetch(t, hc, srv.URL, "shop.example", "/", "404")
	waitFetch(t, hc, srv.URL, "nginx.example", "/", "404")
}

// TestIngressValidationOverHTTP: the apiserver names bad paths, pathTypes
// and backends in a 422, and two default classes forbid a class-less create.
func TestIngressValidationOverHTTP(t *testing.T) {
	ts := testserver.Start(t)
	body := `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"bad"},"spec":{"rules":[{"host":"*.a.*.com","http":{"paths":[
	  {"path":"foo","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}},
	  {"path":"/x","pathType":"Regex","backend":{"service":{"name":"web","port":{"number":80}}}},
	  {"path":"/y","pathType":"Exact","backend":{"service":{"name":"web","port":{"name":"http","number":80}}}}]}}]}}`
	url := ts.URL + "/apis/networking.k8s.io/v1/namespaces/default/ingresses"
	st := status(t, mustDo(t, http.StatusUnprocessableEntity, http.MethodPost, url, "application/json", body))
	for _, want := range []string{
		`Ingress.networking.k8s.io "bad" is invalid`,
		`spec.rules[0].host: Invalid value: "*.a.*.com": a wildcard DNS-1123 subdomain`,
		`spec.rules[0].http.paths[0].path: Invalid value: "foo": must be an absolute path`,
		`spec.rules[0].http.paths[1].pathType: Unsupported value: "Regex"`,
		`spec.rules[0].http.paths[2].backend: Invalid value: "": cannot set both port name & port number`,
	} {
		if !strings.Contains(st.Message, want) {
			t.Errorf("message lacks %q:\n%s", want, st.Message)
		}
	}

	classURL := ts.URL + "/apis/networking.k8s.io/v1/ingressclasses"
	for _, n := range []string{"a", "b"} {
		mustDo(t, http.StatusCreated, http.MethodPost, classURL, "application/json",
			`{"apiVersion":"networking.k8s.io/v1","kind":"IngressClass","metadata":{"name":"`+n+`","annotations":{"ingressclass.kubernetes.io/is-default-class":"true"}},"spec":{"controller":"example.com/`+n+`"}}`)
	}
	ok := `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"ok"},"spec":{"defaultBackend":{"service":{"name":"web","port":{"number":80}}}}}`
	st = status(t, mustDo(t, http.StatusForbidden, http.MethodPost, url, "application/json", ok))
	if !strings.Contains(st.Message, "2 default IngressClasses were found, only 1 allowed") {
		t.Errorf("two defaults: %s", st.Message)
	}
	named := strings.Replace(ok, `"spec":{`, `"spec":{"ingressClassName":"a",`, 1)
	mustDo(t, http.StatusCreated, http.MethodPost, url, "application/json", named)

	// On create only, the legacy annotation must agree with the class name.
	mismatch := strings.Replace(strings.Replace(named, `"name":"ok"`, `"name":"mismatch","annotations":{"kubernetes.io/ingress.class":"b"}`, 1), `"ok"`, `"mismatch"`, 1)
	st = status(t, mustDo(t, http.StatusUnprocessableEntity, http.MethodPost, url, "application/json", mismatch))
	if !strings.Contains(st.Message, "annotations.kubernetes.io/ingress.class: Invalid value: \"b\": must match `ingressClassName` when both are specified") {
		t.Errorf("annotation mismatch: %s", st.Message)
	}
	mustDo(t, http.StatusOK, http.MethodPatch, url+"/ok", "application/merge-patch+json", `{"metadata":{"annotations":{"kubernetes.io/ingress.class":"b"}}}`)
}

// freePort is a loopback port nobody listens on (a small race is fine here).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestIngressCommand runs `minik8s ingress` (ingress.Run with its flags'
// options) on loopback: /healthz turns 200, an unknown host gets the 404
// default backend, and it stops cleanly with its context.
func TestIngressCommand(t *testing.T) {
	ts := testserver.Start(t)
	opts := ingress.DefaultOptions()
	opts.Server, opts.BindAddress, opts.NodeName, opts.Namespace = ts.URL, "127.0.0.1", "n1", "kube-system"
	opts.HTTPPort, opts.HealthPort = freePort(t), freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ingress.Run(ctx, opts) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("Run did not return after cancel")
		}
	}()
	hc := &http.Client{Timeout: 5 * time.Second}
	health := fmt.Sprintf("http://127.0.0.1:%d/healthz", opts.HealthPort)
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := hc.Get(health)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthz never 200 (last: %v)", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := fetch(hc, fmt.Sprintf("http://127.0.0.1:%d", opts.HTTPPort), "nothing.example", "/"); got != "404" {
		t.Errorf("unknown host: %q, want 404", got)
	}
}

package e2e

// Cluster DNS and Ingress figures (issue 11) on the mk8q lab: DNS queries
// per second and p99 through the kube-dns Service VIP beside the same load
// sent straight to a DNS pod (Debian's dnsperf when installed, and a Go
// closed-loop generator that also gives the p99), and HTTP keep-alive
// requests per second and p99 through the ingress controller beside the
// same requests sent straight to the backend pod. Every load runs inside
// the lab's node1 namespace (a child process of this test binary, or
// dnsperf under `ip netns exec`), bounded in time.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
)

// The names the DNS load asks (A records of cluster names).
var benchNames = []string{
	"bench-web.default.svc.cluster.local.",
	"kubernetes.default.svc.cluster.local.",
	"kube-dns.kube-system.svc.cluster.local.",
	"bench-headless.default.svc.cluster.local.",
}

func BenchmarkDNSIngress(b *testing.B) {
	for i := 0; i < b.N; i++ {
		benchDNSIngress(b)
	}
}

func benchDNSIngress(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cl := startCluster(ctx, b, clusterConfig{Prefix: dnsIngPrefix, Net3: dnsIngNet3, Nodes: 2, Controllers: withAddons})
	cl.startKubelets(ctx, b, "vxlan")
	n1, n2 := cl.node(1), cl.node(2)
	cl.createPod(ctx, b, labeled("bench-web", n2.Name, 0, map[string]string{"app": "bench-web"}))
	web := cl.waitRunning(ctx, b, "bench-web")
	for _, s := range []*api.Service{
		{ObjectMeta: api.ObjectMeta{Name: "bench-web"}, Spec: api.ServiceSpec{Selector: map[string]string{"app": "bench-web"},
			Ports: []api.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}}}},
		{ObjectMeta: api.ObjectMeta{Name: "bench-headless"}, Spec: api.ServiceSpec{ClusterIP: "None", Selector: map[string]string{"app": "bench-web"},
			Ports: []api.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}}}},
	} {
		if _, err := cl.c.Services("default").Create(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	dnsPods := cl.waitSystemPods(ctx, b, "k8s-app=kube-dns", 2, 3*time.Minute)
	cl.waitSystemPods(ctx, b, "app.kubernetes.io/name=minik8s-ingress", 2, 2*time.Minute)
	ing := filepath.Join(b.TempDir(), "ingress.yaml")
	if err := os.WriteFile(ing, []byte(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: bench
spec:
  rules:
  - host: bench.example
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: bench-web
            port:
              number: 80
`), 0o644); err != nil {
		b.Fatal(err)
	}
	if out, err := cl.kubectl(ctx, "apply", "-f", ing); err != nil {
		b.Fatalf("kubectl apply: %v\n%s", err, out)
	}
	viaIngress := "http://" + n1.IP + "/"
	direct := "http://" + web.Status.PodIP + ":8080/"
	eventuallyOK(b, 60*time.Second, "the ingress and the DNS answer", func() string {
		if out, err := nodeExec(ctx, n1.Name, "timeout", "5", "busybox", "wget", "--header", "Host: bench.example", "-q", "-O", "-", viaIngress); err != nil || !strings.Contains(out, "pod: bench-web") {
			return fmt.Sprintf("ingress: %q %v", out, err)
		}
		for _, srv := range []string{"10.96.0.10", dnsPods[0].Status.PodIP} {
			if out, err := nodeExec(ctx, n1.Name, "timeout", "5", "busybox", "nslookup", benchNames[3], srv); err != nil || !strings.Contains(out, web.Status.PodIP) {
				return fmt.Sprintf("nslookup at %s: %q %v", srv, out, err)
			}
		}
		return ""
	})

	servers := []string{"10.96.0.10", dnsPods[0].Status.PodIP}
	what := []string{"via the Service VIP", "straight to a DNS pod"}
	if _, err := exec.LookPath("dnsperf"); err == nil {
		qf := filepath.Join(b.TempDir(), "queries")
		var q strings.Builder
		for _, n := range benchNames {
			q.WriteString(n + " A\n")
		}
		if err := os.WriteFile(qf, []byte(q.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		for i, srv := range servers {
			qps, avg := dnsperfRun(ctx, b, n1.Name, srv, qf)
			b.ReportMetric(qps, "q/s-dnsperf-"+[]string{"vip", "pod"}[i])
			fmt.Printf("dns: dnsperf from %s %s (%s), 5 s: %.0f queries/s, average latency %.3f ms (target >= 20000 q/s)\n", n1.Name, what[i], srv, qps, avg*1000)
		}
	} else {
		fmt.Println("dns: dnsperf is not installed (scripts/deps.sh); Go load generator only")
	}
	r := runDNSIngChild(ctx, b, n1.Name, map[string]string{
		"MK8S_DNSING_CHILD": "dns", "MK8S_DNS_SERVERS": strings.Join(servers, " "),
	})
	for i, srv := range servers {
		b.ReportMetric(r[fmt.Sprintf("qps_%d", i)], "q/s-go-"+[]string{"vip", "pod"}[i])
		b.ReportMetric(r[fmt.Sprintf("p99_%d", i)]*1000, "ms-p99-"+[]string{"vip", "pod"}[i])
		fmt.Printf("dns: Go generator from %s %s (%s), 8 in flight: %.0f queries/s, p50 %.3f ms, p99 %.3f ms, %0.f lost (target p99 < 2 ms)\n",
			n1.Name, what[i], srv, r[fmt.Sprintf("qps_%d", i)], r[fmt.Sprintf("p50_%d", i)]*1000, r[fmt.Sprintf("p99_%d", i)]*1000, r[fmt.Sprintf("lost_%d", i)])
	}

	h := runDNSIngChild(ctx, b, n1.Name, map[string]string{
		"MK8S_DNSING_CHILD": "http", "MK8S_HTTP_URLS": direct + " " + viaIngress, "MK8S_HTTP_HOST": "bench.example",
	})
	ratio := h["rate_1"] / h["rate_0"]
	b.ReportMetric(h["rate_0"], "req/s-direct")
	b.ReportMetric(h["rate_1"], "req/s-ingress")
	fmt.Printf("ingress: HTTP keep-alive requests/s from %s to a pod on %s, 8 connections: through the ingress on %s %.0f (p99 %.2f ms), straight to the pod %.0f (p99 %.2f ms); ratio %.2f (target >= 0.7)\n",
		n1.Name, n2.Name, n1.IP, h["rate_1"], h["p99_1"]*1000, h["rate_0"], h["p99_0"]*1000, ratio)
}

var dnsperfQPS = regexp.MustCompile(`Queries per second:\s+([0-9.]+)`)
var dnsperfAvg = regexp.MustCompile(`Average Latency \(s\):\s+([0-9.]+)`)

// dnsperfRun runs dnsperf for 5 s in node's namespace against server.
func dnsperfRun(ctx context.Context, tb testing.TB, node, server, queries string) (qps, avg float64) {
	tb.Helper()
	out, err := nodeExec(ctx, node, "timeout", "30", "dnsperf", "-s", server, "-d", queries, "-l", "5", "-c", "4", "-q", "64", "-t", "2")
	m, a := dnsperfQPS.FindStringSubmatch(out), dnsperfAvg.FindStringSubmatch(out)
	if err != nil || m == nil || a == nil {
		tb.Fatalf("dnsperf at %s: %v\n%s", server, err, tail(out, 3000))
	}
	qps, _ = strconv.ParseFloat(m[1], 64)
	avg, _ = strconv.ParseFloat(a[1], 64)
	return qps, avg
}

// runDNSIngChild re-runs this test binary as TestDNSIngressBenchChild in
// the lab node namespace ns and returns its "RESULT name value" figures.
func runDNSIngChild(ctx context.Context, tb testing.TB, ns string, env map[string]string) map[string]float64 {
	tb.Helper()
	self, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", ns, self, "-test.run", "^TestDNSIngressBenchChild$", "-test.v", "-test.timeout", "5m")
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("child in %s: %v\n%s", ns, err, tail(string(out), 4000))
	}
	res := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var k string
		var v float64
		if n, _ := fmt.Sscanf(strings.TrimSpace(sc.Text()), "RESULT %s %g", &k, &v); n == 2 {
			res[k] = v
		}
	}
	if len(res) == 0 {
		tb.Fatalf("child printed no figures:\n%s", tail(string(out), 4000))
	}
	return res
}

// TestDNSIngressBenchChild is BenchmarkDNSIngress' child process; it does
// nothing unless MK8S_DNSING_CHILD says what to measure, and refuses to
// send anything outside a mk8q- lab namespace.
func TestDNSIngressBenchChild(t *testing.T) {
	mode := os.Getenv("MK8S_DNSING_CHILD")
	if mode == "" {
		t.Skip("the bench's child process")
	}
	if !strings.HasPrefix(netnsName(), dnsIngPrefix+"-") {
		t.Fatalf("refusing to send traffic outside a %s- namespace (in %q)", dnsIngPrefix, netnsName())
	}
	switch mode {
	case "dns":
		for i, srv := range strings.Fields(os.Getenv("MK8S_DNS_SERVERS")) {
			qps, p50, p99, lost := dnsLoad(t, net.JoinHostPort(srv, "53"), 8, 4*time.Second)
			fmt.Printf("RESULT qps_%d %f\nRESULT p50_%d %f\nRESULT p99_%d %f\nRESULT lost_%d %d\n", i, qps, i, p50.Seconds(), i, p99.Seconds(), i, lost)
		}
	case "http":
		urls := strings.Fields(os.Getenv("MK8S_HTTP_URLS"))
		for round := 0; round < 2; round++ { // alternating rounds; the last is reported
			for i, u := range urls {
				host := ""
				if i == 1 {
					host = os.Getenv("MK8S_HTTP_HOST")
				}
				rate, p99 := httpLoad(t, u, host, 8, 3*time.Second)
				if round == 1 {
					fmt.Printf("RESULT rate_%d %f\nRESULT p99_%d %f\n", i, rate, i, p99.Seconds())
				}
			}
		}
	default:
		t.Fatalf("unknown mode %q", mode)
	}
}

// percentile is the p-quantile of sorted latencies.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(float64(len(sorted)-1)*p)]
}

// dnsLoad sends A queries for benchNames to addr from workers goroutines,
// each with one query in flight on its own UDP socket, for d; a query not
// answered within 500 ms counts as lost.
func dnsLoad(t *testing.T, addr string, workers int, d time.Duration) (qps float64, p50, p99 time.Duration, lost int) {
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	began := time.Now()
	deadline := began.Add(d)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			conn, err := net.Dial("udp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			buf := make([]byte, 1500)
			var mine []time.Duration
			myLost := 0
			for i := 0; time.Now().Before(deadline); i++ {
				m := new(dns.Msg)
				m.SetQuestion(benchNames[(w+i)%len(benchNames)], dns.TypeA)
				m.Id = uint16(w<<12 | i&0xfff)
				q, _ := m.Pack()
				start := time.Now()
				if _, err := conn.Write(q); err != nil {
					myLost++
					continue
				}
				_ = conn.SetReadDeadline(start.Add(500 * time.Millisecond))
				for {
					n, err := conn.Read(buf)
					if err != nil {
						myLost++
						break
					}
					var r dns.Msg
					if r.Unpack(buf[:n]) == nil && r.Id == m.Id {
						if r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 {
							myLost++
						} else {
							mine = append(mine, time.Since(start))
						}
						break
					}
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			lost += myLost
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(began)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return float64(len(lat)) / elapsed.Seconds(), percentile(lat, 0.5), percentile(lat, 0.99), lost
}

// httpLoad sends GETs to url (with Host host if set) over workers
// keep-alive connections for d and returns the rate of 200 answers and
// their p99 latency.
func httpLoad(t *testing.T, url, host string, workers int, d time.Duration) (float64, time.Duration) {
	tr := &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Timeout: 3 * time.Second, Transport: tr}
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	began := time.Now()
	deadline := began.Add(d)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) {
				req, _ := http.NewRequest("GET", url, nil)
				if host != "" {
					req.Host = host
				}
				start := time.Now()
				resp, err := cl.Do(req)
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					mine = append(mine, time.Since(start))
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) == 0 {
		t.Errorf("no request to %s succeeded", url)
	}
	return float64(len(lat)) / elapsed.Seconds(), percentile(lat, 0.99)
}

package e2e

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"minik8s/kubelet/network"
)

// benchBytes is the size of the file fetched over HTTP for a throughput
// figure (a sparse file: the server reads zeros).
const benchBytes = 200 << 20

// BenchmarkPodNetwork prints, for vxlan and host-gw, cross-node pod-to-pod
// TCP throughput (an HTTP download with busybox) and round-trip time (20
// pings) as ratios to node-to-node in the same run, on the test's own lab
// (`make bench`, root only). Every transfer is bounded in size and time and
// stays inside the lab.
func BenchmarkPodNetwork(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root (a lab of network namespaces)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	nl := setupNetLab(ctx, b)
	big := b.TempDir()
	f, err := os.Create(filepath.Join(big, "big"))
	if err == nil {
		err = f.Truncate(benchBytes)
		_ = f.Close()
	}
	if err != nil {
		b.Fatal(err)
	}
	// The node-to-node baseline: a server in node2's own namespace.
	start(b, "node2 file server", "ip", "netns", "exec", netNode2, "busybox", "httpd", "-f", "-p", "8090", "-h", big)

	host := func(p netip.Prefix, h byte) string {
		a := p.Addr().As4()
		a[3] = h
		return netip.AddrFrom4(a).String()
	}
	for _, backend := range []string{network.BackendVXLAN, network.BackendHostGW} {
		b.Run(backend, func(b *testing.B) {
			for _, node := range []string{netNode1, netNode2} {
				a := start(b, "netagent "+node, "ip", "netns", "exec", node, nl.bin, "netagent",
					"--node-name", node, "--apiserver", nl.labURL, "--backend", backend)
				defer a.stop()
			}
			mtu := 1500
			if backend == network.BackendVXLAN {
				mtu = 1450
			}
			for node, cidr := range map[string]netip.Prefix{netNode1: nl.cidr1, netNode2: nl.cidr2} {
				eventuallyOK(b, 20*time.Second, "cni0 on "+node, func() string {
					out, _ := sh(ctx, "ip", "-n", node, "-o", "addr", "show", "dev", "cni0")
					if !regexp.MustCompile(` inet ` + regexp.QuoteMeta(host(cidr, 1)) + `/24 `).MatchString(out) {
						return out
					}
					return ""
				})
			}
			suffix := map[string]string{network.BackendVXLAN: "x", network.BackendHostGW: "g"}[backend]
			p1 := fakePod{name: netPrefix + "-b1" + suffix, node: netNode1, ip: host(nl.cidr1, 20)}
			p2 := fakePod{name: netPrefix + "-b2" + suffix, node: netNode2, ip: host(nl.cidr2, 20)}
			addPod(ctx, b, p1, nl.cidr1, mtu)
			addPod(ctx, b, p2, nl.cidr2, mtu)
			srv := start(b, "pod file server", "ip", "netns", "exec", p2.name, "busybox", "httpd", "-f", "-p", "8090", "-h", big)
			defer srv.stop()
			podURL, nodeURL := "http://"+p2.ip+":8090/big", "http://"+netIP2+":8090/big"
			eventuallyOK(b, 20*time.Second, "pod to pod", func() string {
				if _, err := get(ctx, p1.name, "http://"+p2.ip+":8080/"); err != nil {
					return err.Error()
				}
				return ""
			})
			b.ResetTimer()
			var nodeMBs, podMBs, nodeRTT, podRTT float64
			for i := 0; i < b.N; i++ {
				nodeMBs, podMBs = 0, 0
				for r := 0; r < 3; r++ { // the best of three
					nodeMBs = max(nodeMBs, download(ctx, b, netNode1, nodeURL))
					podMBs = max(podMBs, download(ctx, b, p1.name, podURL))
				}
				nodeRTT = pingAvg(ctx, b, netNode1, netIP2)
				podRTT = pingAvg(ctx, b, p1.name, p2.ip)
			}
			b.StopTimer()
			b.ReportMetric(podMBs/nodeMBs, "tput-ratio")
			b.ReportMetric(podRTT/nodeRTT, "rtt-ratio")
			b.ReportMetric(podMBs, "pod-MB/s")
			b.ReportMetric(podRTT*1000, "pod-rtt-µs")
			fmt.Printf("network.%s.pod_to_pod_tcp_throughput_ratio %.2f (pod %.0f MB/s, node %.0f MB/s)\n", backend, podMBs/nodeMBs, podMBs, nodeMBs)
			fmt.Printf("network.%s.pod_to_pod_rtt_ratio %.2f (pod %.0f µs, node %.0f µs)\n", backend, podRTT/nodeRTT, podRTT*1000, nodeRTT*1000)
		})
	}
}

// download fetches url from netns ns into /dev/null and returns MB/s.
func download(ctx context.Context, tb testing.TB, ns, url string) float64 {
	tb.Helper()
	t0 := time.Now()
	mustTB(ctx, tb, "ip", "netns", "exec", ns, "timeout", "60", "busybox", "wget", "-q", "-O", "/dev/null", url)
	return float64(benchBytes) / (1 << 20) / time.Since(t0).Seconds()
}

var rttRE = regexp.MustCompile(`= [0-9.]+/([0-9.]+)/`)

// pingAvg is the average round trip of 20 pings from ns to ip, in ms.
func pingAvg(ctx context.Context, tb testing.TB, ns, ip string) float64 {
	tb.Helper()
	out := mustTB(ctx, tb, "ip", "netns", "exec", ns, "ping", "-q", "-c", "20", "-i", "0.01", "-W", "2", ip)
	m := rttRE.FindStringSubmatch(out)
	if m == nil {
		tb.Fatalf("ping output: %s", out)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
)

// The HA chaos lab (docs/chaos.md "HA faults"): an HA=1 scripts/up.sh lab
// beside the user's and the chaos suite's, with its own names, subnet,
// apiserver ports (6643-6645), etcd ports (2479/2480, 12479/12480,
// 22479/22480), state and containerd.
const (
	haChaosPrefix     = "mk9h"
	haChaosSubnet     = "192.168.113.0/24"
	haChaosPort       = "6643"
	haChaosEtcdPort   = 2479
	haChaosContainerd = "/run/minik8s/mk9h/containerd.sock"
	haChaosReplicas   = 2
	// controller-manager's --leader-elect-retry-period (controller/options.go).
	haLeaderRetry = 2 * time.Second
)

func haChaosSettings() []string {
	return []string{"MK8S_LAB_PREFIX=" + haChaosPrefix, "MK8S_LAB_SUBNET=" + haChaosSubnet, "MINIK8S_APISERVER_PORT=" + haChaosPort,
		"CONTAINERD_ADDRESS=" + haChaosContainerd, "NODES=2", "BACKEND=host-gw", "HA=1", "HA_ETCD_PORT=" + strconv.Itoa(haChaosEtcdPort)}
}

// longestGap is the pure part of the API client's figures: over the
// samples of kind in [from, to], the longest time without a successful
// answer (from the window's start, between successes, to its end).
func longestGap(samples []chaosSample, kind string, from, to time.Time) time.Duration {
	var gap time.Duration
	last := from
	for _, s := range samples {
		if s.at.Before(from) || s.at.After(to) || !strings.HasPrefix(s.probe, kind+" ") || !s.ok {
			continue
		}
		gap = max(gap, s.at.Sub(last))
		last = s.at
	}
	return max(gap, to.Sub(last))
}

func TestChaosLongestGap(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	s := func(ms int, probe string, ok bool) chaosSample { return chaosSample{at(ms), probe, ok} }
	cases := []struct {
		name    string
		samples []chaosSample
		want    time.Duration
	}{
		{"none: the whole window", nil, time.Second},
		{"steady", []chaosSample{s(100, "api get", true), s(300, "api update", true), s(500, "api get", true), s(800, "api get", true), s(950, "api get", true)}, 300 * time.Millisecond},
		{"failures do not end a gap", []chaosSample{s(100, "api get", true), s(200, "api get", false), s(600, "api update", false), s(900, "api get", true)}, 800 * time.Millisecond},
		{"to the end", []chaosSample{s(0, "api get", true), s(100, "api get", true), s(300, "api get", false)}, 900 * time.Millisecond},
		{"other kinds and outside ignored", []chaosSample{s(-50, "api get", true), s(400, "http node1", true), s(500, "api get", true), s(1200, "api get", true)}, 500 * time.Millisecond},
	}
	for _, tc := range cases {
		if got := longestGap(tc.samples, "api", at(0), at(1000)); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// apiLoop reads and writes through pkg/client (the lab's admin kubeconfig,
// which lists every apiserver) until ctx ends: every 100 ms a Get of the
// ConfigMap chaos/writer and an Update of its data["seq"] to the next
// number. acked is the highest seq whose Update was acknowledged; a Get
// that returns less than what was acknowledged before it was sent is a
// stale read.
type apiLoop struct {
	p     *prober // the samples go with the Service probes': "api get", "api update"
	mu    sync.Mutex
	acked int
	stale []string
}

func (a *apiLoop) ackedSeq() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.acked
}

func (a *apiLoop) run(ctx context.Context, c *mkclient.Client, wg *sync.WaitGroup) {
	cms := mkclient.Typed[*api.ConfigMap](c, chaosNS)
	wg.Add(1)
	go func() {
		defer wg.Done()
		seq := a.ackedSeq()
		for t := time.NewTicker(100 * time.Millisecond); ; {
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			before := a.ackedSeq()
			cm, err := cms.Get(ctx, "writer")
			if ctx.Err() != nil {
				return
			}
			a.p.add("api get", err == nil)
			if err != nil {
				continue
			}
			if got, _ := strconv.Atoi(cm.Data["seq"]); got < before {
				a.mu.Lock()
				a.stale = append(a.stale, fmt.Sprintf("%s: read seq %d after %d was acknowledged", time.Now().Format("15:04:05.000"), got, before))
				a.mu.Unlock()
			}
			seq++
			cm.Data = map[string]string{"seq": strconv.Itoa(seq)}
			_, err = cms.Update(ctx, cm)
			if ctx.Err() != nil {
				return
			}
			a.p.add("api update", err == nil)
			if err == nil {
				a.mu.Lock()
				a.acked = max(a.acked, seq)
				a.mu.Unlock()
			}
		}
	}()
}

// etcdLeader asks each member of the lab's etcd cluster (its /metrics,
// with the apiserver's etcd client certificate) whether it leads, and
// returns the leader's name ("etcd-2").
func (l *chaosLab) etcdLeader(ctx context.Context) (string, error) {
	pki := filepath.Join(l.state, "pki")
	cert, err := tls.LoadX509KeyPair(filepath.Join(pki, "apiserver-etcd-client.crt"), filepath.Join(pki, "apiserver-etcd-client.key"))
	if err != nil {
		return "", fmt.Errorf("etcd client certificate: %w", err)
	}
	ca, err := os.ReadFile(filepath.Join(pki, "ca.crt"))
	if err != nil {
		return "", err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}}}
	defer hc.CloseIdleConnections()
	var errs []string
	for i := 1; i <= 3; i++ {
		url := fmt.Sprintf("https://127.0.0.1:%d/metrics", haChaosEtcdPort+10000*(i-1))
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		resp, err := hc.Do(req)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		leads := false
		for sc := bufio.NewScanner(resp.Body); sc.Scan(); {
			leads = leads || sc.Text() == "etcd_server_is_leader 1"
		}
		resp.Body.Close()
		if leads {
			return fmt.Sprintf("etcd-%d", i), nil
		}
	}
	return "", fmt.Errorf("no etcd member says it leads (%s)", strings.Join(errs, "; "))
}

// leaseHolder is the holder of Lease kube-system/NAME and its duration.
func (l *chaosLab) leaseHolder(ctx context.Context, name string) (string, time.Duration, error) {
	lease, err := mkclient.Typed[*api.Lease](l.c, "kube-system").Get(ctx, name)
	if err != nil {
		return "", 0, err
	}
	if lease.Spec.HolderIdentity == nil || lease.Spec.LeaseDurationSeconds == nil {
		return "", 0, fmt.Errorf("lease %s has no holder", name)
	}
	return *lease.Spec.HolderIdentity, time.Duration(*lease.Spec.LeaseDurationSeconds) * time.Second, nil
}

// daemonPids is every live daemon of the lab: pid file name -> pid.
func (l *chaosLab) daemonPids() map[string]int {
	out := map[string]int{}
	files, _ := filepath.Glob(filepath.Join(l.state, "run", "*.pid"))
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".pid")
		if pid, err := l.daemonPid(name); err == nil {
			out[name] = pid
		}
	}
	return out
}

// TestChaosHAOnLab is the chaos suite's HA part (docs/chaos.md): on an
// HA=1 lab, kill -9 an etcd follower, the etcd leader, apiserver-1 and the
// leading controller-manager while the Service is probed from both nodes
// and a failover client reads and writes; each is restarted by
// scripts/up.sh. Nothing else may die, no pod or container change, no
// object or acknowledged write be lost, the Service not fail a request.
func TestChaosHAOnLab(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("end-to-end: needs root")
	}
	if _, err := os.Stat("/usr/bin/etcd"); err != nil {
		t.Skip("HA=1 needs /usr/bin/etcd (Debian's etcd-server: make deps)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 9*time.Minute)
	defer cancel()
	start := time.Now()
	l := startChaosLab(ctx, t, haChaosPrefix, haChaosSettings(), start,
		"etcd-1", "etcd-2", "etcd-3", "apiserver-1", "apiserver-2", "controller-manager-1", "controller-manager-2",
		"kubelet-"+haChaosPrefix+"-node1")
	// The kubernetes Service lists every apiserver (their leases; ha.sh
	// runs three by default).
	p1, _ := strconv.Atoi(haChaosPort)
	allAPIServers := fmt.Sprintf("192.168.113.1:%d 192.168.113.1:%d 192.168.113.1:%d", p1, p1+1, p1+2)
	eventuallyOK(t, 30*time.Second, "the kubernetes Service's endpoints list every apiserver", func() string {
		return l.kubernetesEndpoints(ctx, allAPIServers)
	})
	svc := l.deployWeb(ctx, t, haChaosReplicas)
	if _, err := mkclient.Typed[*api.ConfigMap](l.c, chaosNS).Create(ctx, &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "writer", Namespace: chaosNS},
		Data: map[string]string{"seq": "0"}}); err != nil {
		t.Fatal(err)
	}

	// The probes, and the API client: its own failover client.
	wc, err := l.adminClient()
	if err != nil {
		t.Fatal(err)
	}
	pctx, stopProbes := context.WithCancel(ctx)
	var wg sync.WaitGroup
	p := &prober{prefix: haChaosPrefix}
	p.run(pctx, svc.Spec.ClusterIP, &wg)
	w := &apiLoop{p: p}
	w.run(pctx, wc, &wg)
	defer func() { stopProbes(); wg.Wait() }()
	time.Sleep(2 * time.Second)
	if f := outageIn(p.snapshot(), "http", start, time.Now()); f.sent == 0 || f.failed > 0 {
		t.Fatalf("before any fault the Service does not answer every request: %+v", f)
	}
	if f := outageIn(p.snapshot(), "api", start, time.Now()); f.sent == 0 || f.failed > 0 {
		t.Fatalf("before any fault the API client fails: %+v", f)
	}

	// The faults: which daemon is decided when its turn comes.
	type haFault struct {
		name   string
		daemon func() (string, error)
		maxAPI time.Duration // the API client's longest time without an answer
	}
	etcdMember := func(leader bool) func() (string, error) {
		return func() (string, error) {
			lead, err := l.etcdLeader(ctx)
			if err != nil || leader {
				return lead, err
			}
			for i := 1; i <= 3; i++ {
				if n := fmt.Sprintf("etcd-%d", i); n != lead {
					return n, nil
				}
			}
			return "", nil
		}
	}
	// The bounds: a follower's loss only moves the requests its apiservers'
	// etcd clients had on it (at once: a refused connection on one host);
	// apiserver-1's moves every client on its first dial error; 5 s leaves
	// room for a loaded 2-core machine. A leader's loss costs an election:
	// the followers wait an election timeout (etcd's default 1 s, randomized
	// up to 2 s) without heartbeats, then vote, and the apiservers' pending
	// requests are retried on the new leader (measured 3.6 s at a light
	// load): 10 s.
	faults := []haFault{
		{name: "etcd follower", daemon: etcdMember(false), maxAPI: 5 * time.Second},
		{name: "etcd leader", daemon: etcdMember(true), maxAPI: 10 * time.Second},
		{name: "apiserver-1", daemon: func() (string, error) { return "apiserver-1", nil }, maxAPI: 5 * time.Second},
		{name: "leading controller-manager", maxAPI: 5 * time.Second, daemon: func() (string, error) {
			holder, _, err := l.leaseHolder(ctx, "kube-controller-manager")
			if err != nil {
				return "", err
			}
			// scripts/ha.sh: HOST_controller-manager-N_UUID (a new UUID
			// per start, as Kubernetes' hostname_uuid).
			_, n, ok := strings.Cut(holder, "_controller-manager-")
			n, _, _ = strings.Cut(n, "_")
			if !ok {
				return "", fmt.Errorf("the controller-manager Lease's holder %q is none of the lab's", holder)
			}
			return "controller-manager-" + n, nil
		}},
	}
	type row struct {
		fault, daemon        string
		http, dns, api       chaosFigures
		apiGap               time.Duration
		restartedIn, settled time.Duration
		takeover             time.Duration
		podsOK, objsOK       bool
		othersOK             bool
	}
	var rows []row
	faultsStart := time.Now()
	for _, f := range faults {
		daemon, err := f.daemon()
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		beforePods, err := l.pods(ctx)
		if err != nil {
			t.Fatal(err)
		}
		beforeObjs, err := l.objects(ctx)
		if err != nil {
			t.Fatal(err)
		}
		beforePids := l.daemonPids()
		oldPid, err := l.daemonPid(daemon)
		if err != nil {
			t.Fatal(err)
		}
		oldCmdline := cmdlineOf(oldPid)
		var oldHolder string
		var leaseDuration time.Duration
		if strings.HasPrefix(daemon, "controller-manager-") {
			if oldHolder, leaseDuration, err = l.leaseHolder(ctx, "kube-controller-manager"); err != nil {
				t.Fatal(err)
			}
		}
		t0 := time.Now()
		if err := syscall.Kill(oldPid, syscall.SIGKILL); err != nil {
			t.Fatalf("kill -9 %s (pid %d): %v", daemon, oldPid, err)
		}
		r := row{fault: f.name, daemon: daemon, podsOK: true, objsOK: true, othersOK: true}
		if oldHolder != "" {
			// The other candidate must take the Lease once it expires. Only
			// then is the killed one restarted, so that the hand-over is
			// measured without a race (restarted, it is a new candidate:
			// scripts/ha.sh gives every start a new identity).
			eventuallyOK(t, leaseDuration+30*time.Second, "the other controller-manager takes the Lease", func() string {
				h, _, err := l.leaseHolder(ctx, "kube-controller-manager")
				if err != nil {
					return err.Error()
				}
				if h == oldHolder {
					return "still held by " + h
				}
				return ""
			})
			r.takeover = time.Since(t0)
			if limit := leaseDuration + 2*haLeaderRetry + 3*time.Second; r.takeover > limit {
				t.Errorf("%s: the Lease moved %v after the kill (allowed: the lease duration %v + 2 retry periods + 3 s = %v)", f.name, r.takeover, leaseDuration, limit)
			}
		} else {
			if daemon == "apiserver-1" {
				// apiserver-1 is every kubeconfig's first: exec (an upgraded
				// connection, outside the failover transport) dials the
				// apiserver its pod lookup failed over to.
				if msg := l.execWhileDown(ctx); msg != "" {
					t.Errorf("%s: kubectl exec while it was down: %s", f.name, msg)
				}
			}
			time.Sleep(time.Until(t0.Add(2 * time.Second))) // systemd's RestartSec=2
		}
		out, err := l.script(ctx, 3*time.Minute, "up.sh", "SKIP_IMAGES=1")
		if err != nil {
			t.Fatalf("%s: scripts/up.sh: %v\n%s", f.name, err, tail(out, 3000))
		}
		r.restartedIn = time.Since(t0)
		pid, err := l.daemonPid(daemon)
		if err != nil || pid == oldPid {
			t.Fatalf("%s: %s not restarted by scripts/up.sh (pid %d, was %d): %v\n%s", f.name, daemon, pid, oldPid, err, tail(out, 2000))
		}
		if now := cmdlineOf(pid); withoutUUIDs(now) != withoutUUIDs(oldCmdline) {
			t.Errorf("%s: %s restarted with another command line:\n  was %s\n  now %s", f.name, daemon, oldCmdline, now)
		}
		for name, was := range beforePids {
			if now := l.daemonPids()[name]; name != daemon && now != was {
				r.othersOK = false
				t.Errorf("%s: %s died too (pid %d, now %d): scripts/up.sh restarted it", f.name, name, was, now)
			}
		}
		eventuallyOK(t, 2*time.Minute, f.name+": the lab settles", func() string { return l.settled(ctx, haChaosReplicas) })
		r.settled = time.Since(t0)
		time.Sleep(time.Second)
		t1 := time.Now()
		samples := p.snapshot()
		r.http, r.dns, r.api = outageIn(samples, "http", t0, t1), outageIn(samples, "dns", t0, t1), outageIn(samples, "api", t0, t1)
		r.apiGap = longestGap(samples, "api", t0, t1)

		afterPods, err := l.pods(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for name, b := range beforePods {
			a, ok := afterPods[name]
			if !ok || a.uid != b.uid {
				r.podsOK = false
				t.Errorf("%s: pod %s was recreated or lost (uid %s -> %s)", f.name, name, b.uid, a.uid)
				continue
			}
			for c, st := range b.containers {
				if a.containers[c] != st {
					r.podsOK = false
					t.Errorf("%s: pod %s container %s: %s -> %s", f.name, name, c, st, a.containers[c])
				}
			}
		}
		afterObjs, err := l.objects(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for k, uid := range beforeObjs {
			if afterObjs[k] != uid {
				r.objsOK = false
				t.Errorf("%s: object %s (uid %s) lost (now %q)", f.name, k, uid, afterObjs[k])
			}
		}
		acked := w.ackedSeq()
		cm, err := mkclient.Typed[*api.ConfigMap](l.c, chaosNS).Get(ctx, "writer")
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := strconv.Atoi(cm.Data["seq"]); got < acked {
			t.Errorf("%s: an acknowledged write was lost: the ConfigMap holds seq %d, %d was acknowledged", f.name, got, acked)
		}
		if r.http.failed > 0 || r.dns.failed > 0 {
			t.Errorf("%s: the Service failed %d of %d requests (outage %v), DNS %d of %d lookups (outage %v); allowed: none",
				f.name, r.http.failed, r.http.sent, r.http.outage, r.dns.failed, r.dns.sent, r.dns.outage)
		}
		if r.apiGap > f.maxAPI {
			t.Errorf("%s: the API client had no answer for %v (allowed %v); %d of %d requests failed", f.name, r.apiGap, f.maxAPI, r.api.failed, r.api.sent)
		}
		t.Logf("%-26s (%s) http %d/%d failed; dns %d/%d; api %d/%d failed, longest gap %v; restarted in %v, settled in %v",
			f.name, daemon, r.http.failed, r.http.sent, r.dns.failed, r.dns.sent, r.api.failed, r.api.sent, r.apiGap.Round(time.Millisecond),
			r.restartedIn.Round(time.Millisecond), r.settled.Round(time.Millisecond))
		rows = append(rows, r)
	}

	// Afterwards the controllers still converge, and every apiserver is
	// listed again (apiserver-1 came back).
	eventuallyOK(t, 30*time.Second, "the kubernetes Service's endpoints list every apiserver again", func() string {
		return l.kubernetesEndpoints(ctx, allAPIServers)
	})
	convStart := time.Now()
	if out, err := l.kubectl(ctx, "scale", "-n", chaosNS, "deployment/web", "--replicas=4"); err != nil {
		t.Fatalf("kubectl scale: %v\n%s", err, out)
	}
	eventuallyOK(t, 2*time.Minute, "the Deployment scaled to 4", func() string { return l.settled(ctx, 4) })
	scaleIn := time.Since(convStart)
	stopProbes()
	wg.Wait()
	all := p.snapshot()
	faultsPhase, apiPhase := outageIn(all, "http", faultsStart, convStart), outageIn(all, "api", faultsStart, convStart)
	windowsFailed := 0
	for _, r := range rows {
		windowsFailed += r.http.failed
	}
	if n := faultsPhase.failed - windowsFailed; n > 0 {
		t.Errorf("between the faults' windows %d of %d requests failed", n, faultsPhase.sent)
	}
	if len(w.stale) > 0 {
		t.Errorf("%d reads returned less than an acknowledged write, e.g. %s", len(w.stale), w.stale[0])
	}

	var b strings.Builder
	fmt.Fprintf(&b, "\n%-26s %-20s %14s %13s %13s %9s %8s %10s %9s %5s %7s %6s\n", "fault (kill -9)", "daemon", "http fail/sent", "dns fail/sent",
		"api fail/sent", "api gap", "lease", "restarted", "settled", "pods", "objects", "others")
	for _, r := range rows {
		lease := "-"
		if r.takeover > 0 {
			lease = r.takeover.Round(100 * time.Millisecond).String()
		}
		fmt.Fprintf(&b, "%-26s %-20s %14s %13s %13s %9v %8s %10v %9v %5v %7v %6v\n", r.fault, r.daemon, fmt.Sprintf("%d/%d", r.http.failed, r.http.sent),
			fmt.Sprintf("%d/%d", r.dns.failed, r.dns.sent), fmt.Sprintf("%d/%d", r.api.failed, r.api.sent), r.apiGap.Round(time.Millisecond), lease,
			r.restartedIn.Round(100*time.Millisecond), r.settled.Round(100*time.Millisecond), okWord(r.podsOK), okWord(r.objsOK), okWord(r.othersOK))
	}
	fmt.Fprintf(&b, "all faults: %d/%d Service requests failed, API %d/%d failed, %d writes acknowledged, %d stale reads; afterwards scale 2->4 in %v; test took %v before down.sh\n",
		faultsPhase.failed, faultsPhase.sent, apiPhase.failed, apiPhase.sent, w.ackedSeq(), len(w.stale), scaleIn.Round(100*time.Millisecond),
		time.Since(start).Round(time.Second))
	t.Log(b.String())
}

// execWhileDown runs our kubectl exec in a web pod ("" when it worked).
// The testserver image has only its binary: -h prints its usage and exits 0.
func (l *chaosLab) execWhileDown(ctx context.Context) string {
	pods, _, err := l.c.Pods(chaosNS).List(ctx, mkclient.ListOptions{LabelSelector: "app=web"})
	if err != nil || len(pods) == 0 {
		return fmt.Sprintf("no web pod: %v", err)
	}
	ectx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := l.kubectl(ectx, "exec", "-n", chaosNS, pods[0].Name, "--", "/testserver", "-h")
	if err != nil || !strings.Contains(out, "files-dir") {
		return fmt.Sprintf("%v: %s", err, tail(out, 500))
	}
	return ""
}

// kubernetesEndpoints says how the kubernetes Endpoints differ from want
// ("ip:port ip:port", in the apiserver's order), "" when they do not.
func (l *chaosLab) kubernetesEndpoints(ctx context.Context, want string) string {
	ep, err := mkclient.Typed[*api.Endpoints](l.c, "default").Get(ctx, "kubernetes")
	if err != nil {
		return err.Error()
	}
	var got []string
	for _, s := range ep.Subsets {
		for _, a := range s.Addresses {
			for _, p := range s.Ports {
				got = append(got, fmt.Sprintf("%s:%d", a.IP, p.Port))
			}
		}
	}
	if g := strings.Join(got, " "); g != want {
		return fmt.Sprintf("endpoints %q, want %q", g, want)
	}
	return ""
}

// uuidRE matches the UUID scripts/ha.sh puts in each start's leader-election
// identity (HOST_controller-manager-N_UUID).
var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// withoutUUIDs is a command line with its UUIDs blanked: a restart's
// command line is the same but for them.
func withoutUUIDs(cmdline string) string { return uuidRE.ReplaceAllString(cmdline, "UUID") }

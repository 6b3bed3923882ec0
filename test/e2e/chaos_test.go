package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/pkg/netnsdial"
)

// labSettingsEnv is the environment scripts/lib.sh sees in TestUpSettings:
// none of the lab's settings inherited from the test's own environment.
func labSettingsEnv(state string, extra ...string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "MINIK8S_STATE=" + state}
	return append(env, extra...)
}

// TestUpSettings table-tests how scripts/up.sh and down.sh resolve the lab's
// settings (scripts/lib.sh settings_plan and lab_settings): recorded on the
// first run, reused later, a different explicit value refused. No root.
func TestUpSettings(t *testing.T) {
	root := repoRoot(t)
	lib := filepath.Join(root, "scripts", "lib.sh")
	cases := []struct {
		name     string
		recorded string   // lab.env's content; "" = no file
		env      []string // explicitly given settings
		fn       string   // the shell code run after sourcing lib.sh
		want     []string // lines the output must hold
		wantErr  string   // a part of the error, if it must fail
	}{
		{name: "defaults", fn: `settings_plan "$LAB_ENV"`,
			want: []string{"NODES=2", "BACKEND=vxlan", "IPTABLES_BACKEND=legacy", "ADDONS=dns,ingress", "AUTHORIZATION_MODE=Node,RBAC",
				"HA=0", "MK8S_LAB_PREFIX=mk8s", "MK8S_LAB_SUBNET=192.168.77.0/24", "MINIK8S_APISERVER_PORT=6443",
				"CONTAINERD_ADDRESS=/run/containerd/containerd.sock"}},
		{name: "given", env: []string{"NODES=3", "BACKEND=host-gw", "ADDONS="}, fn: `settings_plan "$LAB_ENV"`,
			want: []string{"NODES=3", "BACKEND=host-gw", "ADDONS="}},
		{name: "recorded reused", recorded: "NODES=3\nBACKEND=host-gw\nADDONS=\n", fn: `settings_plan "$LAB_ENV"`,
			want: []string{"NODES=3", "BACKEND=host-gw", "ADDONS=", "IPTABLES_BACKEND=legacy"}},
		{name: "recorded, the same given", recorded: "BACKEND=host-gw\n", env: []string{"BACKEND=host-gw"}, fn: `settings_plan "$LAB_ENV"`,
			want: []string{"BACKEND=host-gw"}},
		{name: "recorded, another given", recorded: "BACKEND=host-gw\n", env: []string{"BACKEND=vxlan"}, fn: `settings_plan "$LAB_ENV"`,
			wantErr: "the lab was made with BACKEND=host-gw, not BACKEND=vxlan; run make down first to change it"},
		{name: "recorded none, some given", recorded: "ADDONS=\n", env: []string{"ADDONS=dns"}, fn: `settings_plan "$LAB_ENV"`,
			wantErr: "the lab was made with ADDONS=, not ADDONS=dns"},
		{name: "unknown recorded", recorded: "FOO=1\n", fn: `settings_plan "$LAB_ENV"`, wantErr: "unknown setting FOO"},
		{name: "bad line", recorded: "NODES 3\n", fn: `settings_plan "$LAB_ENV"`, wantErr: "bad line 'NODES 3'"},
		{name: "record then reuse", env: []string{"NODES=3", "MK8S_LAB_PREFIX=mk8x", "MK8S_LAB_SUBNET=192.168.108.0/24"},
			fn:   `lab_settings record; unset NODES MK8S_LAB_PREFIX MK8S_LAB_SUBNET; lab_settings; echo "gw=$LAB_GATEWAY nodes=$NODES prefix=$MK8S_LAB_PREFIX"; cat "$LAB_ENV"`,
			want: []string{"gw=192.168.108.1 nodes=3 prefix=mk8x", "NODES=3", "MK8S_LAB_SUBNET=192.168.108.0/24"}},
		// After make down (no PURGE): the state and run dirs stay, with no
		// pid file and no lab.env; up.sh must start anew with the defaults.
		{name: "down, no pid files", fn: `mkdir -p "$RUN"; lab_settings record; echo "nodes=$NODES backend=$BACKEND"`,
			want: []string{"nodes=2 backend=vxlan"}},
		{name: "bad backend", env: []string{"BACKEND=flannel"}, fn: `lab_settings record`, wantErr: "BACKEND=flannel: want vxlan or host-gw"},
		{name: "bad subnet", env: []string{"MK8S_LAB_SUBNET=10.0.0.0/16"}, fn: `lab_settings`, wantErr: "MK8S_LAB_SUBNET=10.0.0.0/16: want A.B.C.0/24"},
		{name: "bad port", env: []string{"MINIK8S_APISERVER_PORT=70000"}, fn: `lab_settings`, wantErr: "MINIK8S_APISERVER_PORT=70000: want a port number"},
		{name: "etcd port default", fn: `settings_plan "$LAB_ENV"`, want: []string{"HA_ETCD_PORT=2379"}},
		{name: "etcd port recorded", env: []string{"HA=1", "HA_ETCD_PORT=2479"},
			fn:   `lab_settings record; unset HA_ETCD_PORT; lab_settings; . "$ROOT/scripts/ha.sh"; echo "$(ha_etcd_servers) peers ${HA_ETCD_PEER[*]}"`,
			want: []string{"https://127.0.0.1:2479,https://127.0.0.1:12479,https://127.0.0.1:22479 peers 2480 12480 22480"}},
		{name: "etcd port default members", fn: `lab_settings; . "$ROOT/scripts/ha.sh"; echo "$(ha_etcd_servers) peers ${HA_ETCD_PEER[*]}"`,
			want: []string{"https://127.0.0.1:2379,https://127.0.0.1:12379,https://127.0.0.1:22379 peers 2380 12380 22380"}},
		{name: "bad etcd port", env: []string{"HA_ETCD_PORT=50000"}, fn: `lab_settings`, wantErr: "HA_ETCD_PORT=50000: want a port number up to 45534"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			state := t.TempDir()
			if tc.recorded != "" {
				if err := os.WriteFile(filepath.Join(state, "lab.env"), []byte(tc.recorded), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command("bash", "-c", `set -euo pipefail; . "$1"; `+tc.fn, "bash", lib)
			cmd.Env = labSettingsEnv(state, tc.env...)
			out, err := cmd.CombinedOutput()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(string(out), tc.wantErr) {
					t.Fatalf("want an error with %q, got err %v, output:\n%s", tc.wantErr, err, out)
				}
				if tc.recorded == "" {
					if _, err := os.Stat(filepath.Join(state, "lab.env")); err == nil {
						t.Errorf("a refused setting was recorded in lab.env")
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			lines := strings.Split(string(out), "\n")
			for _, w := range tc.want {
				found := false
				for _, l := range lines {
					if l == w {
						found = true
					}
				}
				if !found {
					t.Errorf("output lacks line %q:\n%s", w, out)
				}
			}
		})
	}
}

// The chaos suite's lab (docs/chaos.md): a full scripts/up.sh cluster beside
// the user's, with its own names, subnet, port, state and containerd.
const (
	chaosPrefix     = "mk8x"
	chaosSubnet     = "192.168.108.0/24"
	chaosPort       = "6543"
	chaosContainerd = "/run/minik8s/mk8x/containerd.sock"
	chaosNS         = "chaos"
	chaosReplicas   = 4
)

// chaosSample is one probe's answer: an HTTP request to the Service, or a
// DNS lookup of its name, from inside a lab node.
type chaosSample struct {
	at    time.Time
	probe string // "http node1", "dns node2", …
	ok    bool
}

// chaosFigures are what a fault window shows.
type chaosFigures struct {
	sent, failed int
	outage       time.Duration // the longest time one probe failed without a success between
}

// outageIn is the pure part of the measurement: over the samples in
// [from, to], per probe kind prefix ("http", "dns"), the requests sent and
// failed and the longest outage: from a probe stream's first failure to its
// next success (or to the end of the window), the longest over the streams.
func outageIn(samples []chaosSample, kind string, from, to time.Time) chaosFigures {
	var f chaosFigures
	failingSince := map[string]time.Time{}
	for _, s := range samples {
		if s.at.Before(from) || s.at.After(to) || !strings.HasPrefix(s.probe, kind+" ") {
			continue
		}
		f.sent++
		since, failing := failingSince[s.probe]
		switch {
		case !s.ok:
			f.failed++
			if !failing {
				failingSince[s.probe] = s.at
			}
		case failing:
			f.outage = max(f.outage, s.at.Sub(since))
			delete(failingSince, s.probe)
		}
	}
	for _, since := range failingSince {
		f.outage = max(f.outage, to.Sub(since))
	}
	return f
}

func TestChaosOutage(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	s := func(ms int, probe string, ok bool) chaosSample { return chaosSample{at(ms), probe, ok} }
	cases := []struct {
		name    string
		samples []chaosSample
		kind    string
		from    int
		to      int
		want    chaosFigures
	}{
		{"none", nil, "http", 0, 1000, chaosFigures{}},
		{"all ok", []chaosSample{s(0, "http node1", true), s(100, "http node2", true)}, "http", 0, 1000, chaosFigures{sent: 2}},
		{"one gap", []chaosSample{s(0, "http node1", true), s(100, "http node1", false), s(200, "http node1", false), s(700, "http node1", true)},
			"http", 0, 1000, chaosFigures{sent: 4, failed: 2, outage: 600 * time.Millisecond}},
		{"the other node's success does not end a node's outage",
			[]chaosSample{s(100, "http node1", false), s(150, "http node2", true), s(400, "http node1", true)},
			"http", 0, 1000, chaosFigures{sent: 3, failed: 1, outage: 300 * time.Millisecond}},
		{"failing at the end counts to the end", []chaosSample{s(100, "http node1", true), s(800, "http node1", false)},
			"http", 0, 1000, chaosFigures{sent: 2, failed: 1, outage: 200 * time.Millisecond}},
		{"outside the window and other kinds ignored",
			[]chaosSample{s(-100, "http node1", false), s(100, "dns node1", false), s(1100, "http node1", false), s(500, "http node1", true)},
			"http", 0, 1000, chaosFigures{sent: 1}},
		{"longest of two", []chaosSample{s(0, "dns node1", false), s(100, "dns node1", true), s(200, "dns node1", false), s(500, "dns node1", true)},
			"dns", 0, 1000, chaosFigures{sent: 4, failed: 2, outage: 300 * time.Millisecond}},
	}
	for _, tc := range cases {
		if got := outageIn(tc.samples, tc.kind, at(tc.from), at(tc.to)); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// chaosLab is a scripts/up.sh lab run by the chaos suite.
type chaosLab struct {
	root, state, bin string
	env              []string
	c                *mkclient.Client
}

// startChaosLab brings up a chaos lab named prefix with scripts/up.sh and
// settings (removing what a killed earlier run left, which its lab.env
// names), with an admin client in l.c. Its cleanup runs down.sh PURGE=1
// and checks that nothing of the lab is left and that the user's lab and
// the shared containerd are as they were; on failure it logs the tails of
// the daemons' logs named in logs.
func startChaosLab(ctx context.Context, t *testing.T, prefix string, settings []string, start time.Time, logs ...string) *chaosLab {
	t.Helper()
	root := repoRoot(t)
	l := &chaosLab{root: root, state: filepath.Join(os.TempDir(), "minik8s-chaos-"+prefix), bin: t.TempDir()}
	if _, err := os.Stat(filepath.Join(l.state, "lab.env")); err == nil {
		out, err := l.script(ctx, 2*time.Minute, "down.sh", "PURGE=1")
		t.Logf("removed an earlier run's lab: %v\n%s", err, tail(out, 1500))
	}
	// What else runs here (the user's lab, other tests' labs) must be the
	// same after this lab's down.sh.
	othersBefore := otherLabs(ctx)
	sharedBefore := containerdAnswers(ctx)
	if _, err := buildMinik8s(ctx, root, l.bin); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("minik8s", filepath.Join(l.bin, "kubectl")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, name := range logs {
				b, _ := os.ReadFile(filepath.Join(l.state, "log", name+".log"))
				t.Logf("%s.log (tail):\n%s", name, tail(string(b), 2500))
			}
		}
		out, err := l.script(context.Background(), 3*time.Minute, "down.sh", "PURGE=1")
		if err != nil {
			t.Errorf("scripts/down.sh: %v\n%s", err, out)
		}
		os.RemoveAll(l.state)
		if out, _ := sh(context.Background(), "ip", "netns", "list"); strings.Contains(out, prefix+"-node") {
			t.Errorf("after down.sh, namespaces are left: %s", out)
		}
		// Other labs' namespaces and bridges (a test's lab may have come
		// or gone meanwhile: only the user's mk8s must be exactly as before).
		if before, after := othersBefore["mk8s"], otherLabs(context.Background())["mk8s"]; before != after {
			t.Errorf("the user's lab changed: %q -> %q", before, after)
		}
		if sharedBefore && !containerdAnswers(context.Background()) {
			t.Errorf("the shared containerd (/run/containerd/containerd.sock) no longer answers")
		}
		t.Logf("test took %v with down.sh", time.Since(start).Round(time.Second))
	})
	upStart := time.Now()
	if out, err := l.script(ctx, 6*time.Minute, "up.sh", settings...); err != nil {
		t.Fatalf("scripts/up.sh: %v\n%s", err, tail(out, 4000))
	}
	t.Logf("scripts/up.sh %s brought the lab up in %v", strings.Join(settings, " "), time.Since(upStart).Round(time.Millisecond))
	var err error
	if l.c, err = l.adminClient(); err != nil {
		t.Fatal(err)
	}
	return l
}

// adminClient is a new client with the lab's admin kubeconfig (which lists
// every apiserver of an HA lab).
func (l *chaosLab) adminClient() (*mkclient.Client, error) {
	cfg, err := mkclient.LoadConfig(mkclient.LoadOptions{Kubeconfig: filepath.Join(l.state, "admin.kubeconfig")})
	if err != nil {
		return nil, err
	}
	cfg.Timeout = 10 * time.Second
	return mkclient.New(cfg)
}

// deployWeb applies chaosWebManifest with replicas, waits until the lab
// has settled with it and returns its Service.
func (l *chaosLab) deployWeb(ctx context.Context, t *testing.T, replicas int) *api.Service {
	t.Helper()
	manifest := filepath.Join(t.TempDir(), "web.yaml")
	if err := os.WriteFile(manifest, []byte(chaosWebManifest(replicas)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := l.kubectl(ctx, "apply", "-f", manifest); err != nil {
		t.Fatalf("kubectl apply: %v\n%s", err, out)
	}
	eventuallyOK(t, 2*time.Minute, "the lab settled with the web Deployment", func() string { return l.settled(ctx, replicas) })
	svc, err := mkclient.Typed[*api.Service](l.c, chaosNS).Get(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// labEnv is the scripts' environment: the test's own without any lab
// setting (a NODES or BACKEND of the caller's must not leak in), plus the
// chaos lab's.
func (l *chaosLab) labEnv(extra ...string) []string {
	var env []string
	skip := map[string]bool{"NODES": true, "BACKEND": true, "IPTABLES_BACKEND": true, "ADDONS": true, "AUTHORIZATION_MODE": true, "HA": true,
		"HA_ETCD_PORT": true, "HA_APISERVERS": true,
		"MK8S_LAB_PREFIX": true, "MK8S_LAB_SUBNET": true, "MINIK8S_APISERVER_PORT": true, "CONTAINERD_ADDRESS": true,
		"MINIK8S_STATE": true, "MINIK8S_BIN": true, "PURGE": true, "SKIP_IMAGES": true, "KUBECONFIG": true}
	for _, kv := range os.Environ() {
		if !skip[strings.SplitN(kv, "=", 2)[0]] {
			env = append(env, kv)
		}
	}
	env = append(env, "MINIK8S_STATE="+l.state, "MINIK8S_BIN="+l.bin, "SKIP_PACKAGES=1")
	return append(env, extra...)
}

// script runs scripts/NAME with the lab's environment, bounded in time.
func (l *chaosLab) script(ctx context.Context, d time.Duration, name string, extra ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(l.root, "scripts", name))
	cmd.Dir = l.root
	cmd.Env = l.labEnv(extra...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// chaosSettings are the chaos lab's: given on the first up.sh only (later
// runs read lab.env, as a plain `make up` does). host-gw, not the default
// vxlan: a restart that forgot the settings would show.
func chaosSettings() []string {
	return []string{"MK8S_LAB_PREFIX=" + chaosPrefix, "MK8S_LAB_SUBNET=" + chaosSubnet, "MINIK8S_APISERVER_PORT=" + chaosPort,
		"CONTAINERD_ADDRESS=" + chaosContainerd, "NODES=2", "BACKEND=host-gw"}
}

func (l *chaosLab) kubectl(ctx context.Context, args ...string) (string, error) {
	return sh(ctx, append([]string{filepath.Join(l.bin, "kubectl"), "--kubeconfig", filepath.Join(l.state, "admin.kubeconfig")}, args...)...)
}

// daemonPid reads the live pid of one of the lab's daemons from its pid
// file, and checks that the process is the lab's (its command line names
// the lab's state dir): the suite kills nothing else.
func (l *chaosLab) daemonPid(name string) (int, error) {
	b, err := os.ReadFile(filepath.Join(l.state, "run", name+".pid"))
	if err != nil {
		return 0, fmt.Errorf("pid of %s: %w", name, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("pid file of %s: %w", name, err)
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return 0, fmt.Errorf("%s (pid %d) is not running: %w", name, pid, err)
	}
	if !strings.Contains(string(cmdline), l.state) {
		return 0, fmt.Errorf("pid %d of %s is not the lab's: %q", pid, name, strings.ReplaceAll(string(cmdline), "\x00", " "))
	}
	return pid, nil
}

// chaosPodState is what must not change under a fault: a pod's UID and its
// containers' IDs and restart counts.
type chaosPodState struct {
	uid        string
	containers map[string]string // name -> "containerID restartCount"
	node       string
}

func (l *chaosLab) pods(ctx context.Context) (map[string]chaosPodState, error) {
	pods, _, err := l.c.Pods("").List(ctx, mkclient.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := map[string]chaosPodState{}
	for _, p := range pods {
		st := chaosPodState{uid: p.UID, containers: map[string]string{}, node: p.Spec.NodeName}
		for _, cs := range p.Status.ContainerStatuses {
			st.containers[cs.Name] = fmt.Sprintf("%s restarts=%d", cs.ContainerID, cs.RestartCount)
		}
		out[p.Namespace+"/"+p.Name] = st
	}
	return out, nil
}

// objects is the cluster's object set, every resource but events (they
// come and go): "resource ns/name" -> UID.
func (l *chaosLab) objects(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	for _, info := range api.Resources {
		if info.Resource == "events" {
			continue
		}
		objs, _, err := l.c.List(ctx, info, "", mkclient.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", info.Resource, err)
		}
		for _, o := range objs {
			m := o.GetObjectMeta()
			// The kubernetes Service's extra slices (kubernetes-<port>, one
			// per HA apiserver port beyond the first) follow the apiservers'
			// leases: an apiserver down longer than its lease takes its
			// slice with it, by design.
			if info.Resource == "endpointslices" && m.Namespace == "default" && strings.HasPrefix(m.Name, "kubernetes-") {
				continue
			}
			out[info.Resource+" "+m.Namespace+"/"+m.Name] = m.UID
		}
	}
	return out, nil
}

// settled says what is not yet as it should be ("" when settled): both
// nodes Ready, every pod Running and Ready, the Service's endpoints the
// Deployment's replicas, and the Deployment's replicas all Ready.
func (l *chaosLab) settled(ctx context.Context, replicas int) string {
	nodes, _, err := mkclient.Typed[*api.Node](l.c, "").List(ctx, mkclient.ListOptions{})
	if err != nil {
		return err.Error()
	}
	if len(nodes) != 2 {
		return fmt.Sprintf("%d nodes", len(nodes))
	}
	for _, n := range nodes {
		ready := false
		for _, c := range n.Status.Conditions {
			ready = ready || c.Type == "Ready" && c.Status == api.ConditionTrue
		}
		if !ready {
			return "node " + n.Name + " not Ready"
		}
	}
	pods, _, err := l.c.Pods("").List(ctx, mkclient.ListOptions{})
	if err != nil {
		return err.Error()
	}
	web := 0
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			return "pod " + p.Name + " is being deleted"
		}
		ready := false
		for _, c := range p.Status.Conditions {
			ready = ready || c.Type == "Ready" && c.Status == api.ConditionTrue
		}
		if p.Status.Phase != "Running" || !ready {
			return fmt.Sprintf("pod %s/%s %s, not Ready", p.Namespace, p.Name, p.Status.Phase)
		}
		if p.Namespace == chaosNS {
			web++
		}
	}
	if web != replicas {
		return fmt.Sprintf("%d web pods, want %d", web, replicas)
	}
	ep, err := mkclient.Typed[*api.Endpoints](l.c, chaosNS).Get(ctx, "web")
	if err != nil {
		return err.Error()
	}
	addrs := 0
	for _, ss := range ep.Subsets {
		addrs += len(ss.Addresses)
	}
	if addrs != replicas {
		return fmt.Sprintf("%d ready endpoints, want %d", addrs, replicas)
	}
	return ""
}

// prober sends, until ctx ends, HTTP requests to the Service from each
// node (alternating, every 50 ms, 1 s timeout, a new connection each) and
// DNS lookups of its name to the cluster DNS (every 200 ms): from inside
// the lab's node namespaces.
type prober struct {
	prefix  string // the lab's prefix (its node namespaces); "" = chaosPrefix
	mu      sync.Mutex
	samples []chaosSample
}

func (p *prober) add(probe string, ok bool) {
	p.mu.Lock()
	p.samples = append(p.samples, chaosSample{time.Now(), probe, ok})
	p.mu.Unlock()
}

func (p *prober) snapshot() []chaosSample {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]chaosSample(nil), p.samples...)
}

func (p *prober) run(ctx context.Context, clusterIP string, wg *sync.WaitGroup) {
	for i := 1; i <= 2; i++ {
		node := fmt.Sprintf("node%d", i)
		prefix := p.prefix
		if prefix == "" {
			prefix = chaosPrefix
		}
		ns := fmt.Sprintf("%s-node%d", prefix, i)
		hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				return netnsdial.Dial(ctx, ns, network, addr)
			}}}
		res := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return netnsdial.Dial(ctx, ns, network, "10.96.0.10:53")
		}}
		wg.Add(2)
		go func() {
			defer wg.Done()
			for t := time.NewTicker(100 * time.Millisecond); ; {
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
				resp, err := hc.Get("http://" + clusterIP + "/healthz")
				ok := err == nil && resp.StatusCode == 200
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if ctx.Err() == nil {
					p.add("http "+node, ok)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for t := time.NewTicker(400 * time.Millisecond); ; {
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
				lctx, cancel := context.WithTimeout(ctx, time.Second)
				addrs, err := res.LookupHost(lctx, "web."+chaosNS+".svc.cluster.local.")
				cancel()
				if ctx.Err() == nil {
					p.add("dns "+node, err == nil && len(addrs) > 0 && addrs[0] == clusterIP)
				}
			}
		}()
	}
}

// chaosFault is one kill -9 and what it may cost.
type chaosFault struct {
	name      string
	daemon    string        // the pid file's name under $STATE/run; "" for the DNS pod
	maxHTTP   time.Duration // the longest Service outage allowed (0: no request may fail)
	maxDNS    time.Duration
	restartOK bool // the fault restarts a container by design (the DNS pod's)
}

func TestChaosOnLab(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("end-to-end: needs root")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 9*time.Minute)
	defer cancel()
	start := time.Now()
	l := startChaosLab(ctx, t, chaosPrefix, chaosSettings(), start,
		"kubelet-"+chaosPrefix+"-node1", "kubeproxy-"+chaosPrefix+"-node1", "controller-manager", "containerd")

	// The workload: a Deployment spread over both nodes behind a Service.
	svc := l.deployWeb(ctx, t, chaosReplicas)
	pods, err := l.pods(ctx)
	if err != nil {
		t.Fatal(err)
	}
	perNode := map[string]int{}
	for name, p := range pods {
		if strings.HasPrefix(name, chaosNS+"/") {
			perNode[p.node]++
		}
	}
	if len(perNode) != 2 {
		t.Fatalf("the web pods are not spread over both nodes: %v", perNode)
	}
	t.Logf("web pods per node: %v, Service %s", perNode, svc.Spec.ClusterIP)

	pctx, stopProbes := context.WithCancel(ctx)
	var wg sync.WaitGroup
	p := &prober{}
	p.run(pctx, svc.Spec.ClusterIP, &wg)
	defer func() { stopProbes(); wg.Wait() }()
	time.Sleep(2 * time.Second)
	if f := outageIn(p.snapshot(), "http", start, time.Now()); f.sent == 0 || f.failed > 0 {
		t.Fatalf("before any fault the Service does not answer every request: %+v", f)
	}

	faults := []chaosFault{
		{name: "apiserver", daemon: "apiserver"},
		{name: "controller-manager", daemon: "controller-manager"},
		{name: "scheduler", daemon: "scheduler"},
		{name: "kubelet node1", daemon: "kubelet-" + chaosPrefix + "-node1", maxHTTP: 3 * time.Second, maxDNS: 3 * time.Second},
		{name: "kubelet node2", daemon: "kubelet-" + chaosPrefix + "-node2", maxHTTP: 3 * time.Second, maxDNS: 3 * time.Second},
		{name: "kube-proxy node1", daemon: "kubeproxy-" + chaosPrefix + "-node1", maxHTTP: 3 * time.Second, maxDNS: 3 * time.Second},
		{name: "kube-proxy node2", daemon: "kubeproxy-" + chaosPrefix + "-node2", maxHTTP: 3 * time.Second, maxDNS: 3 * time.Second},
		{name: "DNS pod's container", restartOK: true, maxDNS: 10 * time.Second},
		{name: "containerd", daemon: "containerd", maxHTTP: 5 * time.Second, maxDNS: 5 * time.Second},
	}
	type row struct {
		fault           string
		http, dns       chaosFigures
		restartedIn     time.Duration
		settledIn       time.Duration
		podsOK, objsOK  bool
		containersMoved int
	}
	var rows []row
	faultsStart := time.Now()
	for _, f := range faults {
		beforePods, err := l.pods(ctx)
		if err != nil {
			t.Fatal(err)
		}
		beforeObjs, err := l.objects(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		var oldPid int
		var oldCmdline, dnsPod string
		if f.daemon != "" {
			if oldPid, err = l.daemonPid(f.daemon); err != nil {
				t.Fatal(err)
			}
			oldCmdline = cmdlineOf(oldPid)
			if err := syscall.Kill(oldPid, syscall.SIGKILL); err != nil {
				t.Fatalf("kill -9 %s (pid %d): %v", f.daemon, oldPid, err)
			}
		} else {
			dnsPod = l.killDNSContainer(ctx, t)
		}
		// systemd's RestartSec=2 (scripts/systemd): the gap a unit restart has.
		time.Sleep(2 * time.Second)
		out, err := l.script(ctx, 3*time.Minute, "up.sh", "SKIP_IMAGES=1")
		if err != nil {
			t.Fatalf("%s: scripts/up.sh: %v\n%s", f.name, err, tail(out, 3000))
		}
		restarted := time.Since(t0)
		if f.daemon != "" {
			pid, err := l.daemonPid(f.daemon)
			if err != nil || pid == oldPid {
				t.Fatalf("%s: not restarted by scripts/up.sh (pid %d, was %d): %v\n%s", f.name, pid, oldPid, err, tail(out, 2000))
			}
			// Restarted with the settings the lab was made with.
			if now := cmdlineOf(pid); now != oldCmdline {
				t.Errorf("%s: restarted with another command line:\n  was %s\n  now %s", f.name, oldCmdline, now)
			}
		}
		eventuallyOK(t, 2*time.Minute, f.name+": the lab settles", func() string { return l.settled(ctx, chaosReplicas) })
		settled := time.Since(t0)
		time.Sleep(time.Second) // the probes see the settled lab too
		t1 := time.Now()
		samples := p.snapshot()
		r := row{fault: f.name, http: outageIn(samples, "http", t0, t1), dns: outageIn(samples, "dns", t0, t1),
			restartedIn: restarted, settledIn: settled, podsOK: true, objsOK: true}

		afterPods, err := l.pods(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for name, b := range beforePods {
			a, ok := afterPods[name]
			switch {
			case !ok || a.uid != b.uid:
				r.podsOK = false
				t.Errorf("%s: pod %s was recreated or lost (uid %s -> %s)", f.name, name, b.uid, a.uid)
			case name == dnsPod:
				// Its container was killed: restarted once, nothing else.
			default:
				for c, st := range b.containers {
					if a.containers[c] != st {
						r.podsOK = false
						r.containersMoved++
						t.Errorf("%s: pod %s container %s: %s -> %s", f.name, name, c, st, a.containers[c])
					}
				}
			}
		}
		if dnsPod != "" {
			b, a := beforePods[dnsPod], afterPods[dnsPod]
			for c, st := range b.containers {
				if a.containers[c] == st {
					t.Errorf("%s: pod %s container %s was not restarted after its kill (%s)", f.name, dnsPod, c, st)
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
		if r.http.failed > 0 && (f.maxHTTP == 0 || r.http.outage > f.maxHTTP) {
			t.Errorf("%s: the Service failed %d of %d requests, longest outage %v (allowed: %v)", f.name, r.http.failed, r.http.sent, r.http.outage, f.maxHTTP)
		}
		if r.dns.failed > 0 && (f.maxDNS == 0 || r.dns.outage > f.maxDNS) {
			t.Errorf("%s: DNS failed %d of %d lookups, longest outage %v (allowed: %v)", f.name, r.dns.failed, r.dns.sent, r.dns.outage, f.maxDNS)
		}
		t.Logf("%-20s http %d/%d failed, outage %v; dns %d/%d failed, outage %v; restarted in %v, settled in %v",
			f.name, r.http.failed, r.http.sent, r.http.outage.Round(time.Millisecond), r.dns.failed, r.dns.sent, r.dns.outage.Round(time.Millisecond),
			restarted.Round(time.Millisecond), settled.Round(time.Millisecond))
		rows = append(rows, r)
	}
	// HA=1's faults (etcd members, apiserver-1, the leading
	// controller-manager) have their own lab: TestChaosHAOnLab.

	// Afterwards the controllers still converge: a scale, then an HPA.
	convStart := time.Now()
	if out, err := l.kubectl(ctx, "scale", "-n", chaosNS, "deployment/web", "--replicas=6"); err != nil {
		t.Fatalf("kubectl scale: %v\n%s", err, out)
	}
	eventuallyOK(t, 2*time.Minute, "the Deployment scaled to 6", func() string { return l.settled(ctx, 6) })
	scaleIn := time.Since(convStart)
	hpa := filepath.Join(t.TempDir(), "hpa.yaml")
	if err := os.WriteFile(hpa, []byte(`apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: `+chaosNS+`
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	hpaStart := time.Now()
	if out, err := l.kubectl(ctx, "apply", "-f", hpa); err != nil {
		t.Fatalf("kubectl apply hpa: %v\n%s", err, out)
	}
	eventuallyOK(t, 2*time.Minute, "the HPA brought the Deployment to its maxReplicas 5", func() string { return l.settled(ctx, 5) })
	hpaIn := time.Since(hpaStart)
	stopProbes()
	wg.Wait()
	end := time.Now()
	all := p.snapshot()
	faultsPhase, convPhase := outageIn(all, "http", faultsStart, convStart), outageIn(all, "http", convStart, end)
	windowsFailed := 0
	for _, r := range rows {
		windowsFailed += r.http.failed
	}
	if n := faultsPhase.failed - windowsFailed; n > 0 {
		t.Errorf("between the faults' windows (while the suite lists pods and objects) %d of %d requests failed", n, faultsPhase.sent)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "\n%-20s %13s %9s %13s %9s %10s %9s %5s %7s\n", "fault (kill -9)", "http fail/sent", "outage", "dns fail/sent", "outage", "restarted", "settled", "pods", "objects")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-20s %14s %9v %13s %9v %10v %9v %5v %7v\n", r.fault, fmt.Sprintf("%d/%d", r.http.failed, r.http.sent), r.http.outage.Round(time.Millisecond),
			fmt.Sprintf("%d/%d", r.dns.failed, r.dns.sent), r.dns.outage.Round(time.Millisecond), r.restartedIn.Round(100*time.Millisecond),
			r.settledIn.Round(100*time.Millisecond), okWord(r.podsOK), okWord(r.objsOK))
	}
	fmt.Fprintf(&b, "all faults: %d/%d requests failed; afterwards scale 4->6 in %v, HPA to maxReplicas 5 in %v: %d/%d requests failed, outage %v; test took %v\n",
		faultsPhase.failed, faultsPhase.sent, scaleIn.Round(100*time.Millisecond), hpaIn.Round(100*time.Millisecond),
		convPhase.failed, convPhase.sent, convPhase.outage.Round(time.Millisecond), time.Since(start).Round(time.Second))
	t.Log(b.String())
}

// otherLabs maps each lab prefix other than the chaos lab's to its node
// namespaces and bridge as they are now.
func otherLabs(ctx context.Context) map[string]string {
	out := map[string]string{}
	ns, _ := sh(ctx, "ip", "netns", "list")
	links, _ := sh(ctx, "ip", "-o", "link", "show", "type", "bridge")
	for _, line := range strings.Split(ns+links, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		name := strings.TrimSuffix(f[0], ":")
		if len(f) > 1 && strings.HasSuffix(f[0], ":") { // "7: mk8s0: <…>"
			name = strings.TrimSuffix(f[1], ":")
		}
		prefix, _, _ := strings.Cut(name, "-")
		prefix = strings.TrimSuffix(prefix, "0")
		if prefix == chaosPrefix || !strings.HasPrefix(prefix, "mk8") {
			continue
		}
		out[prefix] += name + " "
	}
	return out
}

// cmdlineOf is a process's command line, space-separated.
func cmdlineOf(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}

func okWord(ok bool) string {
	if ok {
		return "same"
	}
	return "CHANGED"
}

// killDNSContainer kills -9 (through the lab's own containerd) the
// container of one kube-dns pod and returns the pod's "namespace/name".
func (l *chaosLab) killDNSContainer(ctx context.Context, t *testing.T) string {
	t.Helper()
	pods, _, err := l.c.Pods("kube-system").List(ctx, mkclient.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods {
		if !strings.HasPrefix(p.Name, "kube-dns-") || len(p.Status.ContainerStatuses) == 0 {
			continue
		}
		id := strings.TrimPrefix(p.Status.ContainerStatuses[0].ContainerID, "containerd://")
		out, err := sh(ctx, "ctr", "--address", chaosContainerd, "-n", p.Spec.NodeName, "tasks", "kill", "-s", "SIGKILL", id)
		if err != nil {
			t.Fatalf("kill the DNS container %s of %s: %v\n%s", id, p.Name, err, out)
		}
		return p.Namespace + "/" + p.Name
	}
	t.Fatal("no kube-dns pod with a container")
	return ""
}

// chaosWebManifest is the chaos suites' workload: a Deployment of the test
// server (readiness probe every second) behind a ClusterIP Service, in chaosNS.
func chaosWebManifest(replicas int) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Namespace
metadata:
  name: %[1]s
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: %[1]s
spec:
  replicas: %[2]d
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: web
        image: docker.io/minik8s/testserver:latest
        imagePullPolicy: IfNotPresent
        ports: [{containerPort: 8080}]
        resources: {requests: {cpu: 50m}}
        readinessProbe:
          httpGet: {path: /healthz, port: 8080}
          periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: %[1]s
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`, chaosNS, replicas)
}

package integration

// High availability (docs/ha.md): three etcd members (Debian's etcd, TLS
// for clients and peers) and two apiservers on them. A writer creates
// ConfigMaps through a failover client while one etcd member and then one
// apiserver are stopped; every acknowledged write is present afterwards
// and writes go on after the faults. An informer's watch moves to the live
// apiserver. Two controller-manager-style electors share a Lease: the
// leader whose apiserver dies keeps leading through the other one; the
// leader that is killed is replaced within the lease duration.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/apiserver/storage"
	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/leaderelection"
	"minik8s/test/testpki"
)

// etcdMember is one running member of a test etcd cluster.
type etcdMember struct {
	name, clientURL string
	cmd             *exec.Cmd
	done            chan struct{}
}

// kill stops the member at once (SIGKILL), as a crash.
func (m *etcdMember) kill() {
	_ = m.cmd.Process.Kill()
	<-m.done
}

// startEtcdCluster runs a three-member etcd cluster on loopback with
// client-certificate auth for clients and peers (certificates of ca).
func startEtcdCluster(t *testing.T, ca *testpki.CA) []*etcdMember {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("etcd (Debian etcd-server, installed by make deps) is required in CI: %v", err)
		}
		t.Skipf("HA test skipped: no etcd binary (Debian's etcd-server: make deps): %v", err)
	}
	cert, key := ca.Issue(t, "kube-etcd", nil, "127.0.0.1", "localhost")
	members := make([]*etcdMember, 3)
	peers := make([]string, 3)
	ports := make([][2]int, 3)
	for i := range members {
		for j := range ports[i] {
			if ports[i][j], err = storage.FreePort(); err != nil {
				t.Fatal(err)
			}
		}
		members[i] = &etcdMember{name: fmt.Sprintf("m%d", i+1), clientURL: fmt.Sprintf("https://127.0.0.1:%d", ports[i][0]), done: make(chan struct{})}
		peers[i] = fmt.Sprintf("%s=https://127.0.0.1:%d", members[i].name, ports[i][1])
	}
	for i, m := range members {
		purl := fmt.Sprintf("https://127.0.0.1:%d", ports[i][1])
		m.cmd = exec.Command(bin, "--name", m.name, "--data-dir", t.TempDir(),
			"--listen-client-urls", m.clientURL, "--advertise-client-urls", m.clientURL,
			"--listen-peer-urls", purl, "--initial-advertise-peer-urls", purl,
			"--initial-cluster", strings.Join(peers, ","), "--initial-cluster-state", "new", "--initial-cluster-token", "ha-test",
			"--client-cert-auth", "--trusted-ca-file", ca.File, "--cert-file", cert, "--key-file", key,
			"--peer-client-cert-auth", "--peer-trusted-ca-file", ca.File, "--peer-cert-file", cert, "--peer-key-file", key,
			"--logger", "zap", "--log-level", "error", "--unsafe-no-fsync")
		if err := m.cmd.Start(); err != nil {
			t.Fatalf("starting etcd %s: %v", m.name, err)
		}
		go func(m *etcdMember) { _ = m.cmd.Wait(); close(m.done) }(m)
		t.Cleanup(func() {
			select {
			case <-m.done:
			default:
				m.kill()
			}
		})
	}
	cliCert, cliKey := ca.Issue(t, "kube-apiserver-etcd-client", nil)
	files := storage.TLSFiles{CAFile: ca.File, CertFile: cliCert, KeyFile: cliKey}
	for _, m := range members {
		deadline := time.Now().Add(30 * time.Second)
		for {
			st, err := storage.NewEtcdTLS([]string{m.clientURL}, files)
			if err == nil {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				_, err = st.Revision(ctx)
				cancel()
				st.Close()
			}
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("etcd member %s not serving: %v", m.name, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return members
}

// etcdForAPIServers starts a three-member etcd cluster and says how an
// apiserver (or another client) reaches it: its members' URLs and client
// certificate files.
func etcdForAPIServers(t *testing.T) ([]*etcdMember, []string, storage.TLSFiles) {
	ca := testpki.NewCA(t, "etcd")
	members := startEtcdCluster(t, ca)
	cliCert, cliKey := ca.Issue(t, "kube-apiserver-etcd-client", nil)
	var urls []string
	for _, m := range members {
		urls = append(urls, m.clientURL)
	}
	return members, urls, storage.TLSFiles{CAFile: ca.File, CertFile: cliCert, KeyFile: cliKey}
}

func TestHAControlPlane(t *testing.T) {
	members, urls, files := etcdForAPIServers(t)
	onCluster := func(o *apiserver.Options) {
		o.EtcdServers = urls
		o.EtcdCAFile, o.EtcdCertFile, o.EtcdKeyFile = files.CAFile, files.CertFile, files.KeyFile
	}
	ts1 := testserver.StartWithOptions(t, onCluster)
	ts2 := testserver.StartWithOptions(t, onCluster)
	newClient := func(servers ...string) *mkclient.Client {
		t.Helper()
		c, err := mkclient.New(&mkclient.Config{Server: servers[0], Servers: servers[1:], Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()

	// Electors: a leads (through ts1, failing over to ts2), b waits
	// (through ts2, failing over to ts1).
	const lease, retry = 3 * time.Second, 250 * time.Millisecond
	type elector struct {
		e      *leaderelection.Elector
		cancel context.CancelFunc
		done   chan struct{}
	}
	startElector := func(id string, c *mkclient.Client) *elector {
		e, err := leaderelection.New(leaderelection.Config{Client: c, Name: "ha-test", Identity: id,
			LeaseDuration: lease, RenewDeadline: 2 * time.Second, RetryPeriod: retry,
			OnStartedLeading: func(context.Context) {}, Logf: func(string, ...any) {}})
		if err != nil {
			t.Fatal(err)
		}
		ectx, ecancel := context.WithCancel(ctx)
		el := &elector{e: e, cancel: ecancel, done: make(chan struct{})}
		go func() { defer close(el.done); _ = e.Run(ectx) }()
		t.Cleanup(func() { ecancel(); <-el.done })
		return el
	}
	waitLeader := func(el *elector, within time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		for !el.e.IsLeader() {
			if time.Since(start) > within {
				t.Fatalf("no leadership within %v (leader %q)", within, el.e.Leader())
			}
			time.Sleep(20 * time.Millisecond)
		}
		return time.Since(start)
	}
	a := startElector("cm-a", newClient(ts1.URL, ts2.URL))
	waitLeader(a, 10*time.Second)
	b := startElector("cm-b", newClient(ts2.URL, ts1.URL))

	// An informer through the failover client (ts1 first).
	w := newClient(ts1.URL, ts2.URL)
	cmInfo, _ := api.ForResource("", "v1", "configmaps")
	inf := cache.NewFor(w, cmInfo, "default", 0)
	infCtx, infCancel := context.WithCancel(ctx)
	infDone := make(chan struct{})
	go func() { defer close(infDone); _ = inf.Run(infCtx) }()
	defer func() { infCancel(); <-infDone }()
	if !cache.WaitForCacheSync(ctx, inf.HasSynced) {
		t.Fatal("informer did not sync")
	}

	// The writer: ConfigMaps, one after another, until told to stop.
	var (
		mu               sync.Mutex
		acked            []string
		failed           int
		ackedAfterFaults atomic.Int32
		faultsDone       atomic.Bool
		stopWriting      = make(chan struct{})
		writerDone       = make(chan struct{})
		longestGap       time.Duration
		lastAck          = time.Now()
		writerErrs       []string
	)
	go func() {
		defer close(writerDone)
		cms := mkclient.Typed[*api.ConfigMap](w, "default")
		for i := 0; ; i++ {
			select {
			case <-stopWriting:
				return
			default:
			}
			name := fmt.Sprintf("ha-%04d", i)
			_, err := cms.Create(ctx, &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: name}, Data: map[string]string{"i": name}})
			mu.Lock()
			if err != nil {
				failed++
				if len(writerErrs) < 5 {
					writerErrs = append(writerErrs, err.Error())
				}
			} else {
				acked = append(acked, name)
				if gap := time.Since(lastAck); gap > longestGap {
					longestGap = gap
				}
				lastAck = time.Now()
				if faultsDone.Load() {
					ackedAfterFaults.Add(1)
				}
			}
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
		}
	}()
	ackedCount := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	waitAcked := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); ackedCount() < n; {
			if time.Now().After(deadline) {
				mu.Lock()
				defer mu.Unlock()
				t.Fatalf("only %d writes acknowledged (want %d); %d failed: %q", len(acked), n, failed, writerErrs)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitAcked(20)

	// Fault 1: an etcd member dies (the first of every apiserver's list).
	members[0].kill()
	waitAcked(ackedCount() + 20)

	// Fault 2: the apiserver of the writer, the informer and the leader
	// stops. The clients move to ts2; the leader keeps its lease.
	transitions := leaseTransitions(ctx, t, newClient(ts2.URL))
	stopped := time.Now()
	ts1.Stop()
	faultsDone.Store(true)
	waitAcked(ackedCount() + 20)
	t.Logf("writes go on %v after the apiserver stopped", time.Since(stopped).Round(time.Millisecond))
	time.Sleep(lease) // longer than a lease: a leader that lost it would show
	if !a.e.IsLeader() || b.e.IsLeader() {
		t.Errorf("after its apiserver stopped: a leads %v, b leads %v; want a to keep leading through ts2", a.e.IsLeader(), b.e.IsLeader())
	}
	if got := leaseTransitions(ctx, t, newClient(ts2.URL)); got != transitions {
		t.Errorf("lease transitions %d → %d while the leader failed over", transitions, got)
	}

	close(stopWriting)
	<-writerDone

	// Every acknowledged write is stored, and the informer (whose watch was
	// on ts1) saw them all through ts2.
	objs, _, err := newClient(ts2.URL).List(ctx, cmInfo, "default", mkclient.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, o := range objs {
		stored[o.GetObjectMeta().Name] = true
	}
	mu.Lock()
	var lost []string
	for _, n := range acked {
		if !stored[n] {
			lost = append(lost, n)
		}
	}
	t.Logf("writes: %d acknowledged, %d failed, longest gap between acknowledgements %v, %d after the faults; first errors %q",
		len(acked), failed, longestGap.Round(time.Millisecond), ackedAfterFaults.Load(), writerErrs)
	last := acked[len(acked)-1]
	mu.Unlock()
	if len(lost) > 0 {
		t.Errorf("%d acknowledged writes lost: %v", len(lost), lost)
	}
	if ackedAfterFaults.Load() < 20 {
		t.Errorf("only %d writes after the faults", ackedAfterFaults.Load())
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if _, ok := inf.Store().GetByName("default", last); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the informer never saw %s (its watch did not move to ts2)", last)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Fault 3: the leader is killed (it cannot release the lease): b leads
	// within the lease duration (plus its retry period).
	a.cancel()
	<-a.done
	took := waitLeader(b, lease+2*time.Second)
	t.Logf("leadership moved %v after the leader was killed (lease %v)", took.Round(time.Millisecond), lease)
	// Kubernetes' bound: the lease from the last renewal the candidate
	// saw (up to a retry period late), then its next retry; 0.5 s slack
	// for a loaded machine.
	if bound := lease + 2*retry + 500*time.Millisecond; took > bound {
		t.Errorf("leadership moved after %v, want within the lease duration %v + 2 retry periods (%v)", took, lease, bound)
	}
}

// leaseTransitions is the ha-test Lease's leaseTransitions.
func leaseTransitions(ctx context.Context, t *testing.T, c *mkclient.Client) int32 {
	t.Helper()
	l, err := mkclient.Typed[*api.Lease](c, "kube-system").Get(ctx, "ha-test")
	if err != nil {
		t.Fatal(err)
	}
	if l.Spec.LeaseTransitions == nil {
		return 0
	}
	return *l.Spec.LeaseTransitions
}

// TestHAKubernetesServiceEndpoints: two apiservers on one etcd cluster
// keep the `kubernetes` Service's endpoints together, from their leases
// (Kubernetes' lease endpoint reconciler): both are listed and the
// Endpoints stop changing (before, each put back its own address every
// interval); a crashed apiserver, whose lease is not renewed, drops out
// when its lease expires; one that stops cleanly drops out at once, its
// port's slice deleted.
func TestHAKubernetesServiceEndpoints(t *testing.T) {
	_, urls, files := etcdForAPIServers(t)
	const interval = 300 * time.Millisecond
	onCluster := func(o *apiserver.Options) {
		o.EtcdServers = urls
		o.EtcdCAFile, o.EtcdCertFile, o.EtcdKeyFile = files.CAFile, files.CertFile, files.KeyFile
		o.KubernetesServiceInterval = interval
	}
	ts1 := testserver.StartWithOptions(t, onCluster)
	ts2 := testserver.StartWithOptions(t, onCluster)
	c, err := mkclient.New(&mkclient.Config{Server: ts1.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	port := func(ts *testserver.TestServer) int32 { return int32(ts.Options.Port) }
	p1, p2 := port(ts1), port(ts2)
	// subsets renders the Endpoints as "ip:port ip:port", sorted as written.
	subsets := func() (string, string) {
		ep, err := mkclient.Typed[*api.Endpoints](c, "default").Get(ctx, "kubernetes")
		if err != nil {
			return "error: " + err.Error(), ""
		}
		var out []string
		for _, s := range ep.Subsets {
			for _, a := range s.Addresses {
				out = append(out, fmt.Sprintf("%s:%d", a.IP, s.Ports[0].Port))
			}
		}
		return strings.Join(out, " "), ep.ResourceVersion
	}
	waitFor := func(what, want string, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			got, _ := subsets()
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: endpoints %q after %v, want %q", what, got, within, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	lo, hi := min(p1, p2), max(p1, p2)
	both := fmt.Sprintf("127.0.0.1:%d 127.0.0.1:%d", lo, hi)
	waitFor("two apiservers", both, 10*time.Second)

	// Stable: ten intervals without a write.
	_, rv := subsets()
	time.Sleep(10 * interval)
	if got, rv2 := subsets(); got != both || rv2 != rv {
		t.Errorf("the endpoints changed with nothing else changing: %q rv %s → %q rv %s", both, rv, got, rv2)
	}
	sliceNames := func() []string {
		sl, _, err := mkclient.Typed[*api.EndpointSlice](c, "default").List(ctx, mkclient.ListOptions{LabelSelector: "kubernetes.io/service-name=kubernetes"})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range sl {
			names = append(names, s.Name)
		}
		return names
	}
	if got, want := strings.Join(sliceNames(), " "), fmt.Sprintf("kubernetes kubernetes-%d", hi); got != want {
		t.Errorf("slices %q, want %q", got, want)
	}

	// A crashed apiserver elsewhere: its lease (1 s) is never renewed.
	et, err := storage.NewEtcdTLS(urls, files)
	if err != nil {
		t.Fatal(err)
	}
	defer et.Close()
	ghost := fmt.Sprintf("10.9.9.9:%d", lo)
	if err := et.PutTTL(ctx, "/registry/masterleases/"+ghost, []byte(ghost), time.Second); err != nil {
		t.Fatal(err)
	}
	waitFor("a crashed apiserver's lease, while it lasts", fmt.Sprintf("10.9.9.9:%d 127.0.0.1:%d 127.0.0.1:%d", lo, lo, hi), 5*time.Second)
	waitFor("the crashed apiserver's lease expired", both, 10*time.Second)

	// A clean stop: gone at once, well before its 15 s lease would expire.
	stopped := time.Now()
	ts2.Stop()
	waitFor("the second apiserver stopped", fmt.Sprintf("127.0.0.1:%d", p1), 3*time.Second)
	t.Logf("endpoints without the stopped apiserver %v after its stop", time.Since(stopped).Round(time.Millisecond))
	deadline := time.Now().Add(5 * time.Second)
	for got := sliceNames(); !slices.Equal(got, []string{"kubernetes"}); got = sliceNames() {
		if time.Now().After(deadline) {
			t.Fatalf("slices %v, want only kubernetes", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if sl, err := mkclient.Typed[*api.EndpointSlice](c, "default").Get(ctx, "kubernetes"); err != nil || *sl.Ports[0].Port != p1 {
		t.Errorf("the kubernetes slice: %v %v", sl, err)
	}
}

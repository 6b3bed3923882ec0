// Command bench measures the apiserver and prints one named figure per line
// (`make bench`): pod creates per second (sequential and 16 concurrent
// clients) against raw etcd puts per second through the same etcd client in
// the same run, watch event latency (p50/p99) with 1 and 100 watchers, the
// same create rate and watch latency over TLS with a client certificate and
// authorization against the plain server, in alternating rounds
// (test/bench/secure.go), what slow and stuck clients cost
// (test/bench/limits.go), and
// scheduler throughput (test/bench/scheduler.go).
//
// Everything runs on 127.0.0.1 against an apiserver with its embedded etcd
// in a temporary directory; every loop is bounded in count and time.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"minik8s/apiserver"
	"minik8s/apiserver/storage"
)

func main() {
	creates := flag.Int("creates", 1000, "objects created per throughput run")
	concurrency := flag.Int("concurrency", 16, "concurrent clients of the concurrent runs")
	events := flag.Int("events", 200, "events measured per watch latency run")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*creates, *concurrency, *events); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

var (
	limits     = flag.Bool("limits", true, "measure what slow and stuck clients cost (test/bench/limits.go)")
	limitsOnly = flag.Bool("limits-only", false, "run only the limits figures")
)

func run(creates, concurrency, events int) error {
	dir, err := os.MkdirTemp("", "minik8s-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	opts := apiserver.DefaultOptions()
	opts.Port = 0
	opts.DataDir = dir
	opts.EtcdLogLevel = "error"
	opts.CompactionInterval = 0
	opts.InsecureServing = true // the plain figures; TLS ones: testserver.StartTLS
	srv, err := apiserver.NewServer(opts)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	select {
	case <-srv.Ready():
	case err := <-done:
		return fmt.Errorf("apiserver: %w", err)
	case <-time.After(60 * time.Second):
		return fmt.Errorf("apiserver not ready after 60s")
	}
	defer func() { cancel(); <-done }()
	etcd, ok := srv.Store().(*storage.Etcd)
	if !ok {
		return fmt.Errorf("store is %T, not etcd", srv.Store())
	}
	base := "http://" + srv.Addr()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second}

	if *limitsOnly {
		return limitsRun(ctx, srv, hc, base)
	}
	body := podJSON("probe")
	fmt.Printf("# %d objects per run, pod body %d bytes, etcd with fsync in %s\n", creates, len(body), dir)
	for _, c := range []int{1, concurrency} {
		raw, err := rate(creates, c, func(i int) error {
			_, err := etcd.Client().Put(ctx, fmt.Sprintf("/bench/raw/%d/%d", c, i), string(body))
			return err
		})
		if err != nil {
			return fmt.Errorf("raw etcd puts: %w", err)
		}
		ns := fmt.Sprintf("bench-%d", c)
		if err := post(hc, base+"/api/v1/namespaces", []byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"`+ns+`"}}`)); err != nil {
			return err
		}
		api, err := rate(creates, c, func(i int) error {
			return post(hc, base+"/api/v1/namespaces/"+ns+"/pods", podJSON(fmt.Sprintf("p%d", i)))
		})
		if err != nil {
			return fmt.Errorf("apiserver creates: %w", err)
		}
		mode := "sequential"
		if c > 1 {
			mode = fmt.Sprintf("concurrent%d", c)
		}
		fmt.Printf("raw_etcd_puts_per_sec{%s} %.0f\n", mode, raw)
		fmt.Printf("apiserver_pod_creates_per_sec{%s} %.0f\n", mode, api)
		fmt.Printf("apiserver_vs_raw_etcd_ratio{%s} %.2f (target >= 0.50)\n", mode, api/raw)
	}

	if err := contendedPatches(hc, base, concurrency, 400); err != nil {
		return err
	}
	if err := pagedList(hc, base+"/api/v1/namespaces/bench-1/pods", creates); err != nil {
		return err
	}

	for _, watchers := range []int{1, 100} {
		p50, p99, n, err := watchLatency(ctx, hc, base, watchers, events)
		if err != nil {
			return fmt.Errorf("watch latency with %d watchers: %w", watchers, err)
		}
		fmt.Printf("watch_latency_ms{watchers=%d,quantile=0.5} %.2f\n", watchers, ms(p50))
		fmt.Printf("watch_latency_ms{watchers=%d,quantile=0.99} %.2f (target < 50; %d samples)\n", watchers, ms(p99), n)
	}
	if *limits {
		if err := limitsRun(ctx, srv, hc, base); err != nil {
			return fmt.Errorf("limits: %w", err)
		}
	}
	if err := secureRun(ctx, creates, concurrency, events, target{hc, base}); err != nil {
		return fmt.Errorf("TLS run: %w", err)
	}
	if err := schedulerThroughput(ctx, base, []int{100, 1000}, *schedPods, concurrency); err != nil {
		return fmt.Errorf("scheduler throughput: %w", err)
	}
	return nil
}

// contendedPatches has c clients merge-patch one pod n times in all (one
// annotation each, no resourceVersion) and prints the rate and the 409s
// (Kubernetes retries such writes server-side: the target is none).
func contendedPatches(hc *http.Client, base string, c, n int) error {
	pods := base + "/api/v1/namespaces/bench-1/pods"
	if err := post(hc, pods, podJSON("hot")); err != nil {
		return err
	}
	var conflicts atomic.Int64
	r, err := rate(n, c, func(i int) error {
		req, _ := http.NewRequest(http.MethodPatch, pods+"/hot", strings.NewReader(fmt.Sprintf(`{"metadata":{"annotations":{"a%d":"x"}}}`, i)))
		req.Header.Set("Content-Type", "application/merge-patch+json")
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		switch resp.StatusCode {
		case http.StatusOK:
		case http.StatusConflict:
			conflicts.Add(1)
		default:
			return fmt.Errorf("PATCH: %s: %s", resp.Status, b)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("contended patches: %w", err)
	}
	fmt.Printf("apiserver_contended_patches_per_sec{clients=%d} %.0f\n", c, r)
	fmt.Printf("apiserver_contended_patch_conflicts{clients=%d} %d of %d (target 0)\n", c, conflicts.Load(), n)
	return nil
}

// pagedList times a full list of url in pages of 500, as kubectl reads it.
func pagedList(hc *http.Client, url string, items int) error {
	start := time.Now()
	got, pages, cont := 0, 0, ""
	for {
		u := url + "?limit=500"
		if cont != "" {
			u += "&continue=" + cont
		}
		resp, err := hc.Get(u)
		if err != nil {
			return err
		}
		var l struct {
			Metadata struct {
				Continue string `json:"continue"`
			} `json:"metadata"`
			Items []json.RawMessage `json:"items"`
		}
		err = json.NewDecoder(resp.Body).Decode(&l)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("paged list: %w", err)
		}
		got += len(l.Items)
		pages++
		if cont = l.Metadata.Continue; cont == "" || pages > items {
			break
		}
	}
	fmt.Printf("apiserver_paged_list_ms{items=%d,limit=500} %.2f (%d items in %d pages)\n", items, ms(time.Since(start)), got, pages)
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// rate runs fn n times on c workers and returns calls per second.
func rate(n, c int, fn func(i int) error) (float64, error) {
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds(), firstErr
}

func podJSON(name string) []byte {
	b, _ := json.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": name, "labels": map[string]string{"app": "bench", "tier": "web"}},
		"spec": map[string]any{"containers": []map[string]any{{
			"name": "main", "image": "minik8s/testserver:latest",
			"ports":     []map[string]any{{"containerPort": 8080}},
			"resources": map[string]any{"requests": map[string]string{"cpu": "100m", "memory": "64Mi"}},
		}}},
	})
	return b
}

func post(hc *http.Client, url string, body []byte) error {
	resp, err := hc.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST %s: %s: %s", url, resp.Status, b)
	}
	return nil
}

// watchLatency opens `watchers` watches on a fresh namespace, creates
// `events` pods one by one (each stamped with its send time in an
// annotation), and measures send-to-receive time at every watcher.
var watchRuns atomic.Int64 // each run watches a namespace of its own

func watchLatency(ctx context.Context, hc *http.Client, base string, watchers, events int) (p50, p99 time.Duration, n int, err error) {
	ns := fmt.Sprintf("watch-%d-%d", watchers, watchRuns.Add(1))
	if err := post(hc, base+"/api/v1/namespaces", []byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"`+ns+`"}}`)); err != nil {
		return 0, 0, 0, err
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	ready := make(chan struct{}, watchers)
	wc := &http.Client{Transport: watchTransport(hc, watchers+1)}
	for w := 0; w < watchers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(wctx, "GET", base+"/api/v1/namespaces/"+ns+"/pods?watch=true&resourceVersion=0", nil)
			resp, err := wc.Do(req)
			if err != nil {
				ready <- struct{}{}
				return
			}
			defer resp.Body.Close()
			ready <- struct{}{}
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			got := 0
			for sc.Scan() {
				now := time.Now()
				var ev struct {
					Type   string
					Object struct {
						Metadata struct{ Annotations map[string]string }
					}
				}
				if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Type != "ADDED" {
					continue
				}
				sent, err := strconv.ParseInt(ev.Object.Metadata.Annotations["bench/sent-unix-nano"], 10, 64)
				if err != nil {
					continue
				}
				mu.Lock()
				lat = append(lat, now.Sub(time.Unix(0, sent)))
				mu.Unlock()
				if got++; got == events {
					return
				}
			}
		}()
	}
	for w := 0; w < watchers; w++ {
		<-ready
	}
	time.Sleep(200 * time.Millisecond) // every watch is registered in etcd
	for i := 0; i < events; i++ {
		b, _ := json.Marshal(map[string]any{
			"apiVersion": "v1", "kind": "Pod",
			"metadata": map[string]any{"name": fmt.Sprintf("w%d", i),
				"annotations": map[string]string{"bench/sent-unix-nano": strconv.FormatInt(time.Now().UnixNano(), 10)}},
			"spec": map[string]any{"containers": []map[string]any{{"name": "main", "image": "minik8s/testserver:latest"}}},
		})
		if err := post(hc, base+"/api/v1/namespaces/"+ns+"/pods", b); err != nil {
			cancel()
			wg.Wait()
			return 0, 0, 0, err
		}
		time.Sleep(5 * time.Millisecond) // paced: latency, not throughput
	}
	wg.Wait()
	if len(lat) < watchers*events {
		return 0, 0, len(lat), fmt.Errorf("got %d of %d events", len(lat), watchers*events)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	return q(0.5), q(0.99), len(lat), nil
}

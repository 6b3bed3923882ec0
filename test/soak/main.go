// Command soak runs a bounded mix of API work against a running minik8s
// lab and watches its processes' memory and open files for growth
// (`make soak`; docs/soak.md):
//
//	go run ./test/soak -duration 1h -interval 1m
//
// It creates, updates and deletes ConfigMaps, scales and rolls out a
// Deployment of the tools image (pod churn), opens and closes watches and
// creates and deletes short-lived namespaces, all in namespaces soak-*,
// which it deletes at the end. Every interval it records each lab
// process's VmRSS and open fd count (from the lab's pid files), prints a
// row, and at the end judges each series (judge.go) and exits non-zero if
// something grows without bound, a process died or restarted, or the
// workload failed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	mkclient "minik8s/pkg/client"
)

const (
	rssSlackKB   = 4 * 1024 // RSS: 4 MiB of slack
	fdSlack      = 8
	maxErrorRate = 0.01
)

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		fmt.Fprintf(os.Stderr, "soak: %s=%q is not a duration (e.g. 10m, 1h)\n", key, v)
		os.Exit(2)
	}
	return d
}

func main() {
	state := envOr("MINIK8S_STATE", "/var/lib/minik8s")
	duration := flag.Duration("duration", envDuration("SOAK_DURATION", time.Hour), "how long the mix runs ($SOAK_DURATION)")
	interval := flag.Duration("interval", envDuration("SOAK_INTERVAL", time.Minute), "time between samples ($SOAK_INTERVAL)")
	kubeconfig := flag.String("kubeconfig", envOr("SOAK_KUBECONFIG", filepath.Join(state, "admin.kubeconfig")), "admin kubeconfig of the lab ($SOAK_KUBECONFIG, default $MINIK8S_STATE/admin.kubeconfig)")
	runDir := flag.String("run-dir", filepath.Join(state, "run"), "the lab's pid files ($MINIK8S_STATE/run)")
	image := flag.String("image", "docker.io/minik8s/tools:latest", "image of the churned pods")
	flag.Parse()
	if err := validate(*duration, *interval); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ok, err := run(ctx, *duration, *interval, *kubeconfig, *runDir, *image)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
	if !ok {
		fmt.Println("soak: FAIL")
		os.Exit(1)
	}
	fmt.Println("soak: PASS")
}

// validate bounds the run: at least 2 samples, at most a day.
func validate(duration, interval time.Duration) error {
	switch {
	case interval < 5*time.Second:
		return fmt.Errorf("interval %s is below 5s", interval)
	case duration < interval:
		return fmt.Errorf("duration %s is shorter than the interval %s", duration, interval)
	case duration > 24*time.Hour:
		return fmt.Errorf("duration %s is over 24h", duration)
	}
	return nil
}

// series is one component's samples.
type series struct {
	Component
	firstPID int
	rss, fds []float64
	problem  string // died, restarted or unreadable
}

func run(ctx context.Context, duration, interval time.Duration, kubeconfig, runDir, image string) (bool, error) {
	cfg, err := mkclient.LoadConfig(mkclient.LoadOptions{Kubeconfig: kubeconfig})
	if err != nil {
		return false, err
	}
	cfg.Timeout, cfg.UserAgent = 30*time.Second, "minik8s-soak"
	c, err := mkclient.New(cfg)
	if err != nil {
		return false, err
	}
	comps, err := components(runDir)
	if err != nil {
		return false, err
	}
	// Leftovers of an interrupted run go first.
	if n, err := cleanup(ctx, c, 3*time.Minute); err != nil {
		return false, fmt.Errorf("removing an earlier run's namespaces: %w", err)
	} else if n > 0 {
		fmt.Printf("soak: removed %d namespace(s) left by an earlier run\n", n)
	}
	w := &workload{c: c, ns: fmt.Sprintf("%s%d", nsPrefix, time.Now().Unix()), image: image, counts: newCounts()}
	if err := w.setup(ctx); err != nil {
		cctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		if _, cerr := cleanup(cctx, c, 3*time.Minute); cerr != nil {
			err = errors.Join(err, cerr)
		}
		return false, err
	}
	var names []string
	all := make([]*series, len(comps))
	for i, comp := range comps {
		all[i] = &series{Component: comp}
		names = append(names, comp.Name)
	}
	fmt.Printf("soak: %s against %s in namespace %s, a sample every %s of: %s\n",
		duration, cfg.Server, w.ns, interval, strings.Join(names, " "))
	if !hasEtcd(comps) {
		fmt.Println("soak: etcd is embedded: its memory and files are the apiserver's")
	}
	fmt.Println("soak: each cell is RSS MiB / open fds")
	header(all)

	wctx, cancelWork := context.WithTimeout(ctx, duration)
	defer cancelWork()
	workDone := make(chan struct{})
	go func() { defer close(workDone); w.run(wctx) }()

	start := time.Now()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		row(ctx, c, w.ns, all, time.Since(start))
		if time.Since(start) >= duration-interval/2 || wctx.Err() != nil {
			break
		}
		select {
		case <-tick.C:
		case <-wctx.Done():
		}
	}
	cancelWork()
	<-workDone
	interrupted := ctx.Err() != nil

	// Clean up whatever happens (a fresh context: ours may be cancelled).
	cctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cleanStart := time.Now()
	n, cleanErr := cleanup(cctx, c, 3*time.Minute)
	fmt.Printf("soak: deleted %d soak-* namespace(s) in %s\n", n, time.Since(cleanStart).Round(time.Second))

	summary, total, failed := w.counts.summary()
	fmt.Printf("\nworkload: %d operations, %d failed\n%s", total, failed, summary)
	ok := report(all)
	if cleanErr != nil {
		fmt.Println("soak: cleanup:", cleanErr)
		ok = false
	}
	if total == 0 || float64(failed) > maxErrorRate*float64(total) {
		fmt.Printf("soak: %d of %d operations failed (more than %.0f%%)\n", failed, total, 100*maxErrorRate)
		ok = false
	}
	if interrupted {
		return false, errors.New("interrupted")
	}
	return ok, nil
}

func hasEtcd(comps []Component) bool {
	for _, c := range comps {
		if strings.HasPrefix(c.Name, "etcd") {
			return true
		}
	}
	return false
}

func width(name string) int { return max(len(name), 11) + 2 }

func header(all []*series) {
	var b strings.Builder
	fmt.Fprintf(&b, "%6s %5s", "MIN", "PODS")
	for _, s := range all {
		fmt.Fprintf(&b, "%*s", width(s.Name), s.Name)
	}
	fmt.Println(b.String())
}

// row samples every component and prints one line.
func row(ctx context.Context, c *mkclient.Client, ns string, all []*series, since time.Duration) {
	var b strings.Builder
	pods := "?"
	if ps, _, err := c.Pods(ns).List(ctx, mkclient.ListOptions{}); err == nil {
		pods = fmt.Sprint(len(ps))
	}
	fmt.Fprintf(&b, "%6.1f %5s", since.Minutes(), pods)
	for _, s := range all {
		sm := sample(s.Component)
		cell := "-"
		switch {
		case sm.Err != nil:
			if s.problem == "" {
				s.problem = fmt.Sprintf("gone at %.1f min: %v", since.Minutes(), sm.Err)
			}
		case s.firstPID != 0 && sm.PID != s.firstPID:
			if s.problem == "" {
				s.problem = fmt.Sprintf("restarted at %.1f min (pid %d, then %d)", since.Minutes(), s.firstPID, sm.PID)
			}
		default:
			s.firstPID = sm.PID
			s.rss = append(s.rss, float64(sm.RSSKB))
			s.fds = append(s.fds, float64(sm.FDs))
			cell = fmt.Sprintf("%.1f/%d", float64(sm.RSSKB)/1024, sm.FDs)
		}
		fmt.Fprintf(&b, "%*s", width(s.Name), cell)
	}
	fmt.Println(b.String())
}

// report prints the verdict per process; false if any fails.
func report(all []*series) bool {
	fmt.Println("\nverdict (second half of the run; a series grows when its trend and its last quarter both exceed their bounds):")
	ok := true
	for _, s := range all {
		if s.problem != "" {
			fmt.Printf("  %-22s FAIL %s\n", s.Name, s.problem)
			ok = false
			continue
		}
		rssKB := make([]float64, len(s.rss))
		copy(rssKB, s.rss)
		for _, m := range []struct {
			what    string
			samples []float64
			slack   float64
		}{
			{"RSS MiB", toMiB(rssKB), rssSlackKB / 1024},
			{"fds", s.fds, fdSlack},
		} {
			v := Judge(m.samples, m.slack)
			word := "ok"
			switch {
			case !v.Judged:
				word = "n/a"
			case v.Grows:
				word, ok = "GROWS", false
			}
			fmt.Printf("  %-22s %-7s %-5s %s\n", s.Name, m.what, word, v.Reason)
		}
	}
	return ok
}

func toMiB(kb []float64) []float64 {
	out := make([]float64, len(kb))
	for i, v := range kb {
		out[i] = v / 1024
	}
	return out
}

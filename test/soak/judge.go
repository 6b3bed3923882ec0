package main

import (
	"bufio"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Growth judgement. A process is judged on the second half of the run
// only (the first half warms caches up). It "grows" when both rules fail:
//
//   - slope: the least-squares slope over the second half, extrapolated
//     over the whole run's length, exceeds 20% of the second half's mean
//     plus a slack;
//   - quarters: the last quarter's maximum exceeds the second quarter's
//     maximum × 1.2 plus the slack.
//
// Either rule alone would flag a garbage collector's saw-tooth ending on
// a high tooth; growth without bound fails both.
const (
	slopeFraction = 0.20
	quarterFactor = 1.2
	minSamples    = 8
)

// Verdict is the judgement of one series.
type Verdict struct {
	Grows  bool
	Judged bool   // false: too few samples
	Reason string // the figures behind the verdict
}

// Judge judges samples taken at equal intervals; slack is in their unit.
func Judge(samples []float64, slack float64) Verdict {
	n := len(samples)
	if n < minSamples {
		return Verdict{Reason: fmt.Sprintf("%d samples, %d needed to judge", n, minSamples)}
	}
	half := samples[n/2:]
	slope := Slope(half)
	growth := slope * float64(n-1) // over the whole run's length
	mean := Mean(half)
	slopeBound := slopeFraction*mean + slack
	q2 := Max(samples[n/4 : n/2])
	q4 := Max(samples[3*n/4:])
	quarterBound := quarterFactor*q2 + slack
	slopeOK, quarterOK := growth <= slopeBound, q4 <= quarterBound
	v := Verdict{Judged: true, Grows: !slopeOK && !quarterOK}
	v.Reason = fmt.Sprintf("2nd-half trend %+.1f/run (bound %.1f), last-quarter max %.1f (bound %.1f)",
		growth, slopeBound, q4, quarterBound)
	return v
}

// Slope is the least-squares slope of ys over x = 0, 1, 2, ...
func Slope(ys []float64) float64 {
	n := float64(len(ys))
	if n < 2 {
		return 0
	}
	mx := (n - 1) / 2
	my := Mean(ys)
	var num, den float64
	for i, y := range ys {
		dx := float64(i) - mx
		num += dx * (y - my)
		den += dx * dx
	}
	return num / den
}

// Mean is the arithmetic mean (0 for none).
func Mean(ys []float64) float64 {
	if len(ys) == 0 {
		return 0
	}
	var s float64
	for _, y := range ys {
		s += y
	}
	return s / float64(len(ys))
}

// Max is the largest value (0 for none).
func Max(ys []float64) float64 {
	var m float64
	for i, y := range ys {
		if i == 0 || y > m {
			m = y
		}
	}
	return m
}

// ParseVmRSS reads VmRSS (in KiB) from a /proc/PID/status text.
func ParseVmRSS(status string) (int64, error) {
	sc := bufio.NewScanner(strings.NewReader(status))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != "VmRSS" {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("malformed VmRSS line %q", sc.Text())
		}
		return strconv.ParseInt(f[0], 10, 64)
	}
	return 0, fmt.Errorf("no VmRSS in status (a kernel thread, or a zombie)")
}

// Component is a control-plane process the soak watches, from its pid file.
type Component struct {
	Name    string // apiserver, etcd-1, kubelet-mk8s-node1, ...
	PIDFile string
}

// watched are the pid file prefixes of the processes the soak samples
// (containerd is shared with other labs and is not minik8s's).
var watched = []string{"apiserver", "etcd", "controller-manager", "scheduler", "kubelet", "kubeproxy"}

// SelectComponents picks the watched processes among pid file names
// (<name>.pid), in a stable order: control plane first, then per node.
func SelectComponents(files []string) []Component {
	var out []Component
	for _, f := range files {
		base := f
		if i := strings.LastIndex(f, "/"); i >= 0 {
			base = f[i+1:]
		}
		name, ok := strings.CutSuffix(base, ".pid")
		if !ok || name == "" {
			continue
		}
		for _, w := range watched {
			if name == w || strings.HasPrefix(name, w+"-") {
				out = append(out, Component{Name: name, PIDFile: f})
				break
			}
		}
	}
	rank := func(name string) int {
		for i, w := range watched {
			if name == w || strings.HasPrefix(name, w+"-") {
				return i
			}
		}
		return len(watched)
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := rank(out[i].Name), rank(out[j].Name)
		if ri != rj {
			return ri < rj
		}
		return out[i].Name < out[j].Name
	})
	return out
}

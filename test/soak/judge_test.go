package main

import (
	"math"
	"strings"
	"testing"
)

func TestJudge(t *testing.T) {
	flat := []float64{100, 120, 118, 121, 119, 120, 122, 119, 121, 120, 120}
	linear := make([]float64, 11) // 100 MiB → 200 MiB over the run: a leak
	for i := range linear {
		linear[i] = 100 + 10*float64(i)
	}
	sawtooth := []float64{100, 130, 110, 140, 112, 138, 111, 141, 113, 139, 142} // GC: bounded, ends high
	warmup := []float64{50, 80, 100, 110, 115, 116, 116, 117, 116, 117, 117}     // grows then levels off
	fds := []float64{40, 41, 40, 42, 41, 40, 43, 41, 40, 42, 44}                 // a few fds up and down
	fdLeak := []float64{40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90}
	late := []float64{100, 100, 100, 100, 100, 100, 100, 100, 150, 180, 220} // takes off at the end
	for _, tc := range []struct {
		name    string
		samples []float64
		slack   float64
		grows   bool
		judged  bool
	}{
		{"flat", flat, 4, false, true},
		{"linear leak", linear, 4, true, true},
		{"GC saw-tooth", sawtooth, 4, false, true},
		{"warm-up then level", warmup, 4, false, true},
		{"fds jitter", fds, 8, false, true},
		{"fd leak", fdLeak, 8, true, true},
		{"late take-off", late, 4, true, true},
		{"one spike late (last quarter over, trend flat)", []float64{100, 100, 100, 100, 100, 100, 100, 100, 130, 100, 100}, 4, false, true},
		{"too short", []float64{1, 2, 3, 4, 5, 6, 7}, 4, false, false},
	} {
		v := Judge(tc.samples, tc.slack)
		t.Logf("%s: grows=%v %s", tc.name, v.Grows, v.Reason)
		if v.Grows != tc.grows || v.Judged != tc.judged || v.Reason == "" {
			t.Errorf("%s: Judge = %+v, want grows=%v judged=%v", tc.name, v, tc.grows, tc.judged)
		}
	}
}

func TestSlopeMeanMax(t *testing.T) {
	for _, tc := range []struct {
		ys              []float64
		slope, mean, mx float64
	}{
		{[]float64{1, 2, 3, 4}, 1, 2.5, 4},
		{[]float64{5, 5, 5}, 0, 5, 5},
		{[]float64{4, 2, 0}, -2, 2, 4},
		{[]float64{7}, 0, 7, 7},
		{nil, 0, 0, 0},
	} {
		if s := Slope(tc.ys); math.Abs(s-tc.slope) > 1e-9 {
			t.Errorf("Slope(%v) = %v, want %v", tc.ys, s, tc.slope)
		}
		if m := Mean(tc.ys); m != tc.mean {
			t.Errorf("Mean(%v) = %v, want %v", tc.ys, m, tc.mean)
		}
		if m := Max(tc.ys); m != tc.mx {
			t.Errorf("Max(%v) = %v, want %v", tc.ys, m, tc.mx)
		}
	}
}

func TestParseVmRSS(t *testing.T) {
	status := "Name:\tminik8s\nVmPeak:\t 2000000 kB\nVmRSS:\t   81234 kB\nRssAnon:\t   60000 kB\n"
	if got, err := ParseVmRSS(status); err != nil || got != 81234 {
		t.Errorf("ParseVmRSS = %d, %v; want 81234", got, err)
	}
	if _, err := ParseVmRSS("Name:\tkthreadd\nState:\tS (sleeping)\n"); err == nil || !strings.Contains(err.Error(), "no VmRSS") {
		t.Errorf("kernel thread: error = %v", err)
	}
	if _, err := ParseVmRSS("VmRSS:\t12 MB\n"); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Errorf("bad unit: error = %v", err)
	}
}

func TestSelectComponents(t *testing.T) {
	files := []string{
		"/s/run/kubelet-mk8s-node2.pid", "/s/run/containerd.pid", "/s/run/scheduler.pid",
		"/s/run/kubelet-mk8s-node1.pid", "/s/run/apiserver.pid", "/s/run/controller-manager.pid",
		"/s/run/kubeproxy-mk8s-node1.pid", "/s/run/etcd-2.pid", "/s/run/etcd-1.pid", "/s/run/notes.txt",
		"/s/run/apiserver-2.pid", "/s/run/kubeletx.pid",
	}
	var got []string
	for _, c := range SelectComponents(files) {
		got = append(got, c.Name)
	}
	want := "apiserver,apiserver-2,etcd-1,etcd-2,controller-manager,scheduler,kubelet-mk8s-node1,kubelet-mk8s-node2,kubeproxy-mk8s-node1"
	if strings.Join(got, ",") != want {
		t.Errorf("SelectComponents = %v, want %s", got, want)
	}
}

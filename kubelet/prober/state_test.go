package prober

import (
	"testing"
	"time"

	"minik8s/pkg/api"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func runningStatus(id string, started bool, startedAt time.Time) *api.ContainerStatus {
	return &api.ContainerStatus{Name: "c", ContainerID: id, Started: &started,
		State: api.ContainerState{Running: &api.ContainerStateRunning{StartedAt: api.NewTime(startedAt)}}}
}

func TestDecide(t *testing.T) {
	exitedStatus := &api.ContainerStatus{Name: "c", ContainerID: "containerd://a",
		State: api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: 1}}}
	tests := []struct {
		name  string
		s     state
		typ   Type
		p     api.Probe
		o     observation
		want  decision
		wantS state
	}{
		{name: "no container yet: wait", typ: Readiness, o: observation{Now: t0}},
		{name: "new container: reset, probe", typ: Readiness,
			o:    observation{Status: runningStatus("containerd://a", true, t0.Add(-time.Minute)), Now: t0},
			want: decision{Reset: true, Probe: true}, wantS: state{containerID: "containerd://a"}},
		// Kubernetes' kubelet-restart rule: a container running since before
		// the kubelet started (more than 10 s) gets no initial result.
		{name: "new to a restarted kubelet, running since before it: adopted", typ: Readiness,
			o:    observation{Status: runningStatus("containerd://a", true, t0.Add(-time.Minute)), Now: t0, KubeletStart: t0.Add(-5 * time.Second)},
			want: decision{Reset: true, Adopted: true, Probe: true}, wantS: state{containerID: "containerd://a"}},
		{name: "started within the grace before the kubelet: not adopted", typ: Readiness,
			o:    observation{Status: runningStatus("containerd://a", true, t0.Add(-14*time.Second)), Now: t0, KubeletStart: t0.Add(-5 * time.Second)},
			want: decision{Reset: true, Probe: true}, wantS: state{containerID: "containerd://a"}},
		{name: "initial delay not over", typ: Liveness, s: state{containerID: "containerd://a"},
			p:     api.Probe{InitialDelaySeconds: 10},
			o:     observation{Status: runningStatus("containerd://a", true, t0.Add(-9*time.Second)), Now: t0},
			wantS: state{containerID: "containerd://a"}},
		{name: "initial delay over", typ: Liveness, s: state{containerID: "containerd://a"},
			p:    api.Probe{InitialDelaySeconds: 10},
			o:    observation{Status: runningStatus("containerd://a", true, t0.Add(-10*time.Second)), Now: t0},
			want: decision{Probe: true}, wantS: state{containerID: "containerd://a"}},
		{name: "liveness waits for startup", typ: Liveness, s: state{containerID: "containerd://a"},
			o:     observation{Status: runningStatus("containerd://a", false, t0), Now: t0},
			wantS: state{containerID: "containerd://a"}},
		{name: "readiness waits for startup", typ: Readiness, s: state{containerID: "containerd://a"},
			o:     observation{Status: runningStatus("containerd://a", false, t0), Now: t0},
			wantS: state{containerID: "containerd://a"}},
		{name: "startup probes until started", typ: Startup, s: state{containerID: "containerd://a"},
			o:    observation{Status: runningStatus("containerd://a", false, t0), Now: t0},
			want: decision{Probe: true}, wantS: state{containerID: "containerd://a"}},
		{name: "startup stops probing once started", typ: Startup, s: state{containerID: "containerd://a"},
			o:     observation{Status: runningStatus("containerd://a", true, t0), Now: t0},
			wantS: state{containerID: "containerd://a"}},
		{name: "on hold until a new container", typ: Liveness, s: state{containerID: "containerd://a", onHold: true},
			o:     observation{Status: runningStatus("containerd://a", true, t0.Add(-time.Hour)), Now: t0},
			wantS: state{containerID: "containerd://a", onHold: true}},
		{name: "new container ends the hold", typ: Liveness, s: state{containerID: "containerd://a", onHold: true, lastResult: Failure, resultRun: 2},
			o:    observation{Status: runningStatus("containerd://b", true, t0.Add(-time.Hour)), Now: t0},
			want: decision{Reset: true, Probe: true}, wantS: state{containerID: "containerd://b"}},
		{name: "exited container fails readiness, keeps the worker", typ: Readiness, s: state{containerID: "containerd://a"},
			o:     observation{Status: exitedStatus, RestartPolicy: api.RestartAlways, Now: t0},
			want:  decision{Publish: Failure},
			wantS: state{containerID: "containerd://a"}},
		{name: "exited container of a Never pod ends the worker", typ: Readiness, s: state{containerID: "containerd://a"},
			o:     observation{Status: exitedStatus, RestartPolicy: api.RestartNever, Now: t0},
			want:  decision{Publish: Failure, Stop: true},
			wantS: state{containerID: "containerd://a"}},
		{name: "deleting pod: liveness succeeds and stops", typ: Liveness, s: state{containerID: "containerd://a"},
			o:     observation{Status: runningStatus("containerd://a", true, t0.Add(-time.Hour)), Deleting: true, Now: t0},
			want:  decision{Publish: Success, Stop: true},
			wantS: state{containerID: "containerd://a"}},
		{name: "deleting pod: readiness keeps probing", typ: Readiness, s: state{containerID: "containerd://a"},
			o:     observation{Status: runningStatus("containerd://a", true, t0.Add(-time.Hour)), Deleting: true, Now: t0},
			want:  decision{Probe: true},
			wantS: state{containerID: "containerd://a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.s
			got := decide(&s, tt.typ, &tt.p, tt.o)
			if got != tt.want {
				t.Errorf("decision = %+v, want %+v", got, tt.want)
			}
			if s != tt.wantS {
				t.Errorf("state = %+v, want %+v", s, tt.wantS)
			}
		})
	}
}

func TestObserveThresholds(t *testing.T) {
	tests := []struct {
		name     string
		typ      Type
		p        api.Probe
		results  []Result
		want     []Result // published after each
		wantHold bool
	}{
		{name: "default failure threshold 3", typ: Readiness,
			results: []Result{Failure, Failure, Failure, Failure},
			want:    []Result{Unknown, Unknown, Failure, Failure}},
		{name: "a success resets the failure run", typ: Readiness,
			results: []Result{Failure, Failure, Success, Failure, Failure, Failure},
			want:    []Result{Unknown, Unknown, Success, Unknown, Unknown, Failure}},
		{name: "success threshold 2", typ: Readiness, p: api.Probe{SuccessThreshold: 2, FailureThreshold: 1},
			results: []Result{Success, Failure, Success, Success},
			want:    []Result{Unknown, Failure, Unknown, Success}},
		{name: "liveness failure puts the worker on hold", typ: Liveness, p: api.Probe{FailureThreshold: 2},
			results: []Result{Success, Failure, Failure},
			want:    []Result{Success, Unknown, Failure}, wantHold: true},
		{name: "startup failure puts the worker on hold", typ: Startup, p: api.Probe{FailureThreshold: 1},
			results: []Result{Failure},
			want:    []Result{Failure}, wantHold: true},
		{name: "readiness failure never holds", typ: Readiness, p: api.Probe{FailureThreshold: 1},
			results: []Result{Failure},
			want:    []Result{Failure}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s state
			for i, r := range tt.results {
				if got := observe(&s, tt.typ, &tt.p, r); got != tt.want[i] {
					t.Fatalf("result %d (%s): published %s, want %s", i, r, got, tt.want[i])
				}
			}
			if s.onHold != tt.wantHold {
				t.Errorf("onHold = %v, want %v", s.onHold, tt.wantHold)
			}
		})
	}
}

func TestProbeDefaults(t *testing.T) {
	p := &api.Probe{}
	if Period(p) != 10*time.Second || Timeout(p) != time.Second || successThreshold(p) != 1 || failureThreshold(p) != 3 {
		t.Errorf("defaults: period %s timeout %s success %d failure %d", Period(p), Timeout(p), successThreshold(p), failureThreshold(p))
	}
}

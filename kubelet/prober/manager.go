package prober

import (
	"context"
	"strings"
	"sync"
	"time"

	"minik8s/pkg/api"
)

// PodSource returns the newest pod object and the status the kubelet last
// computed for the pod with uid; ok is false once the pod is gone.
type PodSource func(uid string) (pod *api.Pod, status *api.PodStatus, ok bool)

// Recorder records the Unhealthy events of failed probes.
type Recorder func(pod *api.Pod, container string, eventType, reason, message string)

// Manager runs the probe workers of the kubelet's pods and holds their
// results.
type Manager struct {
	Results *Results
	// Clock is the time initialDelaySeconds is measured with (the
	// kubelet's, whose container start times are in status); set before use.
	Clock func() time.Time
	// KubeletStart is when the kubelet started: containers running since
	// before it get no initial result (decide's Adopted). Zero: none do.
	KubeletStart time.Time

	runner   Runner
	source   PodSource
	onChange func(pod *api.Pod) // a published result changed: sync the pod
	record   Recorder

	mu      sync.Mutex
	workers map[workerKey]bool // running or finished, until RemovePod
	cancels map[string]context.CancelFunc
	ctxs    map[string]context.Context
	wg      sync.WaitGroup
}

type workerKey struct {
	uid, container string
	typ            Type
}

// NewManager returns a manager sending probes with runner, reading pods
// from source, calling onChange when a published result changes and
// record for each failed probe.
func NewManager(runner Runner, source PodSource, onChange func(*api.Pod), record Recorder) *Manager {
	return &Manager{Results: NewResults(), runner: runner, source: source, onChange: onChange, record: record,
		Clock: time.Now, workers: map[workerKey]bool{}, cancels: map[string]context.CancelFunc{}, ctxs: map[string]context.Context{}}
}

// probeOf is the container's probe of typ, or nil.
func probeOf(c *api.Container, typ Type) *api.Probe {
	switch typ {
	case Liveness:
		return c.LivenessProbe
	case Readiness:
		return c.ReadinessProbe
	}
	return c.StartupProbe
}

// AddPod starts a worker for each probe of pod's containers that has none.
// Workers end with ctx, RemovePod, or when their probe is gone.
func (m *Manager) AddPod(ctx context.Context, pod *api.Pod) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		for _, typ := range []Type{Liveness, Readiness, Startup} {
			k := workerKey{pod.UID, c.Name, typ}
			if probeOf(c, typ) == nil || m.workers[k] {
				continue
			}
			pctx, ok := m.ctxs[pod.UID]
			if !ok {
				var cancel context.CancelFunc
				pctx, cancel = context.WithCancel(ctx)
				m.ctxs[pod.UID], m.cancels[pod.UID] = pctx, cancel
			}
			m.workers[k] = true
			m.wg.Add(1)
			go func() {
				defer m.wg.Done()
				m.run(pctx, k)
			}()
		}
	}
}

// RemovePod stops the pod's workers and forgets them.
func (m *Manager) RemovePod(uid string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cancel, ok := m.cancels[uid]; ok {
		cancel()
	}
	delete(m.cancels, uid)
	delete(m.ctxs, uid)
	for k := range m.workers {
		if k.uid == uid {
			delete(m.workers, k)
		}
	}
}

// Wait waits for every worker to end (after their contexts ended).
func (m *Manager) Wait() { m.wg.Wait() }

// run is one worker: it probes every period until told to stop.
func (m *Manager) run(ctx context.Context, k workerKey) {
	var s state
	defer func() {
		if s.containerID != "" {
			m.Results.remove(s.containerID, k.typ)
		}
	}()
	for {
		period, stop := m.tick(ctx, k, &s)
		if stop {
			return
		}
		t := time.NewTimer(period)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// tick is one round of a worker; it returns when to run again, or stop.
func (m *Manager) tick(ctx context.Context, k workerKey, s *state) (time.Duration, bool) {
	pod, st, ok := m.source(k.uid)
	if !ok || ctx.Err() != nil {
		return 0, true
	}
	var spec *api.Container
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == k.container {
			spec = &pod.Spec.Containers[i]
		}
	}
	if spec == nil || probeOf(spec, k.typ) == nil {
		return 0, true
	}
	p := probeOf(spec, k.typ)
	var cs *api.ContainerStatus
	if st != nil {
		for i := range st.ContainerStatuses {
			if st.ContainerStatuses[i].Name == k.container {
				cs = &st.ContainerStatuses[i]
			}
		}
	}
	oldID := s.containerID
	d := decide(s, k.typ, p, observation{Status: cs, RestartPolicy: pod.Spec.RestartPolicy,
		Deleting: pod.DeletionTimestamp != nil, Now: m.Clock(), KubeletStart: m.KubeletStart})
	changed := false
	if d.Reset {
		if oldID != "" {
			m.Results.remove(oldID, k.typ)
		}
		if !d.Adopted {
			changed = m.Results.set(s.containerID, k.typ, k.typ.initialValue()) || changed
		}
	}
	if d.Publish != Unknown {
		changed = m.Results.set(s.containerID, k.typ, d.Publish) || changed
	}
	if d.Probe {
		res, msg, err := m.runner.Run(ctx, p, Target{Pod: pod, Container: spec,
			ContainerID: strings.TrimPrefix(s.containerID, "containerd://"), PodIP: st.PodIP})
		switch {
		case err != nil:
			if ctx.Err() == nil && m.record != nil {
				m.record(pod, k.container, "Warning", "Unhealthy", k.typ.String()+" probe errored: "+err.Error())
			}
		default:
			if res == Failure && m.record != nil {
				m.record(pod, k.container, "Warning", "Unhealthy", k.typ.String()+" probe failed: "+msg)
			}
			if pub := observe(s, k.typ, p, res); pub != Unknown {
				changed = m.Results.set(s.containerID, k.typ, pub) || changed
			}
		}
	}
	if changed && m.onChange != nil {
		m.onChange(pod)
	}
	return Period(p), d.Stop
}

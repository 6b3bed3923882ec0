package prober

import (
	"time"

	"minik8s/pkg/api"
)

// Defaults of a probe's fields, as Kubernetes sets them.
const (
	defaultPeriod           = 10 * time.Second
	defaultTimeout          = time.Second
	defaultSuccessThreshold = 1
	defaultFailureThreshold = 3
)

// Period is the probe's periodSeconds (default 10s).
func Period(p *api.Probe) time.Duration {
	if p.PeriodSeconds > 0 {
		return time.Duration(p.PeriodSeconds) * time.Second
	}
	return defaultPeriod
}

// Timeout is the probe's timeoutSeconds (default 1s).
func Timeout(p *api.Probe) time.Duration {
	if p.TimeoutSeconds > 0 {
		return time.Duration(p.TimeoutSeconds) * time.Second
	}
	return defaultTimeout
}

func successThreshold(p *api.Probe) int {
	if p.SuccessThreshold > 0 {
		return int(p.SuccessThreshold)
	}
	return defaultSuccessThreshold
}

func failureThreshold(p *api.Probe) int {
	if p.FailureThreshold > 0 {
		return int(p.FailureThreshold)
	}
	return defaultFailureThreshold
}

// state is what one probe worker remembers between probes.
type state struct {
	containerID string
	lastResult  Result
	resultRun   int
	// onHold: the container failed liveness (or startup); no probing
	// until a new container replaces it.
	onHold bool
}

// decision is what a worker does at one tick, before probing.
type decision struct {
	// Reset: a new container: forget the old one's result and publish the
	// initial value for the new one (unless Adopted).
	Reset bool
	// Adopted: the new container was running before the kubelet started
	// (by more than RestartGrace): no initial value is published, so the
	// status keeps what it said before the restart until a probe decides
	// (Kubernetes' worker with ChangeContainerStatusOnKubeletRestart off,
	// its default since 1.35).
	Adopted bool
	// Publish, when not Unknown, is published at once (Failure for a
	// container that is not running; Success for a pod shutting down).
	Publish Result
	// Probe: send the probe now.
	Probe bool
	// Stop: the worker ends (a finished container that will not restart,
	// or a pod shutting down).
	Stop bool
}

// observation is what a worker sees of its container at a tick.
type observation struct {
	// Status of the container (nil: none reported yet).
	Status        *api.ContainerStatus
	RestartPolicy string
	Deleting      bool // the pod has a deletionTimestamp
	Now           time.Time
	// KubeletStart is when this kubelet started (zero: unknown).
	KubeletStart time.Time
}

// RestartGrace is Kubernetes' kubeletRestartGracePeriod: a container
// started more than this before the kubelet was running when it started.
const RestartGrace = 10 * time.Second

// StartedBeforeKubelet says whether a container that started at startedAt
// was already running when the kubelet started at kubeletStart.
func StartedBeforeKubelet(startedAt, kubeletStart time.Time) bool {
	return !startedAt.IsZero() && !kubeletStart.IsZero() && startedAt.Before(kubeletStart.Add(-RestartGrace))
}

// decide is Kubernetes' worker.doProbe up to the probe: it updates s for a
// new container and says what to do. It is pure.
func decide(s *state, typ Type, p *api.Probe, o observation) decision {
	c := o.Status
	if c == nil || c.ContainerID == "" {
		return decision{} // not created yet: wait
	}
	var d decision
	if s.containerID != c.ContainerID {
		s.containerID, s.lastResult, s.resultRun, s.onHold = c.ContainerID, Unknown, 0, false
		d.Reset = true
		d.Adopted = c.State.Running != nil && StartedBeforeKubelet(c.State.Running.StartedAt.Time, o.KubeletStart)
	}
	if s.onHold {
		return d
	}
	if c.State.Running == nil {
		d.Publish = Failure
		d.Stop = c.State.Terminated != nil && o.RestartPolicy == api.RestartNever
		return d
	}
	if o.Deleting && (typ == Liveness || typ == Startup) {
		d.Publish, d.Stop = Success, true
		return d
	}
	if o.Now.Sub(c.State.Running.StartedAt.Time) < time.Duration(p.InitialDelaySeconds)*time.Second {
		return d
	}
	started := c.Started != nil && *c.Started
	if started == (typ == Startup) {
		// Startup probes stop once the container started; the others
		// wait for it.
		return d
	}
	d.Probe = true
	return d
}

// observe counts a probe's result against the thresholds and returns the
// result to publish (Unknown: none yet). A published liveness or startup
// failure puts the worker on hold until the container is replaced.
func observe(s *state, typ Type, p *api.Probe, r Result) Result {
	if s.lastResult == r {
		s.resultRun++
	} else {
		s.lastResult, s.resultRun = r, 1
	}
	if (r == Failure && s.resultRun < failureThreshold(p)) || (r == Success && s.resultRun < successThreshold(p)) {
		return Unknown
	}
	if (typ == Liveness || typ == Startup) && r == Failure {
		s.onHold, s.resultRun = true, 0
	}
	return r
}

package validation

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
)

func TestValidateLifecycle(t *testing.T) {
	grace := func(s int64) func(*api.Pod) { return func(p *api.Pod) { p.Spec.TerminationGracePeriodSeconds = &s } }
	hook := func(pre, post *api.LifecycleHandler, opts ...func(*api.Pod)) func() api.Object {
		return func() api.Object {
			p := basePod()
			p.Spec.Containers[0].Lifecycle = &api.Lifecycle{PreStop: pre, PostStart: post}
			for _, o := range opts {
				o(p)
			}
			return p
		}
	}
	sleep := func(s int64) *api.LifecycleHandler { return &api.LifecycleHandler{Sleep: &api.SleepAction{Seconds: s}} }
	exec := &api.LifecycleHandler{Exec: &api.ExecAction{Command: []string{"sleep", "2"}}}
	tests := []struct {
		name string
		obj  func() api.Object
		want []string
	}{
		{"preStop sleep", hook(sleep(2), nil, grace(30)), nil},
		{"sleep zero", hook(sleep(0), nil, grace(30)), nil},
		{"sleep equal to grace", hook(sleep(30), nil, grace(30)), nil},
		{"sleep with grace unset", hook(sleep(100), nil), nil},
		{"exec and httpGet", hook(exec, &api.LifecycleHandler{HTTPGet: &api.HTTPGetAction{Port: intstr.FromString("http")}}), nil},
		{"tcpSocket accepted", hook(&api.LifecycleHandler{TCPSocket: &api.TCPSocketAction{Port: intstr.FromInt32(80)}}, nil), nil},
		{"sleep longer than grace", hook(sleep(31), nil, grace(30)),
			[]string{"spec.containers[0].lifecycle.preStop.sleep: Invalid value: 31: must be non-negative and less than terminationGracePeriodSeconds (30)"}},
		{"negative sleep", hook(nil, sleep(-1), grace(30)),
			[]string{"spec.containers[0].lifecycle.postStart.sleep: Invalid value: -1: must be non-negative and less than terminationGracePeriodSeconds (30)"}},
		{"no handler", hook(&api.LifecycleHandler{}, nil),
			[]string{"spec.containers[0].lifecycle.preStop: Required value: must specify a handler type"}},
		{"two handlers", hook(&api.LifecycleHandler{Exec: exec.Exec, Sleep: &api.SleepAction{Seconds: 1}}, nil),
			[]string{"spec.containers[0].lifecycle.preStop.sleep: Forbidden: may not specify more than 1 handler type"}},
		{"empty exec", hook(nil, &api.LifecycleHandler{Exec: &api.ExecAction{}}),
			[]string{"spec.containers[0].lifecycle.postStart.exec.command: Required value"}},
		{"bad httpGet port", hook(&api.LifecycleHandler{HTTPGet: &api.HTTPGetAction{Port: intstr.FromInt32(0)}}, nil),
			[]string{"spec.containers[0].lifecycle.preStop.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive"}},
		{"init container", func() api.Object {
			p := basePod()
			p.Spec.InitContainers = []api.Container{{Name: "init", Image: "busybox", Lifecycle: &api.Lifecycle{PreStop: exec}}}
			return p
		}, []string{"spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range Validate(tt.obj()) {
				got = append(got, e.Error())
			}
			if len(got) != len(tt.want) {
				t.Fatalf("errors = %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("error %d = %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

package kubectl

import (
	"testing"

	"minik8s/pkg/api"
)

func TestDaemonSetStatusMessages(t *testing.T) {
	for _, tc := range []struct {
		name     string
		gen      int64
		strategy string
		status   api.DaemonSetStatus
		want     string
		done     bool
		wantErr  string
	}{
		{"spec not observed", 2, "RollingUpdate", api.DaemonSetStatus{ObservedGeneration: 1}, "Waiting for daemon set spec update to be observed...\n", false, ""},
		{"updating", 1, "RollingUpdate", api.DaemonSetStatus{ObservedGeneration: 1, DesiredNumberScheduled: 2, UpdatedNumberScheduled: 1},
			"Waiting for daemon set \"x\" rollout to finish: 1 out of 2 new pods have been updated...\n", false, ""},
		{"available pending", 1, "RollingUpdate", api.DaemonSetStatus{ObservedGeneration: 1, DesiredNumberScheduled: 2, UpdatedNumberScheduled: 2, NumberAvailable: 1},
			"Waiting for daemon set \"x\" rollout to finish: 1 of 2 updated pods are available...\n", false, ""},
		{"done", 1, "RollingUpdate", api.DaemonSetStatus{ObservedGeneration: 1, DesiredNumberScheduled: 2, UpdatedNumberScheduled: 2, NumberAvailable: 2},
			"daemon set \"x\" successfully rolled out\n", true, ""},
		{"OnDelete", 1, "OnDelete", api.DaemonSetStatus{}, "", true, "rollout status is only available for RollingUpdate strategy type"},
	} {
		ds := &api.DaemonSet{ObjectMeta: api.ObjectMeta{Name: "x", Generation: tc.gen},
			Spec: api.DaemonSetSpec{UpdateStrategy: api.DaemonSetUpdateStrategy{Type: tc.strategy}}, Status: tc.status}
		msg, done, err := daemonSetStatus(ds)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("%s: err %v, want %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || msg != tc.want || done != tc.done {
			t.Errorf("%s: %q %v %v, want %q %v", tc.name, msg, done, err, tc.want, tc.done)
		}
	}
}

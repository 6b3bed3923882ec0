package kubectl

import (
	"encoding/json"
	"testing"

	"minik8s/pkg/api"
)

// TestAutoscaler: the HPA kubectl 1.32's autoscale makes, and its flag checks.
func TestAutoscaler(t *testing.T) {
	deploy, _ := api.Lookup("deployment")
	rc, _ := api.Lookup("rc")
	pod, _ := api.Lookup("pod")
	tests := []struct {
		name  string
		flags autoscaleFlags
		info  *api.ResourceInfo
		want  string // JSON of the HPA, or the error
	}{
		{"max only", autoscaleFlags{min: -1, max: 5, cpuPercent: -1}, deploy,
			`{"kind":"HorizontalPodAutoscaler","apiVersion":"autoscaling/v1","metadata":{"name":"web","creationTimestamp":null},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web","apiVersion":"apps/v1"},"maxReplicas":5},"status":{"currentReplicas":0,"desiredReplicas":0}}`},
		{"all flags", autoscaleFlags{min: 3, max: 6, cpuPercent: 40, name: "h"}, rc,
			`{"kind":"HorizontalPodAutoscaler","apiVersion":"autoscaling/v1","metadata":{"name":"h","creationTimestamp":null},"spec":{"scaleTargetRef":{"kind":"ReplicationController","name":"web","apiVersion":"v1"},"minReplicas":3,"maxReplicas":6,"targetCPUUtilizationPercentage":40},"status":{"currentReplicas":0,"desiredReplicas":0}}`},
		{"min 0 is left to the server, cpu 0 is sent", autoscaleFlags{min: 0, max: 2, cpuPercent: 0}, deploy,
			`{"kind":"HorizontalPodAutoscaler","apiVersion":"autoscaling/v1","metadata":{"name":"web","creationTimestamp":null},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web","apiVersion":"apps/v1"},"maxReplicas":2,"targetCPUUtilizationPercentage":0},"status":{"currentReplicas":0,"desiredReplicas":0}}`},
		{"max 0", autoscaleFlags{min: -1, max: 0, cpuPercent: -1}, deploy, "--max=MAXPODS is required and must be at least 1, max: 0"},
		{"max below min", autoscaleFlags{min: 4, max: 3, cpuPercent: -1}, deploy, "--max=MAXPODS must be larger or equal to --min=MINPODS, max: 3, min: 4"},
		{"no scale subresource", autoscaleFlags{min: -1, max: 3, cpuPercent: -1}, pod,
			"cannot autoscale a Pod: could not find scale subresource for /v1, Resource=pods in discovery information"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if err := tc.flags.validate(); err != nil {
				got = err.Error()
			} else if h, err := tc.flags.autoscaler(tc.info, "web"); err != nil {
				got = err.Error()
			} else {
				b, _ := json.Marshal(h)
				got = string(b)
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

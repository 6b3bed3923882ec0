package kubelet

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"minik8s/kubelet/runtime/fake"
	"minik8s/pkg/api"
)

// events is a fake EventRecorder keeping "fieldPath Type Reason: message".
type events []string

func (e *events) Eventf(obj api.Object, typ, reason, format string, args ...any) {
	fp := ""
	if f, ok := obj.(fieldPathObject); ok {
		fp = f.FieldPath
	}
	*e = append(*e, fmt.Sprintf("%s %s %s: %s", fp, typ, reason, fmt.Sprintf(format, args...)))
}

func TestPullImageEvents(t *testing.T) {
	const c = "spec.containers{a} "
	cases := []struct {
		name, image, policy string
		pullErr             error
		reason              string
		want                []string // message prefixes, in order
	}{
		{name: "present, IfNotPresent", image: "docker.io/minik8s/tools:latest", policy: "IfNotPresent",
			want: []string{c + `Normal Pulled: Container image "docker.io/minik8s/tools:latest" already present on machine`}},
		{name: "missing, IfNotPresent: pulled", image: "docker.io/library/new:1", policy: "IfNotPresent",
			want: []string{c + `Normal Pulling: Pulling image "docker.io/library/new:1"`,
				c + `Normal Pulled: Successfully pulled image "docker.io/library/new:1" in `}},
		{name: "present, Always: pulled again", image: "docker.io/minik8s/tools:latest", policy: "Always",
			want: []string{c + `Normal Pulling: Pulling image "docker.io/minik8s/tools:latest"`, c + "Normal Pulled: Successfully pulled"}},
		{name: "pull fails", image: "docker.io/library/gone:1", policy: "IfNotPresent", pullErr: errors.New("no route"), reason: "ErrImagePull",
			want: []string{c + "Normal Pulling: ", c + `Warning Failed: Failed to pull image "docker.io/library/gone:1": `}},
		{name: "missing, Never", image: "docker.io/library/gone:1", policy: "Never", reason: "ErrImageNeverPull",
			want: []string{c + `Warning ErrImageNeverPull: Container image "docker.io/library/gone:1" is not present with pull policy of Never`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rt := fake.New()
			if tc.pullErr != nil {
				rt.SetPullError(tc.image, tc.pullErr)
			}
			k := testKubelet(t, rt)
			var ev events
			k.Recorder = &ev
			pod := testPod(api.RestartAlways, "a")
			pod.Spec.Containers[0].Image, pod.Spec.Containers[0].ImagePullPolicy = tc.image, tc.policy
			reason, err := k.pullImage(context.Background(), pod, &pod.Spec.Containers[0])
			if reason != tc.reason || (err != nil) != (tc.reason != "") {
				t.Fatalf("reason %q, err %v; want %q", reason, err, tc.reason)
			}
			if len(ev) != len(tc.want) {
				t.Fatalf("events = %q", ev)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(ev[i], w) {
					t.Errorf("event %d = %q, want prefix %q", i, ev[i], w)
				}
			}
		})
	}
}

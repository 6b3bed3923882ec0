package podsecurity

import (
	"testing"

	"minik8s/pkg/api"
	"minik8s/pkg/api/decode"
)

// The examples of docs/security/podsecurity.md: the namespace selects
// enforce baseline, warn and audit restricted; the pod passes restricted.
func TestExamples(t *testing.T) {
	srcs, err := decode.ReadPaths([]string{"../../examples/podsecurity-namespace.yaml", "../../examples/podsecurity-restricted-pod.yaml"}, false, nil)
	if err != nil || len(srcs) != 2 {
		t.Fatalf("reading the examples: %v (%d objects)", err, len(srcs))
	}
	ns, pod := srcs[0].Obj.(*api.Namespace), srcs[1].Obj.(*api.Pod)
	p, errs := PolicyToEvaluate(ns.Labels, DefaultPolicy())
	if len(errs) > 0 || p.Enforce.String() != "baseline:latest" || p.Warn.String() != "restricted:latest" || p.Audit.String() != "restricted:latest" {
		t.Errorf("namespace policy %+v, errors %v", p, errs)
	}
	if a := Check(LevelVersion{LevelRestricted, Latest()}, &pod.ObjectMeta, &pod.Spec); !a.Allowed {
		t.Errorf("example pod breaks restricted: %s", a.ForbiddenDetail())
	}
}

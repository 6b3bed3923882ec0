package decode_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"minik8s/pkg/api"
	"minik8s/pkg/api/decode"
	"minik8s/pkg/api/validation"
)

// examplesDir is the repository's examples/ directory.
const examplesDir = "../../../examples"

// TestExamples decodes, defaults and validates every file in examples/.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("found only %d examples in %s", len(files), examplesDir)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(data), "# Seed: ") {
				t.Errorf("%s does not start with a '# Seed: ' comment", f)
			}
			srcs, err := decode.ReadPaths([]string{f}, false, nil)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if len(srcs) == 0 {
				t.Fatal("no objects")
			}
			for _, s := range srcs {
				validation.Default(s.Obj)
				if errs := validation.Validate(s.Obj); len(errs) > 0 {
					t.Errorf("%s: %v", s.Name, errs)
				}
				for _, c := range podSpecOf(s.Obj) {
					if !strings.HasPrefix(c.Image, "minik8s/") {
						t.Errorf("%s: container %s uses image %q, not an offline minik8s/ image", s.Name, c.Name, c.Image)
					}
				}
			}
		})
	}
}

func podSpecOf(obj api.Object) []api.Container {
	switch o := obj.(type) {
	case *api.Pod:
		return o.Spec.Containers
	case *api.Deployment:
		return o.Spec.Template.Spec.Containers
	case *api.ReplicaSet:
		return o.Spec.Template.Spec.Containers
	}
	return nil
}

// TestExampleContents checks that the seed features survive decoding.
func TestExampleContents(t *testing.T) {
	srcs, err := decode.ReadPaths([]string{examplesDir}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]api.Object{}
	for _, s := range srcs {
		byName[s.Name] = s.Obj
	}
	get := func(file string, doc int) api.Object {
		t.Helper()
		o, ok := byName[filepath.Join(examplesDir, file)+":"+strconv.Itoa(doc)]
		if !ok {
			t.Fatalf("%s document %d not read", file, doc)
		}
		return o
	}

	hpa := get("hpa-scaledown-behavior.yaml", 0).(*api.HorizontalPodAutoscaler)
	sd := hpa.Spec.Behavior.ScaleDown
	if len(sd.Policies) != 1 || sd.Policies[0] != (api.HPAScalingPolicy{Type: "Percent", Value: 10, PeriodSeconds: 60}) {
		t.Errorf("hpa scaleDown policies = %+v", sd.Policies)
	}
	if *hpa.Spec.MinReplicas != 3 || hpa.Spec.MaxReplicas != 6 || *hpa.Spec.Metrics[0].Resource.Target.AverageUtilization != 40 {
		t.Errorf("hpa spec = %+v", hpa.Spec)
	}

	pod := get("pod-two-containers-hostport.yaml", 0).(*api.Pod)
	if len(pod.Spec.Containers) != 2 || pod.Spec.Containers[1].Ports[1].HostPort != 6880 || pod.Spec.Volumes[0].HostPath.Path != "/hw" {
		t.Errorf("two-container pod = %+v", pod.Spec)
	}

	np := get("nodeport-service.yaml", 0).(*api.Service)
	if np.Spec.Type != "NodePort" || np.Spec.Ports[0].NodePort != 30001 || np.Spec.Ports[0].TargetPort.IntValue() != 8080 {
		t.Errorf("nodeport service = %+v", np.Spec)
	}
	mp := get("service-multiport.yaml", 0).(*api.Service)
	if len(mp.Spec.Ports) != 3 {
		t.Errorf("multiport service has %d ports", len(mp.Spec.Ports))
	}

	svc := get("clientip-affinity.yaml", 1).(*api.Service)
	if svc.Spec.SessionAffinity != "ClientIP" {
		t.Errorf("clientip service affinity = %q", svc.Spec.SessionAffinity)
	}
	if _, ok := get("clientip-affinity.yaml", 0).(*api.Deployment); !ok {
		t.Error("clientip-affinity.yaml document 0 is not a Deployment")
	}

	hn := get("dnsutils-hostnetwork-clusterdns.yaml", 0).(*api.Pod)
	if !hn.Spec.HostNetwork || hn.Spec.DNSPolicy != "ClusterFirstWithHostNet" {
		t.Errorf("hostNetwork pod = %+v", hn.Spec)
	}

	d := get("deployment-hpa-target.yaml", 0).(*api.Deployment)
	if d.Spec.Replicas != nil {
		t.Errorf("deployment-hpa-target has replicas %d, want unset", *d.Spec.Replicas)
	}
	req := d.Spec.Template.Spec.Containers[0].Resources.Requests["cpu"]
	if req.MilliValue() != 200 {
		t.Errorf("cpu request = %s", req.String())
	}
}

package compat

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// HPAs of several metric shapes, their status written directly (as the
// controller would), for get and describe.
const (
	hpaMemCPU = `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"memcpu","labels":{"app":"hello"}},
"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"hello"},"minReplicas":2,"maxReplicas":8,
"metrics":[{"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"100Mi"}}},
           {"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":40}}}],
"behavior":{"scaleDown":{"stabilizationWindowSeconds":60,"policies":[{"type":"Percent","value":10,"periodSeconds":60}]}}}}`
	hpaMemCPUStatus = `{"status":{"currentReplicas":3,"desiredReplicas":6,"lastScaleTime":"2026-01-01T00:00:00Z",
"currentMetrics":[{"type":"Resource","resource":{"name":"memory","current":{"averageValue":"10Mi"}}},
                  {"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":85,"averageValue":"170m"}}}],
"conditions":[{"type":"AbleToScale","status":"True","lastTransitionTime":"2026-01-01T00:00:00Z","reason":"SucceededRescale","message":"the HPA controller was able to update the target scale to 6"},
              {"type":"ScalingActive","status":"True","lastTransitionTime":"2026-01-01T00:00:00Z","reason":"ValidMetricFound","message":"the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"},
              {"type":"ScalingLimited","status":"False","lastTransitionTime":"2026-01-01T00:00:00Z","reason":"DesiredWithinRange","message":"the desired count is within the acceptable range"}]}}`
	hpaFour = `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"four"},
"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs1"},"maxReplicas":5,
"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}},
           {"type":"Resource","resource":{"name":"memory","target":{"type":"Utilization","averageUtilization":70}}},
           {"type":"Resource","resource":{"name":"cpu","target":{"type":"AverageValue","averageValue":"500m"}}},
           {"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"1Gi"}}}],
"behavior":{"scaleUp":{"selectPolicy":"Disabled"}}}}`
)

// TestHPAMatchesRealKubectl: `kubectl autoscale` (the real one sends an
// autoscaling/v1 protobuf body), get hpa (several metric shapes, before
// and after status) and describe hpa print the same through the real
// kubectl v1.32 and ours; v1 reads carry the round-trip annotations.
func TestHPAMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	c.ok(t, strings.ReplaceAll(deployYAML, "%REPLICAS%", "3"), "apply", "-f", "-")

	// autoscale: the real kubectl and ours, each creating one.
	out := c.ok(t, "", "autoscale", "deployment", "hello", "--min=3", "--max=6", "--cpu-percent=40")
	if out != "horizontalpodautoscaler.autoscaling/hello autoscaled\n" {
		t.Errorf("real autoscale: %q", out)
	}
	o, e, err := c.ours(t, "autoscale", "deployment/hello", "--max=4", "--name=ours")
	if err != nil || o != "horizontalpodautoscaler.autoscaling/ours autoscaled\n" {
		t.Errorf("our autoscale: %v %q %q", err, o, e)
	}
	for _, args := range [][]string{
		{"autoscale", "deployment", "hello", "--max=5", "--min=2", "--cpu-percent=70", "--dry-run=client", "-o", "yaml"},
		{"autoscale", "deployment/hello", "--max=5", "--dry-run=client", "-o", "json"},
		{"autoscale", "deployment", "hello", "--max=5", "--name=x", "--dry-run=client"},
		{"autoscale", "deployment", "hello", "--max=5", "-o", "name"}, // exists already
		{"autoscale", "deployment", "hello", "--max=0"},
		{"autoscale", "deployment", "hello", "--min=4", "--max=3"},
		{"autoscale", "deployment", "nosuch", "--max=3"},
		{"autoscale", "deployment", "--max=3"},
		{"autoscale", "service", "kubernetes", "--max=3"},
	} {
		c.sameOutput(t, args...)
	}

	// The v1 object the real kubectl created reads back as v1 and v2.
	v1 := c.ok(t, "", "get", "horizontalpodautoscalers.v1.autoscaling", "hello", "-o", "yaml")
	mustMatch(t, "v1 get", `(?s)apiVersion: autoscaling/v1\n.*targetCPUUtilizationPercentage: 40`, v1)
	v2 := c.ok(t, "", "get", "hpa", "hello", "-o", "yaml")
	mustMatch(t, "v2 get", `(?s)apiVersion: autoscaling/v2\n.*averageUtilization: 40\n.*minReplicas: 3`, v2)

	base := c.ts.URL + "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers"
	for _, body := range []string{hpaMemCPU, hpaFour} {
		if _, err := doJSON(base, body); err != nil {
			t.Fatal(err)
		}
	}
	// Before any status: <unknown>.
	out = c.sameTable(t, "get", "hpa")
	mustMatch(t, "get hpa header", `^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\n`, out)
	mustMatch(t, "unknown", `(?m)^hello\s+Deployment/hello\s+cpu: <unknown>/40%\s+3\s+6\s+0\s`, out)
	mustMatch(t, "four", `(?m)^four\s+ReplicaSet/rs1\s+cpu: <unknown>/50%, memory: <unknown>/70% \+ 2 more\.\.\.\s+1\s+5\s+0\s`, out)

	if code := call(t, "PATCH", base+"/memcpu/status", "application/merge-patch+json", hpaMemCPUStatus); code != 200 {
		t.Fatalf("status patch: %d", code)
	}
	if code := call(t, "PATCH", base+"/hello/status", "application/merge-patch+json",
		`{"status":{"currentReplicas":3,"desiredReplicas":3,"currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":85,"averageValue":"170m"}}}]}}`); code != 200 {
		t.Fatalf("status patch: %d", code)
	}
	uid := c.uidOf(t, "get", "hpa", "memcpu")
	ev := eventJSON("default", "memcpu.1", "HorizontalPodAutoscaler", "memcpu", uid, "Normal", "SuccessfulRescale",
		"New size: 6; reason: cpu resource utilization (percentage of request) above target", "horizontal-pod-autoscaler", "", "", 3*time.Hour, 2*time.Hour, 1)
	if _, err := doJSON(c.ts.URL+"/api/v1/namespaces/default/events", ev); err != nil {
		t.Fatal(err)
	}

	out = c.sameTable(t, "get", "hpa")
	mustMatch(t, "with status", `(?m)^hello\s+Deployment/hello\s+cpu: 85%/40%\s+3\s+6\s+3\s`, out)
	mustMatch(t, "memory", `(?m)^memcpu\s+Deployment/hello\s+memory: 10Mi/100Mi, cpu: 85%/40%\s+2\s+8\s+3\s`, out)
	c.sameTable(t, "get", "hpa", "memcpu", "four")
	c.sameTable(t, "get", "hpa", "-A")
	c.sameTable(t, "get", "hpa", "-l", "app=hello", "--no-headers")

	for _, name := range []string{"hello", "memcpu", "four", "ours"} {
		out = c.sameOutput(t, "describe", "hpa", name)
		if name == "memcpu" {
			mustMatch(t, "describe metrics", `(?m)^  resource cpu on pods  \(as a percentage of request\):  85% \(170m\) / 40%$`, out)
			mustMatch(t, "describe memory", `(?m)^  resource memory on pods:\s+10Mi / 100Mi$`, out)
			mustMatch(t, "describe pods", `(?m)^Deployment pods:\s+3 current / 6 desired$`, out)
			mustMatch(t, "describe behavior", `(?m)^    Stabilization Window: 60 seconds\n    Select Policy: Max\n    Policies:\n      - Type: Percent  Value: 10  Period: 60 seconds$`, out)
			mustMatch(t, "describe conditions", `(?m)^  ScalingLimited  False   DesiredWithinRange  the desired count is within the acceptable range$`, out)
			mustMatch(t, "describe events", `(?m)^  Normal  SuccessfulRescale  \S+\s+horizontal-pod-autoscaler  New size: 6; reason: cpu resource utilization \(percentage of request\) above target$`, out)
		}
	}

	// The v1 view of an object with what v1 cannot say.
	v1 = c.ok(t, "", "get", "horizontalpodautoscalers.v1.autoscaling", "memcpu", "-o", "json")
	for _, want := range []string{`"targetCPUUtilizationPercentage": 40`, `"currentCPUUtilizationPercentage": 85`,
		`"autoscaling.alpha.kubernetes.io/metrics": "[{\"type\":\"Resource\",\"resource\":{\"name\":\"memory\",\"targetAverageValue\":\"100Mi\"}}]"`,
		`"autoscaling.alpha.kubernetes.io/behavior"`, `"autoscaling.alpha.kubernetes.io/conditions"`, `"autoscaling.alpha.kubernetes.io/current-metrics"`} {
		if !strings.Contains(v1, want) {
			t.Errorf("v1 view lacks %s:\n%s", want, v1)
		}
	}
	c.ok(t, "", "delete", "horizontalpodautoscalers.v1.autoscaling", "ours")
	c.sameOutput(t, "get", "hpa", "ours")
}

// TestPythonClientHPA: the Python client (python3-kubernetes 22.6, which
// has AutoscalingV1Api and no V2 API class) creates, lists and reads
// autoscaling/v1 HPAs and lists autoscaling/v2 through its ApiClient.
func TestPythonClientHPA(t *testing.T) {
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		py = need(t, "python3")
	}
	if err := exec.Command(py, "-c", "import kubernetes").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3-kubernetes is required in CI: %v", err)
		}
		t.Skipf("python3-kubernetes not installed: %v", err)
	}
	c := startCluster(t)
	if _, err := doJSON(c.ts.URL+"/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers", hpaMemCPU); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "python_hpa.py", c.kubeconfig).CombinedOutput()
	t.Logf("python client output:\n%s", out)
	if err != nil {
		t.Fatalf("python client: %v", err)
	}
	if !strings.Contains(string(out), "python hpa: all checks passed") {
		t.Fatal("python client did not finish its checks")
	}
}

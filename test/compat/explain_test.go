package compat

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestExplainMatchesRealKubectl: `kubectl explain` through the real kubectl
// v1.32 and ours, both reading the OpenAPI v3 documents the apiserver
// generates from pkg/api, print the same stdout and stderr and succeed or
// fail alike.
func TestExplainMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	for _, args := range [][]string{
		{"explain", "pods"},
		{"explain", "pod.spec"},
		{"explain", "deployment.spec.template.spec.containers"},
		{"explain", "deployments.apps.spec.replicas"},
		{"explain", "svc", "--recursive"},
		{"explain", "deploy.spec", "--recursive"},
		{"explain", "hpa", "--api-version=autoscaling/v1"},
		{"explain", "hpa.spec", "--api-version=autoscaling/v1"},
		{"explain", "hpa.spec.metrics"},
		{"explain", "pods.spec.containers.resources.limits"},
		{"explain", "pods.metadata.labels"},
		{"explain", "svc.spec.ports.targetPort"},
		{"explain", "pods.metadata.creationTimestamp"},
		{"explain", "nodes"},
		{"explain", "ingress.spec.rules.http.paths"},
		{"explain", "cronjobs.spec.jobTemplate.spec"},
		{"explain", "pods.apiVersion"},
		// errors
		{"explain"},
		{"explain", "pods", "svc"},
		{"explain", "foo"},
		{"explain", "pods.foo"},
		{"explain", "pods.spec.foo.bar"},
		{"explain", "hpa", "--api-version=autoscaling/v3"},
		{"explain", "pods", "--api-version=apps/v1"},
		{"explain", "pods", "--output=yaml"},
	} {
		t.Run(strings.Join(args[1:], " "), func(t *testing.T) { c.sameOutput(t, args...) })
	}
}

// TestRealKubectlReadsOpenAPIV2: the real kubectl decodes the protobuf
// /openapi/v2 (its explain --output=plaintext-openapiv2 reads only that).
func TestRealKubectlReadsOpenAPIV2(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	out := c.ok(t, "", "explain", "deployment.spec.template.spec.containers", "--output=plaintext-openapiv2")
	mustMatch(t, "v2 explain", `(?s)^KIND:\s+Deployment\nVERSION:\s+apps/v1\n.*RESOURCE: containers <\[\]Object>.*name\s+<string> -required-`, out)
	out = c.ok(t, "", "explain", "svc.spec.ports.targetPort", "--output=plaintext-openapiv2")
	mustMatch(t, "IntOrString in v2", `FIELD:\s+targetPort <string>`, out)
}

const applyTwoContainers = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: main
        image: minik8s/testserver:v1
        ports:
        - containerPort: 8080
        - containerPort: 9090
      - name: side
        image: minik8s/tools:v1
        env:
        - name: A
          value: "1"
`

// TestApplyMergesWithServedSchemas: with the OpenAPI schemas served, the
// real kubectl computes apply's strategic-merge patch from them (it fetches
// the apps/v1 v3 document); a changed image, an added env var and a
// removed port come out right, containers merged by name, and fields set
// by others (a container added with kubectl patch) kept.
func TestApplyMergesWithServedSchemas(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	c.ok(t, applyTwoContainers, "apply", "-f", "-")
	c.ok(t, "", "patch", "deployment", "web", "--type=strategic", "-p",
		`{"spec":{"template":{"spec":{"containers":[{"name":"extra","image":"minik8s/pause:v1"}]}}}}`)
	changed := strings.NewReplacer(
		"image: minik8s/testserver:v1", "image: minik8s/testserver:v2",
		"        - containerPort: 9090\n", "",
		"        - name: A\n          value: \"1\"\n", "        - name: A\n          value: \"1\"\n        - name: B\n          value: \"2\"\n",
	).Replace(applyTwoContainers)
	out, errs, err := c.kubectl(t, changed, "apply", "-f", "-", "-v=6")
	if err != nil {
		t.Fatalf("apply: %v\n%s%s", err, out, errs)
	}
	if !strings.Contains(errs, "/openapi/v3/apis/apps/v1?hash=") {
		t.Errorf("kubectl apply did not read the apps/v1 OpenAPI v3 document:\n%s", errs)
	}
	if strings.Contains(errs, "error calculating patch") {
		t.Errorf("kubectl could not use the served schema:\n%s", errs)
	}
	var d struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Name, Image string
						Ports       []struct{ ContainerPort int }
						Env         []struct{ Name, Value string }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(c.ok(t, "", "get", "deployment", "web", "-o", "json")), &d); err != nil {
		t.Fatal(err)
	}
	cs := d.Spec.Template.Spec.Containers
	got := map[string]string{}
	for _, ct := range cs {
		b, _ := json.Marshal(ct)
		got[ct.Name] = string(b)
	}
	want := map[string]string{
		"main":  `{"Name":"main","Image":"minik8s/testserver:v2","Ports":[{"ContainerPort":8080}],"Env":null}`,
		"side":  `{"Name":"side","Image":"minik8s/tools:v1","Ports":null,"Env":[{"Name":"A","Value":"1"},{"Name":"B","Value":"2"}]}`,
		"extra": `{"Name":"extra","Image":"minik8s/pause:v1","Ports":null,"Env":null}`,
	}
	if len(cs) != 3 {
		t.Errorf("want 3 containers, got %d: %v", len(cs), got)
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("container %s:\n got %s\nwant %s", name, got[name], w)
		}
	}
}

package compat

import (
	"regexp"
	"strings"
	"testing"
)

// Imperative commands (issue 12, part 1): each runs through the real
// kubectl v1.32 in namespace "real" and through ours in namespace "ours",
// on twin objects of the same apiserver, and must exit alike and print
// the same once both namespaces read "@" and server-made values (uids,
// times, resource versions) are masked.

// serverMade matches the values the server makes up differently for each twin.
var serverMade = regexp.MustCompile(`("?(uid|creationTimestamp|resourceVersion)"?: )"?[^",\n]*"?`)

// twinText is s with the twin's namespace as "@" and server-made values masked.
func twinText(s, ns string) string {
	return serverMade.ReplaceAllString(strings.ReplaceAll(s, ns, "@"), "${1}X")
}

// twin runs args ("@" standing for the namespace) through both kubectls
// and wants the same success, stdout and stderr; it returns stdout.
func (c *cluster) twin(t *testing.T, args ...string) string {
	t.Helper()
	with := func(ns string) []string {
		out := make([]string, len(args))
		for i, a := range args {
			out[i] = strings.ReplaceAll(a, "@", ns)
		}
		return out
	}
	rOut, rErr, rerr := c.kubectl(t, "", with("real")...)
	oOut, oErr, oerr := c.ours(t, with("ours")...)
	rOut, rErr = twinText(rOut, "real"), twinText(rErr, "real")
	oOut, oErr = twinText(oOut, "ours"), twinText(oErr, "ours")
	if (rerr == nil) != (oerr == nil) || rOut != oOut || rErr != oErr {
		t.Fatalf("kubectl %s differs\nreal (%v):\n%s%s\nours (%v):\n%s%s", strings.Join(args, " "), rerr, rOut, rErr, oerr, oOut, oErr)
	}
	return rOut
}

// twins makes the namespaces "real" and "ours" with the same objects.
func (c *cluster) twins(t *testing.T, yamls ...string) {
	t.Helper()
	for _, ns := range []string{"real", "ours"} {
		c.ok(t, "", "create", "namespace", ns)
		for _, y := range yamls {
			c.ok(t, y, "create", "-n", ns, "-f", "-")
		}
	}
}

// envSourcesYAML are a ConfigMap and a Secret for set env --from (one
// key each besides the secret's db.pass, so that kubectl's map order
// cannot differ from ours).
const envSourcesYAML = `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {greeting: hello}
---
apiVersion: v1
kind: Secret
metadata: {name: pw}
stringData: {db.pass: x}
`

const dbPodYAML = `apiVersion: v1
kind: Pod
metadata:
  name: db
  labels: {app: db, tier: back}
spec:
  containers:
  - name: main
    image: minik8s/testserver:latest
`

// TestCreateJobMatchesRealKubectl: create job (--image, a command,
// --from=cronjob), create cronjob and create's --dry-run=server.
func TestCreateJobMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	c.twins(t)
	for _, args := range [][]string{
		{"create", "job", "j", "--image=busybox", "-n", "@"},
		{"create", "job", "j", "--image=busybox", "-n", "@"}, // exists
		{"create", "job", "j2", "--image=busybox", "-n", "@", "--", "sh", "-c", "sleep 1"},
		{"get", "job", "j2", "-n", "@", "-o", "jsonpath={.spec.template.spec}"},
		{"create", "job", "j3", "--image=busybox", "-n", "@", "-o", "name"},
		{"create", "job", "x", "--image=busybox", "--dry-run=client", "-o", "yaml", "--", "date"},
		{"create", "job", "x", "--image=busybox", "-n", "@", "--dry-run=client", "-o", "json"},
		{"create", "job", "x", "--image=busybox", "-n", "@", "--dry-run=server"},
		{"create", "job", "x", "--image=busybox", "sleep", "1"},
		{"create", "job", "x", "-n", "@"},
		{"create", "job", "x", "--image=busybox", "--from=cronjob/cj", "-n", "@"},
		{"create", "job", "x", "--from=cronjob/cj", "-n", "@", "--", "date"},
		{"create", "job", "x", "--from=cronjob/nope", "-n", "@"},
		{"create", "job", "x", "--image=busybox", "-n", "@", "-o", "wide"},
		{"create", "cronjob", "cj", "--image=busybox", "--schedule=*/1 * * * *", "-n", "@", "--", "date"},
		{"create", "cronjob", "cj", "--image=busybox", "--schedule=*/1 * * * *", "-n", "@"}, // exists
		{"create", "cj", "cj2", "--image=busybox", "--schedule=0 * * * *", "--restart=Never", "-n", "@", "--dry-run=client", "-o", "yaml"},
		{"get", "cronjob", "cj", "-n", "@", "-o", "jsonpath={.spec}"},
		{"create", "job", "manual", "--from=cronjob/cj", "-n", "@", "--dry-run=client", "-o", "yaml"},
		{"create", "job", "manual", "--from=cj/cj", "-n", "@"},
		{"get", "job", "manual", "-n", "@", "-o", "jsonpath={.metadata.annotations} {.metadata.ownerReferences[0].kind} {.metadata.ownerReferences[0].name} {.metadata.ownerReferences[0].controller} {.spec.template.spec.containers[0].command}"},
		{"create", "deployment", "d", "--image=busybox", "-n", "@", "--dry-run=server"},
		{"create", "namespace", "x", "--dry-run=server", "-o", "name"},
	} {
		c.twin(t, args...)
	}
	// The cron job's uid is the owner's.
	for _, ns := range []string{"real", "ours"} {
		cj := c.uidOf(t, "get", "cronjob", "cj", "-n", ns)
		if owner := c.ok(t, "", "get", "job", "manual", "-n", ns, "-o", "jsonpath={.metadata.ownerReferences[0].uid}"); owner != cj {
			t.Fatalf("%s: owner uid %q, cron job uid %q", ns, owner, cj)
		}
	}
	// --dry-run=server wrote nothing.
	for _, ns := range []string{"real", "ours"} {
		if _, _, err := c.kubectl(t, "", "get", "job", "x", "-n", ns); err == nil {
			t.Fatalf("%s: job x exists after --dry-run=server", ns)
		}
	}
	// Missing required flags fail both (kubectl logs cobra's error through klog).
	_, rErr, rerr := c.kubectl(t, "", "create", "cronjob", "x", "--image=busybox")
	_, oErr, oerr := c.ours(t, "create", "cronjob", "x", "--image=busybox")
	if rerr == nil || oerr == nil || !strings.Contains(rErr, `required flag(s) \"schedule\" not set`) || oErr != "error: required flag(s) \"schedule\" not set\n" {
		t.Fatalf("create cronjob without --schedule: real %v %q, ours %v %q", rerr, rErr, oerr, oErr)
	}
}

// TestLabelAndAnnotateMatchRealKubectl walks label and annotate through
// the same changes with both kubectls.
func TestLabelAndAnnotateMatchRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	c.twins(t, podYAML, dbPodYAML, strings.ReplaceAll(podYAML, "web", "solo"))
	for _, args := range [][]string{
		// kubectl lists in a Go map's order: one label keeps it stable.
		{"label", "pod", "solo", "--list", "-n", "@"},
		{"label", "pod", "web", "app=x", "-n", "@"},
		{"label", "pod", "web", "app=web", "-n", "@"},
		{"label", "pod", "web", "app=x", "--overwrite", "-n", "@"},
		{"label", "pod", "web", "app=web", "--overwrite", "-n", "@"},
		{"label", "pod", "web", "app=web", "--overwrite", "-n", "@"},
		{"label", "pod", "web", "foo=bar", "-o", "name", "-n", "@"},
		{"label", "pod", "web", "foo-", "-n", "@"},
		{"label", "pod", "web", "foo-", "-n", "@"},
		{"label", "pod", "web", "app-", "--overwrite", "-n", "@"},
		{"label", "pod/web", "app=web", "-n", "@"},
		{"label", "pods", "--all", "x=y", "-n", "@"},
		{"label", "pods", "--all", "x=z", "-n", "@"},
		{"label", "pods", "-l", "app=db", "x-", "-n", "@"},
		{"label", "pod", "web", "nope", "a=b", "-n", "@"},
		{"label", "pod", "web", "a=b", "--resource-version=1", "-n", "@"},
		{"label", "pod", "web", "b=c", "--dry-run=client", "-n", "@"},
		{"label", "pod", "web", "b=c", "--dry-run=server", "-n", "@"},
		{"label", "pod", "web", "b=c", "-o", "yaml", "-n", "@"},
		{"label", "pod", "web", "b=d", "--overwrite", "-o", "json", "-n", "@"},
		{"label", "pod", "web", "q=1", "-o", "wide", "-n", "@"},
		{"get", "pods", "-n", "@", "-o", "jsonpath={.items[*].metadata.labels}"},
		{"label", "pod", "web", "a=b=c", "-n", "@"},
		{"label", "pod", "web", "a=b", "c", "-n", "@"},
		{"label", "pod", "web", "a=b", "a-", "-n", "@"},
		{"label", "pod", "web", "a=b c", "-n", "@"},
		{"label", "pod", "web", "a=b", "--list", "-o", "yaml", "-n", "@"},
		{"label", "pods", "--all", "a=b", "--resource-version=1", "-n", "@"},
		{"label", "pods", "--all", "-l", "a=b", "c=d", "-n", "@"},
		{"label", "pod", "nope", "a=b", "-n", "@"},
		{"label", "pods", "a=b", "-n", "@"},
		{"label", "pod", "web", "-n", "@"},

		{"annotate", "pod", "web", "a=b", "-n", "@"},
		{"annotate", "pod", "web", "a=b", "-n", "@"},
		{"annotate", "pod", "web", "a=c", "b=d", "-n", "@"},
		{"annotate", "pod", "web", "a=c", "--overwrite", "-n", "@"},
		{"annotate", "pod", "web", "a-", "b-", "-n", "@"},
		{"annotate", "pod", "web", "a=b", "a-", "-n", "@"},
		{"annotate", "pod", "web", "a=b=c", "-o", "name", "-n", "@"},
		{"annotate", "pod", "web", "--list", "-n", "@"},
		{"annotate", "pods", "--all", "--list", "-n", "@"},
		{"annotate", "pods", "-l", "app=db", "note=x y", "-n", "@"},
		{"annotate", "pod", "web", "kubernetes.io/change-cause=one", "-n", "@"},
		{"annotate", "pod", "web", "kubernetes.io/change-cause=two", "-n", "@"},
		{"annotate", "pod", "web", "q=1", "--dry-run=server", "-n", "@"},
		{"annotate", "pod", "web", "q=1", "--dry-run=client", "-o", "yaml", "-n", "@"},
		{"annotate", "pod", "web", "q=1", "-o", "wide", "-n", "@"},
		{"annotate", "pod", "web", "x", "-n", "@"},
		{"annotate", "pod", "web", "-n", "@"},
		{"annotate", "-n", "@"},
		{"annotate", "pod", "nope", "a=b", "-n", "@"},
		{"get", "pods", "-n", "@", "-o", "jsonpath={.items[*].metadata.annotations}"},
	} {
		c.twin(t, args...)
	}
}

// boundPodYAML is a pod bound to a node: without --force, its deletion
// waits for the kubelet.
const boundPodYAML = `apiVersion: v1
kind: Pod
metadata:
  name: %NAME%
spec:
  nodeName: node1
  containers:
  - name: main
    image: minik8s/testserver:latest
`

// TestDeleteGracePeriodMatchesRealKubectl: delete's --force,
// --grace-period and --now print what kubectl prints, and --force deletes
// a bound pod at once.
func TestDeleteGracePeriodMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	var pods []string
	for _, p := range []string{"p1", "p2", "p3", "p4", "p5", "p6", "p7"} {
		pods = append(pods, strings.ReplaceAll(boundPodYAML, "%NAME%", p))
	}
	c.twins(t, pods...)
	for _, args := range [][]string{
		{"delete", "pod", "p1", "--force", "-n", "@"},
		{"get", "pod", "p1", "-n", "@"},
		{"delete", "pod", "p2", "--grace-period=0", "--wait=false", "-n", "@"},
		{"get", "pod", "p2", "-n", "@", "-o", "jsonpath={.metadata.deletionGracePeriodSeconds}"},
		{"delete", "pod", "p3", "--grace-period=0", "--force", "-n", "@"},
		{"delete", "pod", "p4", "--grace-period=5", "--force", "-n", "@"},
		{"delete", "pod", "p4", "--now", "--grace-period=5", "-n", "@"},
		{"delete", "pod", "p4", "--now", "--wait=false", "-n", "@"},
		{"delete", "pod", "p5", "--force", "-o", "name", "-n", "@"},
		{"delete", "pod", "p6", "--dry-run=client", "-n", "@"},
		{"delete", "pod", "p6", "--dry-run=server", "-n", "@"},
		{"delete", "pod", "p6", "--grace-period=0", "--force", "--dry-run=server", "-n", "@"},
		{"get", "pod", "p6", "-n", "@", "-o", "name"},
		{"delete", "pod", "p6", "-o", "yaml", "-n", "@"},
		{"delete", "pod", "nope", "--force", "-n", "@"},
		{"delete", "pod", "p7", "--grace-period=10", "--wait=false", "-n", "@"},
		{"get", "pod", "p7", "-n", "@", "-o", "jsonpath={.metadata.deletionGracePeriodSeconds}"},
	} {
		c.twin(t, args...)
	}
}

const twoContainerDeployYAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  replicas: 0
  selector:
    matchLabels: {app: d}
  template:
    metadata:
      labels: {app: d}
    spec:
      containers:
      - name: main
        image: minik8s/testserver:latest
        env:
        - name: POD
          valueFrom:
            fieldRef: {fieldPath: metadata.name}
      - name: side
        image: busybox
`

// TestSetEnvAndResourcesMatchRealKubectl: set env and set resources
// change the pod template alike and print the same.
func TestSetEnvAndResourcesMatchRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	c.twins(t, twoContainerDeployYAML, envSourcesYAML)
	for _, args := range [][]string{
		{"set", "env", "deployment/d", "A=1", "-n", "@"},
		{"set", "env", "deployment/d", "--from=configmap/cfg", "--prefix=APP_", "-c", "main", "-n", "@"},
		{"set", "env", "deployment/d", "--from=secret/pw", "--keys=db.pass", "-c", "main", "-n", "@"},
		{"set", "env", "deployment/d", "--from=secret/pw", "--list", "-c", "main", "-n", "@"},
		{"set", "env", "deployment/d", "--from=deployment/d", "-n", "@"},
		{"set", "env", "deployment/d", "--from=configmap/nope", "-n", "@"},
		{"set", "env", "deployment/d", "A=1", "-n", "@"}, // no change: prints nothing
		{"set", "env", "deployment/d", "A=2", "--overwrite=false", "-n", "@"},
		{"set", "env", "deployment/d", "A=2", "B=3", "-c", "side", "-n", "@"},
		{"set", "env", "deployment/d", "-e", "C=4", "--prefix=P_", "-n", "@"},
		{"set", "env", "deployment/d", "--list", "-n", "@"},
		{"set", "env", "deployment", "d", "A-", "-c", "main", "-n", "@"},
		{"set", "env", "deployment/d", "A=1", "A-", "-n", "@"},
		{"set", "env", "deployment/d", "1A=1", "-n", "@"},
		{"set", "env", "deployment/d", "X=1", "-c", "nope", "-n", "@"},
		{"set", "env", "deployment/d", "X=1", "--dry-run=client", "-o", "yaml", "-n", "@"},
		{"set", "env", "deployment/d", "X=1", "--dry-run=server", "-n", "@"},
		{"set", "env", "deployment/d", "X=1", "-o", "name", "-n", "@"},
		{"set", "env", "deployment/d", "X=1", "--list", "-o", "yaml", "-n", "@"},
		{"set", "env", "A=1", "-n", "@"},
		{"set", "env", "deployment/d", "A=1", "pods", "-n", "@"},
		{"set", "env", "deployment", "nope", "A=1", "-n", "@"},
		{"set", "env", "deployment/d", "--keys=a", "-n", "@"},
		{"set", "env", "deployments", "--all", "Z=9", "-o", "json", "-n", "@"},
		{"set", "resources", "deployment/d", "--limits=cpu=200m,memory=512Mi", "-n", "@"},
		{"set", "resources", "deployment/d", "--limits=cpu=200m,memory=512Mi", "-n", "@"},
		{"set", "resources", "deployment/d", "--requests=cpu=100m", "-c", "side", "-n", "@"},
		{"set", "resources", "deployment/d", "--requests=cpu=100m", "-c", "nope", "-n", "@"},
		{"set", "resources", "deployment/d", "-n", "@"},
		{"set", "resources", "deployment/d", "--limits=cpu", "-n", "@"},
		{"set", "resources", "deployment/d", "--limits=cpu=abc", "-n", "@"},
		{"set", "resources", "deployment/nope", "--limits=cpu=1", "-n", "@"},
		{"set", "resources", "deployment/d", "--limits=cpu=1", "--dry-run=server", "-n", "@"},
		{"set", "resources", "deployment/d", "--limits=cpu=2", "-o", "yaml", "-n", "@"},
		{"set", "resources", "deployment/d", "--limits=cpu=3", "--dry-run=client", "-o", "json", "-n", "@"},
		{"set", "resources", "-n", "@"},
		{"set", "resources", "deployments", "--all", "-l", "a=b", "--limits=cpu=1", "-n", "@"},
		{"get", "deployment", "d", "-n", "@", "-o", "jsonpath={.spec.template.spec.containers}"},
	} {
		c.twin(t, args...)
	}
}

// TestDeleteNothingMatchesRealKubectl: a delete that selects nothing says
// so as kubectl does.
func TestDeleteNothingMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	c.twins(t)
	for _, args := range [][]string{
		{"delete", "pods", "--all", "-n", "@"},
		{"delete", "pods", "-l", "a=b", "--force", "-n", "@"},
	} {
		c.twin(t, args...)
	}
}

package compat

import (
	"strings"
	"testing"
)

const psaPlainPodYAML = `apiVersion: v1
kind: Pod
metadata:
  name: plain
spec:
  containers:
  - name: c
    image: busybox
`

const psaHostPathPodYAML = `apiVersion: v1
kind: Pod
metadata:
  name: hp
spec:
  hostNetwork: true
  containers:
  - name: c
    image: busybox
    securityContext: {privileged: true}
  volumes:
  - name: root
    hostPath: {path: /}
`

const psaDeployYAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  selector:
    matchLabels: {app: d}
  template:
    metadata:
      labels: {app: d}
    spec:
      containers:
      - name: c
        image: busybox
`

// psaSame runs args through the real kubectl, undoes it with undo (when
// given), runs them through ours, undoes again, and wants the same stdout,
// stderr (the Warning lines and errors) and exit code.
func (c *cluster) psaSame(t *testing.T, undo []string, args ...string) string {
	t.Helper()
	rOut, rErr, rerr := c.kubectl(t, "", args...)
	if undo != nil {
		c.ok(t, "", undo...)
	}
	oOut, oErr, oerr := c.ours(t, args...)
	if undo != nil {
		c.ok(t, "", undo...)
	}
	if exitCode(rerr) != exitCode(oerr) || rOut != oOut || rErr != oErr {
		t.Fatalf("kubectl %s differs\nreal (%v):\n%s%s\nours (%v):\n%s%s", strings.Join(args, " "), rerr, rOut, rErr, oerr, oOut, oErr)
	}
	return rErr
}

// TestPodSecurityMatchesRealKubectl: the real kubectl and ours print the
// same PodSecurity errors and warnings for the same applies and labels.
func TestPodSecurityMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	dir := t.TempDir()
	plain := writeFile(t, dir, "plain.yaml", psaPlainPodYAML)
	hp := writeFile(t, dir, "hp.yaml", psaHostPathPodYAML)
	deploy := writeFile(t, dir, "deploy.yaml", psaDeployYAML)
	c.ok(t, "", "create", "namespace", "enf")
	c.ok(t, "", "create", "namespace", "wrn")
	c.ok(t, "", "label", "namespace", "enf", "pod-security.kubernetes.io/enforce=baseline")
	c.ok(t, "", "label", "namespace", "wrn", "pod-security.kubernetes.io/warn=restricted")

	// enforce: the error, exit 1
	errs := c.psaSame(t, nil, "apply", "-n", "enf", "-f", hp)
	if !strings.Contains(errs, `violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), hostPath volumes (volume "root"), privileged (container "c" must not set securityContext.privileged=true)`) {
		t.Errorf("enforce error: %s", errs)
	}
	// warn: the Warning line, created
	errs = c.psaSame(t, []string{"delete", "pod", "plain", "-n", "wrn", "--wait=false"}, "apply", "-n", "wrn", "-f", plain)
	if !strings.HasPrefix(errs, `Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false`) {
		t.Errorf("warn: %s", errs)
	}
	c.psaSame(t, []string{"delete", "pod", "plain", "-n", "wrn", "--wait=false"}, "create", "-n", "wrn", "-f", plain)
	// a workload in an enforce namespace: created with a warning
	errs = c.psaSame(t, []string{"delete", "deployment", "d", "-n", "wrn"}, "apply", "-n", "wrn", "-f", deploy)
	if !strings.Contains(errs, "Warning: would violate PodSecurity") {
		t.Errorf("deployment: %s", errs)
	}
	// an invalid label value
	errs = c.psaSame(t, nil, "label", "namespace", "enf", "--overwrite", "pod-security.kubernetes.io/enforce=strict")
	if !strings.Contains(errs, `Invalid value: "strict": must be one of privileged, baseline, restricted`) {
		t.Errorf("invalid label: %s", errs)
	}
	// a stricter enforce level warns about the existing pods
	c.ok(t, "", "apply", "-n", "wrn", "-f", plain)
	errs = c.psaSame(t, []string{"label", "namespace", "wrn", "pod-security.kubernetes.io/enforce-"},
		"label", "namespace", "wrn", "pod-security.kubernetes.io/enforce=restricted")
	if !strings.Contains(errs, `Warning: existing pods in namespace "wrn" violate the new PodSecurity enforce level "restricted:latest"`) ||
		!strings.Contains(errs, "Warning: plain: allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile") {
		t.Errorf("relabel: %s", errs)
	}
}

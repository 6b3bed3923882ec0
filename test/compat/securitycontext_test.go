package compat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecurityContextMatchesRealKubectl: a pod with an invalid
// securityContext is refused by the apiserver with every field named, and
// the real kubectl v1.32 and ours print the same error and exit code; a
// valid one is created and reads back the same through both.
func TestSecurityContextMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := write("bad.yaml", `apiVersion: v1
kind: Pod
metadata: {name: bad}
spec:
  securityContext:
    runAsUser: -1
    sysctls: [{name: vm.swappiness, value: "10"}]
    seccompProfile: {type: Localhost}
  containers:
  - name: c
    image: minik8s/tools:latest
    securityContext:
      privileged: true
      allowPrivilegeEscalation: false
      procMount: Unmasked
`)
	good := write("good.yaml", `apiVersion: v1
kind: Pod
metadata: {name: good}
spec:
  securityContext: {runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: c
    image: minik8s/tools:latest
    securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`)
	out, errs, err := c.ours(t, "apply", "-f", bad)
	if err == nil {
		t.Fatalf("the invalid pod was accepted: %s", out)
	}
	for _, want := range []string{
		`spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive`,
		`spec.securityContext.sysctls[0].name: Invalid value: "vm.swappiness"`,
		`spec.securityContext.seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost`,
		"cannot set `allowPrivilegeEscalation` to false and `privileged` to true",
		"spec.containers[0].securityContext.procMount: Invalid value: \"Unmasked\"",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("error lacks %q:\n%s", want, errs)
		}
	}
	c.sameOutput(t, "apply", "-f", bad)

	c.ok(t, "", "apply", "-f", good)
	got := c.sameOutput(t, "get", "pod", "good", "-o", "jsonpath={.spec.securityContext} {.spec.containers[0].securityContext}")
	want := `{"fsGroup":2000,"runAsGroup":3000,"runAsUser":1000,"seccompProfile":{"type":"RuntimeDefault"}} {"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"readOnlyRootFilesystem":true}`
	if got != want {
		t.Errorf("read back %s\nwant %s", got, want)
	}
}

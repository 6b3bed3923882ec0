package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// labSettingsEnv is the environment scripts/lib.sh sees in TestUpSettings:
// none of the lab's settings inherited from the test's own environment.
func labSettingsEnv(state string, extra ...string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "MINIK8S_STATE=" + state}
	return append(env, extra...)
}

// TestUpSettings table-tests how scripts/up.sh and down.sh resolve the lab's
// settings (scripts/lib.sh settings_plan and lab_settings): recorded on the
// first run, reused later, a different explicit value refused. No root.
func TestUpSettings(t *testing.T) {
	root := repoRoot(t)
	lib := filepath.Join(root, "scripts", "lib.sh")
	cases := []struct {
		name     string
		recorded string   // lab.env's content; "" = no file
		env      []string // explicitly given settings
		fn       string   // the shell code run after sourcing lib.sh
		want     []string // lines the output must hold
		wantErr  string   // a part of the error, if it must fail
	}{
		{name: "defaults", fn: `settings_plan "$LAB_ENV"`,
			want: []string{"NODES=2", "BACKEND=vxlan", "IPTABLES_BACKEND=legacy", "ADDONS=dns,ingress", "AUTHORIZATION_MODE=Node,RBAC",
				"HA=0", "MK8S_LAB_PREFIX=mk8s", "MK8S_LAB_SUBNET=192.168.77.0/24", "MINIK8S_APISERVER_PORT=6443",
				"CONTAINERD_ADDRESS=/run/containerd/containerd.sock"}},
		{name: "given", env: []string{"NODES=3", "BACKEND=host-gw", "ADDONS="}, fn: `settings_plan "$LAB_ENV"`,
			want: []string{"NODES=3", "BACKEND=host-gw", "ADDONS="}},
		{name: "recorded reused", recorded: "NODES=3\nBACKEND=host-gw\nADDONS=\n", fn: `settings_plan "$LAB_ENV"`,
			want: []string{"NODES=3", "BACKEND=host-gw", "ADDONS=", "IPTABLES_BACKEND=legacy"}},
		{name: "recorded, the same given", recorded: "BACKEND=host-gw\n", env: []string{"BACKEND=host-gw"}, fn: `settings_plan "$LAB_ENV"`,
			want: []string{"BACKEND=host-gw"}},
		{name: "recorded, another given", recorded: "BACKEND=host-gw\n", env: []string{"BACKEND=vxlan"}, fn: `settings_plan "$LAB_ENV"`,
			wantErr: "the lab was made with BACKEND=host-gw, not BACKEND=vxlan; run make down first to change it"},
		{name: "recorded none, some given", recorded: "ADDONS=\n", env: []string{"ADDONS=dns"}, fn: `settings_plan "$LAB_ENV"`,
			wantErr: "the lab was made with ADDONS=, not ADDONS=dns"},
		{name: "unknown recorded", recorded: "FOO=1\n", fn: `settings_plan "$LAB_ENV"`, wantErr: "unknown setting FOO"},
		{name: "bad line", recorded: "NODES 3\n", fn: `settings_plan "$LAB_ENV"`, wantErr: "bad line 'NODES 3'"},
		{name: "record then reuse", env: []string{"NODES=3", "MK8S_LAB_PREFIX=mk8x", "MK8S_LAB_SUBNET=192.168.108.0/24"},
			fn:   `lab_settings record; unset NODES MK8S_LAB_PREFIX MK8S_LAB_SUBNET; lab_settings; echo "gw=$LAB_GATEWAY nodes=$NODES prefix=$MK8S_LAB_PREFIX"; cat "$LAB_ENV"`,
			want: []string{"gw=192.168.108.1 nodes=3 prefix=mk8x", "NODES=3", "MK8S_LAB_SUBNET=192.168.108.0/24"}},
		{name: "bad backend", env: []string{"BACKEND=flannel"}, fn: `lab_settings record`, wantErr: "BACKEND=flannel: want vxlan or host-gw"},
		{name: "bad subnet", env: []string{"MK8S_LAB_SUBNET=10.0.0.0/16"}, fn: `lab_settings`, wantErr: "MK8S_LAB_SUBNET=10.0.0.0/16: want A.B.C.0/24"},
		{name: "bad port", env: []string{"MINIK8S_APISERVER_PORT=70000"}, fn: `lab_settings`, wantErr: "MINIK8S_APISERVER_PORT=70000: want a port number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			state := t.TempDir()
			if tc.recorded != "" {
				if err := os.WriteFile(filepath.Join(state, "lab.env"), []byte(tc.recorded), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command("bash", "-c", `set -euo pipefail; . "$1"; `+tc.fn, "bash", lib)
			cmd.Env = labSettingsEnv(state, tc.env...)
			out, err := cmd.CombinedOutput()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(string(out), tc.wantErr) {
					t.Fatalf("want an error with %q, got err %v, output:\n%s", tc.wantErr, err, out)
				}
				if tc.recorded == "" {
					if _, err := os.Stat(filepath.Join(state, "lab.env")); err == nil {
						t.Errorf("a refused setting was recorded in lab.env")
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			lines := strings.Split(string(out), "\n")
			for _, w := range tc.want {
				found := false
				for _, l := range lines {
					if l == w {
						found = true
					}
				}
				if !found {
					t.Errorf("output lacks line %q:\n%s", w, out)
				}
			}
		})
	}
}

package kubectl

import (
	"strings"
	"testing"
)

func TestSplitKindName(t *testing.T) {
	for _, tc := range []struct {
		in, kind, name, port, err string
	}{
		{in: "pod/a", kind: "pod", name: "a"},
		{in: "po/a:8080", kind: "pod", name: "a", port: "8080"},
		{in: "svc/web:http", kind: "svc", name: "web", port: "http"},
		{in: "service/web", kind: "svc", name: "web"},
		{in: "node/n1", kind: "node", name: "n1"},
		{in: "deploy/x", err: `"deploy/x": the type must be pod, svc or node`},
		{in: "pod/", err: `"pod/": want TYPE/NAME`},
		{in: "a", err: `"a": want TYPE/NAME`},
	} {
		k, n, p, err := splitKindName(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || k != tc.kind || n != tc.name || p != tc.port {
			t.Errorf("%s: %s %s %s %v", tc.in, k, n, p, err)
		}
	}
}

// TestTraceUsage: the origin and --to are required, -o takes only json.
func TestTraceUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"trace"}, "exactly one origin (pod/NAME or node/NAME) is required, got 0"},
		{[]string{"trace", "pod/a"}, "--to is required"},
		{[]string{"trace", "pod/a", "--to", "pod/b", "-o", "yaml"}, `unable to match a printer suitable for the output format "yaml", allowed formats are: json`},
	} {
		cmd := NewCommand()
		var out strings.Builder
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SetArgs(tc.args)
		err := cmd.Execute()
		if err == nil || !strings.Contains(err.Error()+out.String(), tc.want) {
			t.Errorf("%v: %v %s, want %q", tc.args, err, out.String(), tc.want)
		}
	}
	if p := NewTracePluginCommand(); !strings.HasPrefix(p.Use, "kubectl-trace ") || p.Flags().Lookup("to") == nil || p.PersistentFlags().Lookup("kubeconfig") == nil {
		t.Errorf("plugin command: %q", p.Use)
	}
}

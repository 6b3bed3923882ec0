package etcdsnapshot

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func runCommand(args ...string) (string, error) {
	cmd := NewCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func TestCommandFlags(t *testing.T) {
	dir := t.TempDir()
	out, err := runCommand("ls", "--dir", filepath.Join(dir, "none"))
	if err != nil || !strings.HasPrefix(out, "NAME") || strings.Count(out, "\n") != 1 {
		t.Errorf("ls of a missing dir = %q, %v; want the header only", out, err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"restore"}, "accepts 1 arg(s), received 0"},
		{[]string{"restore", "/s", "--data-dir", "/d", "--name", "m1"}, "exclude each other"},
		{[]string{"restore", "/s", "--bump-revision", "0"}, "--mark-compacted needs --bump-revision > 0"},
		{[]string{"restore", filepath.Join(dir, "missing"), "--data-dir", filepath.Join(dir, "etcd")}, "no such file or directory"},
		{[]string{"save", "--name", "a/b", "--data-dir", dir}, `snapshot name "a/b" is not a file name`},
		{[]string{"save", "--etcd-servers", "https://127.0.0.1:1", "--etcd-certfile", "c.pem", "--dir", dir, "--node-name", "n"}, "go together"},
	} {
		if _, err := runCommand(tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error = %v, want %q", tc.args, err, tc.want)
		}
	}
}

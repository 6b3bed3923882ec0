package kubelet

import "testing"

func TestTailLines(t *testing.T) {
	data := []byte("a\nb\nc\n")
	cases := []struct {
		n    int
		want string
	}{{-1, "a\nb\nc\n"}, {0, ""}, {1, "c\n"}, {2, "b\nc\n"}, {3, "a\nb\nc\n"}, {10, "a\nb\nc\n"}}
	for _, c := range cases {
		if got := string(tailLines(data, c.n)); got != c.want {
			t.Errorf("tail %d = %q, want %q", c.n, got, c.want)
		}
	}
	if got := string(tailLines([]byte("x\ny"), 1)); got != "y" {
		t.Errorf("no final newline: %q", got)
	}
}

package runtime

import "testing"

func TestVerifyRunAsNonRoot(t *testing.T) {
	u := func(v int64) *int64 { return &v }
	pod := FormatPod("p", "ns", "u1")
	cases := []struct {
		name      string
		sc        *SecurityConfig
		imageUser string
		want      string // "" = allowed
	}{
		{"no security config", nil, "", ""},
		{"runAsNonRoot unset, root image", &SecurityConfig{}, "", ""},
		{"root image (no USER)", &SecurityConfig{RunAsNonRoot: true}, "", `container has runAsNonRoot and image will run as root (pod: "p_ns(u1)", container: c)`},
		{"root image (USER 0:0)", &SecurityConfig{RunAsNonRoot: true}, "0:0", `container has runAsNonRoot and image will run as root (pod: "p_ns(u1)", container: c)`},
		{"image with a user name", &SecurityConfig{RunAsNonRoot: true}, "nobody", `container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root (pod: "p_ns(u1)", container: c)`},
		{"image with a numeric user", &SecurityConfig{RunAsNonRoot: true}, "1000:1000", ""},
		{"runAsUser 1000 on a root image", &SecurityConfig{RunAsNonRoot: true, RunAsUser: u(1000)}, "", ""},
		{"runAsUser 0", &SecurityConfig{RunAsNonRoot: true, RunAsUser: u(0)}, "1000", `container's runAsUser breaks non-root policy (pod: "p_ns(u1)", container: c)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyRunAsNonRoot(tc.sc, tc.imageUser, pod, "c")
			got := ""
			if err != nil {
				got = err.Error()
				if !IsConfigError(err) {
					t.Errorf("error %v is not a ConfigError", err)
				}
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

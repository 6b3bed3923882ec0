package kubectl

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

func TestCascadePolicy(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		warn     bool
		err      bool
	}{
		{"background", "Background", false, false},
		{"foreground", "Foreground", false, false},
		{"orphan", "Orphan", false, false},
		{"Orphan", "Orphan", false, false},
		{"true", "Background", true, false},
		{"false", "Orphan", true, false},
		{"sideways", "", false, true},
	} {
		got, warn, err := cascadePolicy(tc.in)
		if got != tc.want || (warn != "") != tc.warn || (err != nil) != tc.err {
			t.Errorf("%q: got %q %q %v", tc.in, got, warn, err)
		}
	}
	if _, _, err := cascadePolicy("sideways"); err == nil || err.Error() != `invalid cascade value (sideways). Must be "background", "foreground", or "orphan"` {
		t.Errorf("error text: %v", err)
	}
}

// TestDeleteCascade checks what --cascade sends: a pod that a user
// finalizer keeps shows the garbage collector's finalizer each policy adds
// (no garbage collector runs here to remove them).
func TestDeleteCascade(t *testing.T) {
	ts := testserver.Start(t)
	c, err := client.New(&client.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "held", Namespace: "default", Finalizers: []string{"example.com/hold"}},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}}}
	if _, err := c.Pods("default").Create(ctx, pod); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		flag string
		want []string
		warn string
	}{
		{"--cascade=orphan", []string{"example.com/hold", "orphan"}, ""},
		{"--cascade=foreground", []string{"example.com/hold", "foregroundDeletion"}, ""},
		{"--cascade=false", []string{"example.com/hold", "orphan"}, "--cascade=false is deprecated"},
		{"--cascade", []string{"example.com/hold"}, ""},
		{"--cascade=true", []string{"example.com/hold"}, "--cascade=true is deprecated"},
		{"--cascade=foreground", []string{"example.com/hold", "foregroundDeletion"}, ""},
		{"--wait=false", []string{"example.com/hold"}, ""}, // the default is background
	} {
		out, errOut, err := run(t, ts.URL, "", "delete", "pod", "held", "--wait=false", tc.flag)
		if err != nil || out != "pod \"held\" deleted\n" {
			t.Fatalf("%s: %q %q %v", tc.flag, out, errOut, err)
		}
		if tc.warn != "" && !strings.Contains(errOut, tc.warn) {
			t.Errorf("%s: stderr %q, want %q", tc.flag, errOut, tc.warn)
		}
		got, err := c.Pods("default").Get(ctx, "held")
		if err != nil {
			t.Fatal(err)
		}
		if got.DeletionTimestamp == nil || !slices.Equal(got.Finalizers, tc.want) {
			t.Errorf("%s: deletionTimestamp %v finalizers %v, want %v", tc.flag, got.DeletionTimestamp, got.Finalizers, tc.want)
		}
	}
	wantFail(t, ts.URL, "", `error: invalid cascade value (up). Must be "background", "foreground", or "orphan"`, "delete", "pod", "held", "--cascade=up")
}

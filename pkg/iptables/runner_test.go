package iptables

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/vishvananda/netns"
)

// inNetns runs f on a thread inside a throwaway network namespace
// (mk8x-ipt-<pid>), deleted afterwards. Commands started from f inherit it.
func inNetns(t *testing.T, f func()) {
	t.Helper()
	if testing.Short() || os.Geteuid() != 0 {
		t.Skip("needs root (a throwaway network namespace); not in -short")
	}
	name := fmt.Sprintf("mk8x-ipt-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", name).Run() })
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		h, err := netns.GetFromName(name)
		if err != nil {
			t.Errorf("netns %s: %v", name, err)
			return
		}
		defer h.Close()
		if err := netns.Set(h); err != nil {
			t.Errorf("setns: %v", err)
			return
		}
		f()
	}()
	<-done
}

func TestRunnerInNetns(t *testing.T) {
	inNetns(t, func() {
		ctx := context.Background()
		if b, err := DetectBackend(ctx); err != nil || b != Legacy {
			t.Errorf("empty namespace: DetectBackend = %q, %v; want legacy", b, err)
		}
		for _, b := range []Backend{Legacy, NFT} {
			r, err := New(ctx, b)
			if err != nil {
				t.Fatalf("New(%s): %v", b, err)
			}
			payload := "*nat\n:MK8X-TEST - [0:0]\n-A MK8X-TEST -m comment --comment \"ns/svc:http\" -j RETURN\nCOMMIT\n"
			if err := r.Restore(ctx, []byte(payload)); err != nil {
				t.Fatalf("%s restore: %v", b, err)
			}
			// --noflush: a second payload keeps chains it does not name.
			if err := r.Restore(ctx, []byte("*nat\n:MK8X-OTHER - [0:0]\nCOMMIT\n")); err != nil {
				t.Fatalf("%s restore: %v", b, err)
			}
			chains, err := r.Chains(ctx, "nat")
			if err != nil || !strings.Contains(strings.Join(chains, " "), "MK8X-TEST") || !strings.Contains(strings.Join(chains, " "), "MK8X-OTHER") {
				t.Errorf("%s chains = %v, %v", b, chains, err)
			}
			j := Jump{Table: "nat", Chain: "OUTPUT", Rule: []string{"-m", "comment", "--comment", "mk8x test", "-j", "MK8X-TEST"}}
			for i := 0; i < 2; i++ {
				if err := r.EnsureJump(ctx, j); err != nil {
					t.Fatalf("%s EnsureJump: %v", b, err)
				}
			}
			save, _ := r.Save(ctx, "nat")
			if n := strings.Count(string(save), "-A OUTPUT -m comment --comment \"mk8x test\" -j MK8X-TEST"); n != 1 {
				t.Errorf("%s: jump present %d times after two EnsureJump:\n%s", b, n, save)
			}
			if !strings.Contains(string(save), `--comment "ns/svc:http"`) {
				t.Errorf("%s save lost the comment:\n%s", b, save)
			}
			for i := 0; i < 2; i++ {
				if err := r.DeleteJump(ctx, j); err != nil {
					t.Errorf("%s DeleteJump #%d: %v", b, i, err)
				}
			}
			if save, _ := r.Save(ctx, "nat"); strings.Contains(string(save), "-A OUTPUT") {
				t.Errorf("%s: jump left after DeleteJump:\n%s", b, save)
			}
			if b == Legacy {
				// Our chains are in legacy now: auto keeps to them.
				if got, err := DetectBackend(ctx); err != nil || got != Legacy {
					t.Errorf("after legacy writes: DetectBackend = %q, %v", got, err)
				}
			}
		}
		// EnsureJumps: one save per table; present jumps cost no -C.
		r, _ := New(ctx, Legacy)
		if err := r.Restore(ctx, []byte("*nat\n:MK8X-A - [0:0]\nCOMMIT\n*filter\n:MK8X-B - [0:0]\nCOMMIT\n")); err != nil {
			t.Fatal(err)
		}
		jumps := []Jump{
			{Table: "nat", Chain: "OUTPUT", Rule: []string{"-m", "comment", "--comment", "mk8x a", "-j", "MK8X-A"}},
			{Table: "nat", Chain: "PREROUTING", Rule: []string{"-m", "comment", "--comment", "mk8x a", "-j", "MK8X-A"}},
			{Table: "filter", Chain: "FORWARD", Rule: []string{"-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "mk8x b", "-j", "MK8X-B"}, Append: true},
		}
		c := &counting{Interface: r}
		if err := EnsureJumps(ctx, c, jumps); err != nil || c.ensures != 3 {
			t.Fatalf("first EnsureJumps: %v, %d EnsureJump calls, want 3", err, c.ensures)
		}
		c.ensures = 0
		if err := EnsureJumps(ctx, c, jumps); err != nil || c.ensures != 0 {
			t.Errorf("second EnsureJumps: %v, %d EnsureJump calls, want 0 (the save shows them)", err, c.ensures)
		}
		for _, tbl := range []string{"nat", "filter"} {
			save, _ := r.Save(ctx, tbl)
			for _, j := range jumps {
				if j.Table == tbl && strings.Count(string(save), j.SaveLine()+"\n") != 1 {
					t.Errorf("%s: %q not there once:\n%s", tbl, j.SaveLine(), save)
				}
			}
		}
		// The hint in nft's mangle table wins over chains in legacy.
		r, _ = New(ctx, NFT)
		if err := r.Restore(ctx, []byte("*mangle\n:"+HintChain+" - [0:0]\nCOMMIT\n")); err != nil {
			t.Fatal(err)
		}
		if got, err := DetectBackend(ctx); err != nil || got != NFT {
			t.Errorf("with the hint in nft: DetectBackend = %q, %v; want nft", got, err)
		}
	})
}

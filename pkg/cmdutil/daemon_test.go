package cmdutil

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

func TestDaemonStopsOnSIGTERM(t *testing.T) {
	started := make(chan struct{})
	cmd := Daemon("d", "a daemon", func(ctx context.Context, _ *cobra.Command) error {
		close(started)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(10 * time.Second):
			return errors.New("SIGTERM did not cancel the context")
		}
	})
	cmd.SetArgs(nil)
	done := make(chan error, 1)
	go func() { done <- cmd.Execute() }()
	<-started
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestDaemonTakesNoArguments(t *testing.T) {
	ran := false
	cmd := Daemon("d", "a daemon", func(context.Context, *cobra.Command) error { ran = true; return nil })
	cmd.SetArgs([]string{"extra"})
	cmd.SetOut(&discard{})
	cmd.SetErr(&discard{})
	if err := cmd.Execute(); err == nil || ran {
		t.Fatalf("Execute with an argument = %v (ran %v), want an error and no run", err, ran)
	}
	if !cmd.SilenceUsage {
		t.Error("usage is printed on failure")
	}
}

type discard struct{}

func (*discard) Write(p []byte) (int, error) { return len(p), nil }

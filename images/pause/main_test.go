package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as pause when re-executed by the tests.
func TestMain(m *testing.M) {
	if os.Getenv("PAUSE_TEST_HELPER") == "1" {
		notified = func() { fmt.Println("ready") }
		main()
		return
	}
	os.Exit(m.Run())
}

func TestExitsZeroOnTermAndInt(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "PAUSE_TEST_HELPER=1")
		stdout, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer stdout.Close()
		cmd.Stdout = w
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		w.Close()
		// Signal only once pause has its handlers: before that the default
		// action would kill it (a slow start under load is not a bug).
		ready := make(chan struct{})
		go func() {
			if line, _ := bufio.NewReader(stdout).ReadString('\n'); line == "ready\n" {
				close(ready)
			}
			_, _ = io.Copy(io.Discard, stdout)
		}()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			t.Fatalf("pause exited before any signal: %v", err)
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Fatal("pause never became ready")
		case <-ready:
		}
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("pause after %v: %v, want exit 0", sig, err)
			}
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("pause ignored %v", sig)
		}
	}
}

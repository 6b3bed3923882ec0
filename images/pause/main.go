// Command pause is minik8s's pod sandbox process (the image
// docker.io/minik8s/pause:3.9). Like Kubernetes' pause it holds the pod's
// namespaces open by sleeping forever, reaps the zombies of the pid namespace
// it may lead, and exits 0 on SIGTERM or SIGINT.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// notified runs once the signal handlers are installed (tests use it to know
// when a signal no longer takes the default action).
var notified = func() {}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-v" {
		fmt.Println("minik8s pause 3.9")
		return
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	notified()
	for s := range sigs {
		switch s {
		case syscall.SIGCHLD:
			reap()
		default:
			fmt.Fprintf(os.Stderr, "pause: shutting down, got signal %v\n", s)
			os.Exit(0)
		}
	}
}

// reap collects every exited child without blocking.
func reap() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}

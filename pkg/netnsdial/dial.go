// Package netnsdial dials TCP from inside another network namespace (a
// lab node's, a pod's) without moving the process: one OS thread enters the
// namespace for the dial and leaves it.
package netnsdial

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// Dial dials addr from inside the network namespace at nsPath (a
// path, or a name under /run/netns): the lab's node addresses exist only
// there. The OS thread is locked, moved into the namespace for the dial
// and moved back.
func Dial(ctx context.Context, nsPath, network, addr string) (net.Conn, error) {
	if !strings.Contains(nsPath, "/") {
		nsPath = filepath.Join("/run/netns", nsPath)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := unix.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("own network namespace: %w", err)
	}
	defer unix.Close(orig)
	target, err := unix.Open(nsPath, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("network namespace %s: %w", nsPath, err)
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		return nil, fmt.Errorf("enter network namespace %s: %w", nsPath, err)
	}
	conn, dialErr := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
		// The thread is in the wrong namespace: never unlock it (the
		// runtime then ends it with the goroutine).
		if conn != nil {
			conn.Close()
		}
		runtime.LockOSThread()
		return nil, fmt.Errorf("leave network namespace %s: %w", nsPath, err)
	}
	return conn, dialErr
}

package kubectl

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"

	"minik8s/pkg/remotecommand"
)

// withFd runs fn on f's descriptor without switching f to blocking mode
// (as f.Fd would), so that closing f still interrupts a pending read.
func withFd(f *os.File, fn func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// isTerminal says whether f is a terminal.
func isTerminal(f *os.File) bool {
	return withFd(f, func(fd int) error {
		_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		return err
	}) == nil
}

// startTerminal puts the terminal in raw mode (as `kubectl exec -it` does)
// and reports its size now and on every SIGWINCH; restore undoes both.
func startTerminal(ctx context.Context, in *os.File) (restore func(), sizes <-chan remotecommand.TerminalSize, err error) {
	var old *unix.Termios
	err = withFd(in, func(fd int) error {
		var err error
		if old, err = unix.IoctlGetTermios(fd, unix.TCGETS); err != nil {
			return err
		}
		raw := *old
		raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		raw.Oflag &^= unix.OPOST
		raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		raw.Cflag &^= unix.CSIZE | unix.PARENB
		raw.Cflag |= unix.CS8
		raw.Cc[unix.VMIN], raw.Cc[unix.VTIME] = 1, 0
		return unix.IoctlSetTermios(fd, unix.TCSETS, &raw)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("terminal raw mode: %w", err)
	}
	ch := make(chan remotecommand.TerminalSize, 1)
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	send := func() {
		var ws *unix.Winsize
		if withFd(in, func(fd int) (err error) { ws, err = unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ); return err }) != nil {
			return
		}
		select {
		case ch <- remotecommand.TerminalSize{Width: ws.Col, Height: ws.Row}:
		default: // a newer size follows
		}
	}
	go func() {
		defer close(done)
		send()
		for {
			select {
			case <-ctx.Done():
				return
			case <-winch:
				send()
			}
		}
	}()
	restore = func() {
		cancel()
		<-done
		signal.Stop(winch)
		_ = withFd(in, func(fd int) error { return unix.IoctlSetTermios(fd, unix.TCSETS, old) })
	}
	return restore, ch, nil
}

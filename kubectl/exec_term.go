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

// isTerminal says whether f is a terminal.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// startTerminal puts the terminal in raw mode (as `kubectl exec -it` does)
// and reports its size now and on every SIGWINCH; restore undoes both.
func startTerminal(ctx context.Context, in *os.File) (restore func(), sizes <-chan remotecommand.TerminalSize, err error) {
	fd := int(in.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, nil, fmt.Errorf("terminal: %w", err)
	}
	raw := *old
	raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	raw.Oflag &^= unix.OPOST
	raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	raw.Cflag &^= unix.CSIZE | unix.PARENB
	raw.Cflag |= unix.CS8
	raw.Cc[unix.VMIN], raw.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &raw); err != nil {
		return nil, nil, fmt.Errorf("terminal raw mode: %w", err)
	}
	ch := make(chan remotecommand.TerminalSize, 1)
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	send := func() {
		ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
		if err != nil {
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
		_ = unix.IoctlSetTermios(fd, unix.TCSETS, old)
	}
	return restore, ch, nil
}

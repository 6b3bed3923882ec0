package netinfo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"

	"minik8s/pkg/netnsdial"
)

// Probe defaults and bounds.
const (
	DefaultProbeTimeout = 2 * time.Second
	MaxProbeTimeout     = 10 * time.Second
	udpAnswerWait       = 500 * time.Millisecond
)

// ValidateProbe checks a request and returns its timeout.
func ValidateProbe(req *ProbeRequest) (time.Duration, error) {
	switch req.Protocol {
	case "":
		req.Protocol = "tcp"
	case "tcp", "udp":
	default:
		return 0, fmt.Errorf("protocol %q: want tcp or udp", req.Protocol)
	}
	if ip := net.ParseIP(req.IP); ip == nil || ip.To4() == nil {
		return 0, fmt.Errorf("ip %q: want an IPv4 address", req.IP)
	}
	if req.Port < 1 || req.Port > 65535 {
		return 0, fmt.Errorf("port %d: want 1-65535", req.Port)
	}
	if (req.Namespace == "") != (req.Pod == "") {
		return 0, fmt.Errorf("namespace %q and pod %q: give both, or neither for the node", req.Namespace, req.Pod)
	}
	t := time.Duration(req.TimeoutMillis) * time.Millisecond
	switch {
	case req.TimeoutMillis < 0:
		return 0, fmt.Errorf("timeoutMillis %d: want a positive number", req.TimeoutMillis)
	case t == 0:
		t = DefaultProbeTimeout
	case t > MaxProbeTimeout:
		t = MaxProbeTimeout
	}
	return t, nil
}

// Probe sends one packet (a TCP connect, or one UDP datagram) to req's
// IP:Port from inside the network namespace at nsPath ("" is the calling
// process's own: the node's, for the kubelet) and reports what happened.
func Probe(ctx context.Context, nsPath string, req ProbeRequest, timeout time.Duration) ProbeResult {
	res := ProbeResult{Protocol: req.Protocol, To: req.Protocol + " " + net.JoinHostPort(req.IP, strconv.Itoa(req.Port))}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	defer func() { res.DurationMs = time.Since(start).Milliseconds() }()
	network := req.Protocol + "4"
	addr := net.JoinHostPort(req.IP, strconv.Itoa(req.Port))
	var conn net.Conn
	var err error
	if nsPath == "" {
		conn, err = (&net.Dialer{}).DialContext(ctx, network, addr)
	} else {
		conn, err = netnsdial.Dial(ctx, nsPath, network, addr)
	}
	if err != nil {
		res.Outcome, res.Error = classify(err), err.Error()
		return res
	}
	defer conn.Close()
	res.LocalAddr = conn.LocalAddr().String()
	if req.Protocol == "tcp" {
		res.Outcome = "connected"
		return res
	}
	if _, err := conn.Write([]byte("minik8s trace probe\n")); err != nil {
		res.Outcome, res.Error = classify(err), err.Error()
		return res
	}
	wait := udpAnswerWait
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
		wait = time.Until(dl)
	}
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 512)
	if _, err := conn.Read(buf); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			res.Outcome = "sent"
			return res
		}
		res.Outcome, res.Error = classify(err), err.Error()
		return res
	}
	res.Outcome = "replied"
	return res
}

func classify(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "error"
}

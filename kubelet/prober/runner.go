package prober

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
)

// Target is what a probe is sent to.
type Target struct {
	Pod         *api.Pod
	Container   *api.Container
	ContainerID string // runtime ID (without the containerd:// prefix)
	PodIP       string
}

// Runner sends one probe and says how it went: the result and a message
// (why it failed). An error means the probe could not be run at all; its
// result is thrown away.
type Runner interface {
	Run(ctx context.Context, p *api.Probe, t Target) (Result, string, error)
}

// ExecFunc runs cmd in a running container and returns its combined
// output and exit code (the runtime's Exec).
type ExecFunc func(ctx context.Context, containerID string, cmd []string) ([]byte, int, error)

// NetRunner is the real Runner: HTTP GET and TCP connect from the
// kubelet's network namespace (to the pod IP unless the probe names a
// host), exec through the runtime.
type NetRunner struct {
	Exec ExecFunc
}

var _ Runner = (*NetRunner)(nil)

// maxBody is how much of an HTTP probe's body is read.
const maxBody = 10 * 1024

// Run implements Runner.
func (r *NetRunner) Run(ctx context.Context, p *api.Probe, t Target) (Result, string, error) {
	timeout := Timeout(p)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch {
	case p.Exec != nil:
		return r.exec(ctx, p.Exec, t, timeout)
	case p.HTTPGet != nil:
		return httpProbe(ctx, p.HTTPGet, t, timeout)
	case p.TCPSocket != nil:
		return tcpProbe(ctx, p.TCPSocket, t, timeout)
	}
	return Unknown, "", fmt.Errorf("missing probe handler for %s", t.Container.Name)
}

func (r *NetRunner) exec(ctx context.Context, e *api.ExecAction, t Target, timeout time.Duration) (Result, string, error) {
	if r.Exec == nil {
		return Unknown, "", errors.New("exec probes are not supported")
	}
	out, code, err := r.Exec(ctx, t.ContainerID, e.Command)
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return Failure, fmt.Sprintf("command %q timed out", strings.Join(e.Command, " ")), nil
	}
	if err != nil {
		return Unknown, "", err
	}
	if code != 0 {
		return Failure, string(out), nil
	}
	return Success, string(out), nil
}

// resolvePort finds a probe's port number: a number, or a named port of
// the container.
func resolvePort(port api.IntOrString, c *api.Container) (int, error) {
	if port.Type == intstr.Int {
		return int(port.IntVal), nil
	}
	if n, err := strconv.Atoi(port.StrVal); err == nil {
		return n, nil
	}
	for _, p := range c.Ports {
		if p.Name == port.StrVal {
			return int(p.ContainerPort), nil
		}
	}
	return 0, fmt.Errorf("couldn't find port: %s in %s", port.StrVal, c.Name)
}

// probeHost is the probe's host, or the pod IP.
func probeHost(host string, t Target) string {
	if host != "" {
		return host
	}
	return t.PodIP
}

// httpURL is the URL an HTTP probe gets.
func httpURL(h *api.HTTPGetAction, t Target) (*url.URL, error) {
	port, err := resolvePort(h.Port, t.Container)
	if err != nil {
		return nil, err
	}
	scheme := strings.ToLower(h.Scheme)
	if scheme == "" {
		scheme = "http"
	}
	path := h.Path
	if path == "" {
		path = "/"
	} else if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	u, err := url.Parse(path)
	if err != nil {
		return nil, err
	}
	u.Scheme, u.Host = scheme, net.JoinHostPort(probeHost(h.Host, t), strconv.Itoa(port))
	return u, nil
}

func httpProbe(ctx context.Context, h *api.HTTPGetAction, t Target, timeout time.Duration) (Result, string, error) {
	u, err := httpURL(h, t)
	if err != nil {
		return Unknown, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Unknown, "", err
	}
	req.Header.Set("User-Agent", "kube-probe/1.32")
	req.Header.Set("Accept", "*/*")
	for _, hd := range h.HTTPHeaders {
		if strings.EqualFold(hd.Name, "Host") {
			req.Host = hd.Value
			continue
		}
		req.Header.Set(hd.Name, hd.Value)
	}
	client := &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // as Kubernetes' HTTPS probes
			DisableKeepAlives: true,
			Proxy:             nil,
		},
	}
	res, err := client.Do(req)
	if err != nil {
		return Failure, err.Error(), nil
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if res.StatusCode >= http.StatusOK && res.StatusCode < http.StatusBadRequest {
		return Success, string(bytes.TrimSpace(body)), nil
	}
	return Failure, fmt.Sprintf("HTTP probe failed with statuscode: %d", res.StatusCode), nil
}

func tcpProbe(ctx context.Context, s *api.TCPSocketAction, t Target, timeout time.Duration) (Result, string, error) {
	port, err := resolvePort(s.Port, t.Container)
	if err != nil {
		return Unknown, "", err
	}
	addr := net.JoinHostPort(probeHost(s.Host, t), strconv.Itoa(port))
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return Failure, err.Error(), nil
	}
	conn.Close()
	return Success, "", nil
}

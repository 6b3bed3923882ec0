package kubelet

// Port forwarding: /portForward/{ns}/{pod} upgrades to SPDY/3.1 with
// protocol portforward.k8s.io (as the kubelet's streaming server); each
// forwarded connection is a pair of streams with the same requestID, a
// data stream and an error stream, whose "port" header names the pod port.
// The data stream is joined to a TCP connection to 127.0.0.1:port made
// inside the pod's network namespace; a failure is written to the error
// stream.

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/util/httpstream/spdy"

	"minik8s/pkg/api"
	"minik8s/pkg/netnsdial"
)

// Port-forward headers and values (k8s.io/api/core/v1).
const (
	portForwardProtocol = "portforward.k8s.io"
	headerStreamType    = "streamType"
	headerPort          = "port"
	headerRequestID     = "requestID"
	streamTypeData      = "data"
	streamTypeError     = "error"
	portForwardIdle     = 4 * time.Hour
)

// checkPortForwardStream validates a new stream's headers as the kubelet does.
func checkPortForwardStream(h http.Header) error {
	p := h.Get(headerPort)
	if p == "" {
		return fmt.Errorf("%q header is required", headerPort)
	}
	port, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return fmt.Errorf("unable to parse %q as a port: %v", p, err)
	}
	if port < 1 {
		return fmt.Errorf("port %q must be > 0", p)
	}
	switch t := h.Get(headerStreamType); t {
	case "":
		return fmt.Errorf("%q header is required", headerStreamType)
	case streamTypeData, streamTypeError:
		return nil
	default:
		return fmt.Errorf("invalid stream type %q", t)
	}
}

// streamPair is one forwarded connection's data and error streams.
type streamPair struct {
	data, errs httpstream.Stream
}

// servePortForward serves /portForward/{ns}/{pod}.
func (k *Kubelet) servePortForward(w http.ResponseWriter, r *http.Request) {
	pod, ok := k.requestPod(w, r)
	if !ok {
		return
	}
	netnsPath, err := k.podNetNS(r.Context(), pod)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w = unwrapWriter(w)
	if _, err := httpstream.Handshake(r, w, []string{portForwardProtocol}); err != nil {
		return // Handshake answered the client
	}
	streams := make(chan httpstream.Stream, 4)
	conn := spdy.NewResponseUpgrader().UpgradeResponse(w, r, func(s httpstream.Stream, _ <-chan struct{}) error {
		if err := checkPortForwardStream(s.Headers()); err != nil {
			return err
		}
		streams <- s
		return nil
	})
	if conn == nil {
		return
	}
	defer conn.Close()
	conn.SetIdleTimeout(portForwardIdle)
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	dial := func(port string) (net.Conn, error) {
		addr := net.JoinHostPort("127.0.0.1", port)
		if netnsPath == "" {
			return (&net.Dialer{}).DialContext(ctx, "tcp4", addr)
		}
		return netnsdial.Dial(ctx, netnsPath, "tcp4", addr)
	}
	pairs := map[string]*streamPair{}
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-conn.CloseChan():
			return
		case s := <-streams:
			id := s.Headers().Get(headerRequestID)
			p := pairs[id]
			if p == nil {
				p = &streamPair{}
				pairs[id] = p
			}
			if s.Headers().Get(headerStreamType) == streamTypeData {
				p.data = s
			} else {
				p.errs = s
			}
			if p.data != nil && p.errs != nil {
				delete(pairs, id)
				wg.Add(1)
				go func() {
					defer wg.Done()
					forwardPair(p, pod, dial)
				}()
			}
		}
	}
}

// unwrapWriter is the net/http writer under gin's: gin keeps the status
// line until the first Write and refuses to hijack once it wrote it, while
// the SPDY upgrader hijacks right after WriteHeader(101).
func unwrapWriter(w http.ResponseWriter) http.ResponseWriter {
	if u, ok := w.(interface{ Unwrap() http.ResponseWriter }); ok {
		return u.Unwrap()
	}
	return w
}

// forwardPair joins a data stream to a connection to its port in the pod.
func forwardPair(p *streamPair, pod *api.Pod, dial func(port string) (net.Conn, error)) {
	defer p.data.Close()
	defer p.errs.Close()
	port := p.data.Headers().Get(headerPort)
	err := joinStream(p.data, port, dial)
	if err != nil {
		msg := fmt.Sprintf("error forwarding port %s to pod %s, uid %v: %v", port, pod.Name, pod.UID, err)
		log.Printf("kubelet: %s", msg)
		_, _ = io.WriteString(p.errs, msg)
	}
}

func joinStream(stream io.ReadWriter, port string, dial func(string) (net.Conn, error)) error {
	conn, err := dial(port)
	if err != nil {
		return err
	}
	defer conn.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(conn, stream)
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}()
	if _, err := io.Copy(stream, conn); err != nil {
		return fmt.Errorf("copy from port %s: %w", port, err)
	}
	return nil
}

// podNetNS is the network namespace of the pod's ready sandbox ("" for a
// hostNetwork pod, or a runtime without namespaces).
func (k *Kubelet) podNetNS(ctx context.Context, pod *api.Pod) (string, error) {
	sbs, err := k.rt.ListPodSandboxes(ctx)
	if err != nil {
		return "", fmt.Errorf("list sandboxes: %w", err)
	}
	for _, sb := range sbs {
		if sb.PodUID == pod.UID && sb.State == "Ready" {
			return sb.NetNSPath, nil
		}
	}
	return "", fmt.Errorf("pod %s/%s has no running sandbox on this node", pod.Namespace, pod.Name)
}

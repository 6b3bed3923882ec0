package kubectl

// `kubectl port-forward TYPE/NAME [LOCAL:]REMOTE...`: local listeners
// whose connections are forwarded to the pod through pods/portforward
// (SPDY/3.1, protocol portforward.k8s.io: per connection an error stream
// and a data stream with the same requestID), as client-go's portforward.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/util/httpstream/spdy"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/labels"
)

// forwardPort is one [LOCAL:]REMOTE argument; remote may still be a port
// name until resolved against the pod.
type forwardPort struct {
	local  uint16 // 0: a random port
	remote string
}

// parseForwardPorts reads the port arguments as kubectl's parsePorts.
func parseForwardPorts(specs []string) ([]forwardPort, error) {
	var out []forwardPort
	for _, s := range specs {
		local, remote, ok := strings.Cut(s, ":")
		if !ok {
			local, remote = s, s
		}
		if strings.Contains(remote, ":") {
			return nil, fmt.Errorf("invalid port format '%s'", s)
		}
		var p forwardPort
		if local != "" {
			n, err := strconv.ParseUint(local, 10, 16)
			if err != nil {
				return nil, fmt.Errorf("error parsing local port '%s': %w", local, err)
			}
			p.local = uint16(n)
		}
		if remote == "" {
			return nil, fmt.Errorf("remote port must be > 0")
		}
		p.remote = remote
		out = append(out, p)
	}
	return out, nil
}

// podPort resolves a remote port (a number or a container port name) in
// the pod, as kubectl does for pods.
func podPort(pod *api.Pod, remote string) (uint16, error) {
	if n, err := strconv.ParseUint(remote, 10, 16); err == nil {
		if n == 0 {
			return 0, fmt.Errorf("remote port must be > 0")
		}
		return uint16(n), nil
	}
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.Name == remote {
				return uint16(p.ContainerPort), nil
			}
		}
	}
	return 0, fmt.Errorf("Pod '%s' does not have a named port '%s'", pod.Name, remote)
}

// servicePort translates a service port (number or name) to the target
// port in the pod, as kubectl's translateServicePortToTargetPort.
func servicePort(svc *api.Service, pod *api.Pod, remote string) (string, error) {
	n, numErr := strconv.Atoi(remote)
	for _, sp := range svc.Spec.Ports {
		if (numErr == nil && int(sp.Port) == n) || (numErr != nil && sp.Name == remote) {
			tp := sp.TargetPort
			if tp.Type == 0 && tp.IntVal == 0 { // unset: the port itself
				return strconv.Itoa(int(sp.Port)), nil
			}
			if tp.Type == 0 {
				return strconv.Itoa(int(tp.IntVal)), nil
			}
			p, err := podPort(pod, tp.StrVal)
			return strconv.Itoa(int(p)), err
		}
	}
	if numErr == nil {
		return "", fmt.Errorf("Service %s does not have a service port %d", svc.Name, n)
	}
	return "", fmt.Errorf("Service '%s' does not have a named port '%s'", svc.Name, remote)
}

// forwardTarget finds the pod of a port-forward target (NAME, pod/NAME,
// or a service/deployment/replicaset whose selector picks a running pod)
// and the service, if the target is one.
func forwardTarget(ctx context.Context, c *client.Client, ns, arg string) (*api.Pod, *api.Service, error) {
	typ, name, ok := strings.Cut(arg, "/")
	if !ok {
		typ, name = "pods", arg
	}
	info, err := api.Lookup(typ)
	if err != nil {
		return nil, nil, err
	}
	obj, err := c.Get(ctx, info, ns, name)
	if err != nil {
		return nil, nil, err
	}
	if pod, ok := obj.(*api.Pod); ok {
		return pod, nil, nil
	}
	sel, _, err := exposeSource(obj)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot attach to %s: %w", obj.GetTypeMeta().Kind, err)
	}
	svc, _ := obj.(*api.Service)
	selStr := labels.FormatLabelSelector(&api.LabelSelector{MatchLabels: sel})
	objs, _, err := c.List(ctx, podsResource(), ns, client.ListOptions{LabelSelector: selStr})
	if err != nil {
		return nil, nil, err
	}
	var first *api.Pod
	for _, o := range objs {
		p := o.(*api.Pod)
		if p.DeletionTimestamp != nil {
			continue
		}
		if p.Status.Phase == api.PodRunning {
			return p, svc, nil
		}
		if first == nil {
			first = p
		}
	}
	if first == nil {
		return nil, nil, fmt.Errorf("no pods found for selector %q", selStr)
	}
	return first, svc, nil
}

func podsResource() *api.ResourceInfo {
	info, _ := api.ForResource("", "v1", "pods")
	return info
}

// portForwardURL is the pods/portforward URL of a pod.
func portForwardURL(server, ns, pod string) string {
	return strings.TrimRight(server, "/") + "/api/v1/namespaces/" + url.PathEscape(ns) + "/pods/" + url.PathEscape(pod) + "/portforward"
}

// dialPortForward upgrades a pods/portforward request to SPDY.
func dialPortForward(ctx context.Context, u string, c *client.Client) (httpstream.Connection, error) {
	rt, err := spdy.NewRoundTripper(c.TLSClientConfig())
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set(httpstream.HeaderProtocolVersion, "portforward.k8s.io")
	for k, v := range c.UpgradeHeader() {
		req.Header[k] = v
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return nil, fmt.Errorf("error upgrading connection: %w", err)
	}
	conn, err := rt.NewConnection(resp)
	if err != nil {
		if resp.StatusCode != http.StatusSwitchingProtocols {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			st := client.NewStatusError(resp.StatusCode, b)
			return nil, fmt.Errorf("error upgrading connection: %s", st.Status.Message)
		}
		return nil, fmt.Errorf("error upgrading connection: %w", err)
	}
	return conn, nil
}

// portForwarder forwards local connections over one SPDY connection.
type portForwarder struct {
	conn      httpstream.Connection
	requestID atomic.Int64
	out, errw io.Writer
}

// handle forwards one accepted connection to remote.
func (f *portForwarder) handle(local net.Conn, localPort uint16, remote string) {
	defer local.Close()
	id := strconv.FormatInt(f.requestID.Add(1)-1, 10)
	h := http.Header{}
	h.Set("streamType", "error")
	h.Set("port", remote)
	h.Set("requestID", id)
	errStream, err := f.conn.CreateStream(h)
	if err != nil {
		fmt.Fprintf(f.errw, "error creating error stream for port %d -> %s: %v\n", localPort, remote, err)
		return
	}
	errStream.Close() // we do not write to it
	errc := make(chan error, 1)
	go func() {
		msg, err := io.ReadAll(errStream)
		switch {
		case err != nil:
			errc <- fmt.Errorf("error reading from error stream for port %d -> %s: %v", localPort, remote, err)
		case len(msg) > 0:
			errc <- fmt.Errorf("an error occurred forwarding %d -> %s: %v", localPort, remote, string(msg))
		}
		close(errc)
	}()
	h.Set("streamType", "data")
	data, err := f.conn.CreateStream(h)
	if err != nil {
		fmt.Fprintf(f.errw, "error creating forwarding stream for port %d -> %s: %v\n", localPort, remote, err)
		return
	}
	defer f.conn.RemoveStreams(data, errStream)
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(local, data)
		close(done)
	}()
	go func() {
		_, _ = io.Copy(data, local)
		data.Close() // half-close: the pod's side sees EOF
	}()
	<-done
	if err := <-errc; err != nil {
		fmt.Fprintf(f.errw, "E %v\n", err)
	}
}

// listenAddresses are the addresses --address names ("localhost": both
// loopbacks, as kubectl).
func listenAddresses(address string) []string {
	var out []string
	for _, a := range strings.Split(address, ",") {
		if a == "localhost" {
			out = append(out, "127.0.0.1", "::1")
			continue
		}
		out = append(out, a)
	}
	return out
}

func newPortForwardCommand(o *options) *cobra.Command {
	var address string
	cmd := &cobra.Command{
		Use:   "port-forward TYPE/NAME [options] [LOCAL_PORT:]REMOTE_PORT [...[LOCAL_PORT_N:]REMOTE_PORT_N]",
		Short: "Forward one or more local ports to a pod",
		Example: "  kubectl port-forward pod/mypod 8888:5000\n" +
			"  kubectl port-forward svc/myservice 8443:https\n" +
			"  kubectl port-forward --address 127.0.0.1 deployment/mydeployment 5000 6000",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usageError(cmd, "TYPE/NAME and list of ports are required for port-forward")
			}
			ports, err := parseForwardPorts(args[1:])
			if err != nil {
				return err
			}
			c, ns, err := o.clientNS()
			if err != nil {
				return err
			}
			ctx := cmd.Context() // set by Execute (Background when none was given)
			pod, svc, err := forwardTarget(ctx, c, ns, args[0])
			if err != nil {
				return err
			}
			remotes := make([]string, len(ports))
			for i, p := range ports {
				if svc != nil {
					remotes[i], err = servicePort(svc, pod, p.remote)
				} else {
					var n uint16
					n, err = podPort(pod, p.remote)
					remotes[i] = strconv.Itoa(int(n))
				}
				if err != nil {
					return err
				}
			}
			if pod.Status.Phase != api.PodRunning {
				return fmt.Errorf("unable to forward port because pod is not running. Current status=%s", pod.Status.Phase)
			}
			return runPortForward(ctx, o, c, pod, address, ports, remotes)
		},
	}
	cmd.Flags().StringVar(&address, "address", "localhost", "Addresses to listen on (comma separated). Only accepts IP addresses or localhost as a value. When localhost is supplied, kubectl will try to bind on both 127.0.0.1 and ::1 and will fail if neither of these addresses are available to bind.")
	return cmd
}

// runPortForward connects to the pod, listens and forwards until ctx ends
// or the connection to the apiserver is lost.
func runPortForward(ctx context.Context, o *options, c *client.Client, pod *api.Pod, address string, ports []forwardPort, remotes []string) error {
	conn, err := dialPortForward(ctx, portForwardURL(c.CurrentServer(), pod.Namespace, pod.Name), c)
	if err != nil {
		return err
	}
	defer conn.Close()
	f := &portForwarder{conn: conn, out: o.out, errw: o.err}
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	var outMu sync.Mutex
	for i, p := range ports {
		local := p.local
		bound := 0
		for _, a := range listenAddresses(address) {
			l, err := net.Listen("tcp", net.JoinHostPort(a, strconv.Itoa(int(local))))
			if err != nil {
				continue
			}
			if local == 0 {
				local = uint16(l.Addr().(*net.TCPAddr).Port)
			}
			bound++
			listeners = append(listeners, l)
			outMu.Lock()
			fmt.Fprintf(o.out, "Forwarding from %s -> %s\n", net.JoinHostPort(a, strconv.Itoa(int(local))), remotes[i])
			outMu.Unlock()
			go func(l net.Listener, local uint16, remote string) {
				for {
					lc, err := l.Accept()
					if err != nil {
						return
					}
					outMu.Lock()
					fmt.Fprintf(o.out, "Handling connection for %d\n", local)
					outMu.Unlock()
					go f.handle(lc, local, remote)
				}
			}(l, local, remotes[i])
		}
		if bound == 0 {
			return fmt.Errorf("unable to listen on port %d: no address of %q could be bound", p.local, address)
		}
	}
	select {
	case <-ctx.Done():
		return nil
	case <-conn.CloseChan():
		return errors.New("lost connection to pod")
	}
}

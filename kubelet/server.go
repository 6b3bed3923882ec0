package kubelet

import (
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strconv"
	"time"
)

// listen opens the kubelet's HTTP port on the node IP (all addresses if
// none); with --port 0 the chosen port is what the Node advertises.
func (k *Kubelet) listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(k.opts.NodeIP, strconv.Itoa(k.opts.Port)))
	if err != nil {
		return nil, fmt.Errorf("kubelet server: %w", err)
	}
	k.opts.Port = ln.Addr().(*net.TCPAddr).Port
	return ln, nil
}

// Port is the port the kubelet serves on (valid once Run has started).
func (k *Kubelet) Port() int { return k.opts.Port }

// serve serves logs and exec on ln until the server is shut down.
func (k *Kubelet) serve(ln net.Listener, errc chan<- error) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("GET /containerLogs/{ns}/{pod}/{container}", k.serveLogs)
	mux.HandleFunc("/exec/{ns}/{pod}/{container}", k.serveExec)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Printf("kubelet: server: %v", err)
			select {
			case errc <- err:
			default:
			}
		}
	}()
	return srv
}

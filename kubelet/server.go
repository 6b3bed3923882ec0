package kubelet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// listen opens the kubelet's HTTP port on the node IP (all addresses if
// none); with --port 0 the chosen port is what the Node advertises. With
// --tls-cert-file it is HTTPS, and the listener carries the guard every
// request passes (auth.go).
func (k *Kubelet) listen() (net.Listener, error) {
	var sec *securedListener
	if k.opts.Auth.secure() {
		cfg, clientCAs, err := k.opts.Auth.serverTLS()
		if err != nil {
			return nil, err
		}
		sec = &securedListener{tls: cfg, auth: k.opts.Auth.newAuth(k.opts.NodeName, clientCAs, k.postToAPIServer)}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(k.opts.NodeIP, strconv.Itoa(k.opts.Port)))
	if err != nil {
		return nil, fmt.Errorf("kubelet server: %w", err)
	}
	k.opts.Port = ln.Addr().(*net.TCPAddr).Port
	if sec != nil {
		sec.Listener = tls.NewListener(ln, sec.tls)
		return sec, nil
	}
	return ln, nil
}

// securedListener is the kubelet's TLS listener and the guard of what it
// serves.
type securedListener struct {
	net.Listener
	tls  *tls.Config
	auth *kubeletAuth
}

// postToAPIServer POSTs a review to the apiserver as the kubelet.
func (k *Kubelet) postToAPIServer(ctx context.Context, path string, body []byte) ([]byte, error) {
	return k.client.Do(ctx, http.MethodPost, path, body, nil)
}

// Port is the port the kubelet serves on (valid once Run has started).
func (k *Kubelet) Port() int { return k.opts.Port }

// serve serves logs, exec and /stats/summary on ln until the server is shut down.
func (k *Kubelet) serve(ln net.Listener, errc chan<- error) *http.Server {
	var h http.Handler = k.router()
	if sec, ok := ln.(*securedListener); ok {
		h = sec.auth.wrap(h)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
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

// router is the kubelet's gin router (release mode, no logger or recovery
// middleware). The handlers read the path parameters with PathValue.
func (k *Kubelet) router() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.GET("/healthz", func(c *gin.Context) { _, _ = c.Writer.Write([]byte("ok")) })
	e.GET("/containerLogs/:ns/:pod/:container", withPathValues(k.serveLogs))
	e.Any("/exec/:ns/:pod/:container", withPathValues(k.serveExec))
	e.Any("/attach/:ns/:pod/:container", withPathValues(k.serveAttach))
	e.Any("/portForward/:ns/:pod", withPathValues(k.servePortForward))
	e.GET("/stats/summary", gin.WrapF(k.serveStatsSummary))
	e.GET("/netinfo", gin.WrapF(k.serveNetinfo))
	e.POST("/netinfo/probe", gin.WrapF(k.serveNetinfoProbe))
	return e
}

// withPathValues hands gin's path parameters to a net/http handler as
// Request.PathValue.
func withPathValues(h http.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		for _, p := range c.Params {
			c.Request.SetPathValue(p.Key, p.Value)
		}
		h(c.Writer, c.Request)
	}
}

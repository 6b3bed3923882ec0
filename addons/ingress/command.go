package ingress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/record"
	"minik8s/pkg/cmdutil"
)

// NewCommand returns the "ingress" command.
func NewCommand() *cobra.Command {
	opts := DefaultOptions()
	cmd := cmdutil.Daemon("ingress", "Run the ingress controller (an HTTP proxy on every node, routing by Ingress host and path)", func(ctx context.Context, _ *cobra.Command) error {
		return Run(ctx, opts)
	})
	opts.AddFlags(cmd.Flags())
	return cmd
}

// Run runs the controller and its proxy until ctx ends, then stops the
// servers gracefully (requests in flight may finish for 10 s).
func Run(ctx context.Context, opts Options) error {
	if err := opts.Complete(); err != nil {
		return err
	}
	if err := opts.Validate(); err != nil {
		return err
	}
	cfg, err := opts.clientConfig()
	if err != nil {
		return err
	}
	cfg.Timeout, cfg.UserAgent = opts.RequestTimeout, "minik8s-ingress"
	c, err := client.New(cfg)
	if err != nil {
		return err
	}
	proxy := NewProxy(ProxyConfig{})
	rec := record.NewRecorder(c, api.EventSource{Component: "minik8s-ingress", Host: opts.NodeName})
	factory := cache.NewSharedInformerFactory(c, 10*time.Minute, FactoryOptions(opts.Namespace, opts.PublishSelector))
	ctl := New(c, factory, proxy, Config{
		Class:         ClassConfig{ClassName: opts.IngressClass, Controller: opts.Controller},
		MinSyncPeriod: opts.MinSyncPeriod,
		Status:        opts.UpdateStatus,
		PodNamespace:  opts.Namespace,
		Identity:      opts.NodeName + "_" + strconv.Itoa(os.Getpid()),
		Recorder:      rec,
	})
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		factory.Shutdown()
	}()
	factory.Start(ctx)
	go rec.Run(ctx)

	servers := []*http.Server{{
		Addr:              net.JoinHostPort(opts.BindAddress, strconv.Itoa(opts.HTTPPort)),
		Handler:           proxy,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}}
	if opts.HealthPort > 0 {
		servers = append(servers, &http.Server{Addr: net.JoinHostPort(opts.BindAddress, strconv.Itoa(opts.HealthPort)), Handler: HealthHandler(ctl.Ready), ReadHeaderTimeout: 10 * time.Second})
	}
	errc := make(chan error, len(servers)+1)
	for _, s := range servers {
		ln, err := net.Listen("tcp", s.Addr)
		if err != nil {
			return fmt.Errorf("listen %s: %w", s.Addr, err)
		}
		go func() {
			if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("serve %s: %w", s.Addr, err)
			}
		}()
	}
	log.Printf("ingress: node %s, class %s (%s), proxy :%d, apiserver %s", opts.NodeName, opts.IngressClass, opts.Controller, opts.HTTPPort, cfg.Server)
	go func() { errc <- ctl.Run(ctx) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	shutdownCtx, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	for _, s := range servers {
		s.Shutdown(shutdownCtx)
	}
	proxy.Transport.CloseIdleConnections()
	return err
}

// HealthHandler serves /healthz: 200 once ready, 503 before.
func HealthHandler(ready func() bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if !ready() {
			writeStatus(w, http.StatusServiceUnavailable, "not ready")
			return
		}
		writeStatus(w, http.StatusOK, "ok")
	})
	return mux
}

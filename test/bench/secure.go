package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"minik8s/apiserver"
)

// secureAuthorizationMode is the authorizer of the secure run, as the lab's
// (the admin client certificate is in system:masters).
var secureAuthorizationMode = []string{"Node", "RBAC"}

// target is an apiserver and the client that reaches it.
type target struct {
	hc   *http.Client
	base string
}

// benchRounds is how many times each figure is measured on each server,
// alternating plain and TLS, so that the machine's other load weighs on
// both alike; the medians are compared.
const benchRounds = 3

// secureRun measures the create rate and watch latency against an
// apiserver serving HTTPS that authenticates a client certificate and
// authorizes every request (secureAuthorizationMode), alternating rounds
// with the plain server, and prints the medians and their ratio (target
// >= 0.8).
func secureRun(ctx context.Context, creates, concurrency, events int, plain target) error {
	dir, err := os.MkdirTemp("", "minik8s-bench-tls-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	pki, err := newBenchPKI(dir)
	if err != nil {
		return fmt.Errorf("bench PKI: %w", err)
	}
	opts := apiserver.DefaultOptions()
	opts.Port, opts.DataDir, opts.EtcdLogLevel, opts.CompactionInterval = 0, filepath.Join(dir, "etcd"), "fatal", 0
	opts.TLSCertFile, opts.TLSPrivateKeyFile, opts.ClientCAFile = pki.serverCert, pki.serverKey, pki.caFile
	opts.AnonymousAuth = false
	opts.AuthorizationMode = secureAuthorizationMode
	srv, stop, err := startBenchServer(ctx, opts)
	if err != nil {
		return err
	}
	defer stop()
	secure := target{&http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, TLSClientConfig: pki.client}, Timeout: 30 * time.Second},
		"https://" + srv.Addr()}
	resp, err := secure.hc.Get(secure.base + "/healthz")
	if err != nil {
		fmt.Printf("# TLS figures skipped: the apiserver does not serve HTTPS here (%v)\n", err)
		return nil
	}
	resp.Body.Close()
	fmt.Printf("# TLS 1.2+ with a client certificate (CN admin, O system:masters), --authorization-mode=%v; medians of %d alternating rounds\n",
		secureAuthorizationMode, benchRounds)
	round := 0
	for _, c := range []int{1, concurrency} {
		var p, s []float64
		for r := 0; r < benchRounds; r++ {
			for _, t := range []target{plain, secure} {
				round++
				ns := fmt.Sprintf("tlscmp-%d", round)
				if err := post(t.hc, t.base+"/api/v1/namespaces", []byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"`+ns+`"}}`)); err != nil {
					return err
				}
				v, err := rate(creates, c, func(i int) error {
					return post(t.hc, t.base+"/api/v1/namespaces/"+ns+"/pods", podJSON(fmt.Sprintf("p%d", i)))
				})
				if err != nil {
					return fmt.Errorf("creates on %s: %w", t.base, err)
				}
				if t == secure {
					s = append(s, v)
				} else {
					p = append(p, v)
				}
			}
		}
		mode := "sequential"
		if c > 1 {
			mode = fmt.Sprintf("concurrent%d", c)
		}
		fmt.Printf("apiserver_pod_creates_per_sec{%s,plain} %.0f\n", mode, median(p))
		fmt.Printf("apiserver_pod_creates_per_sec{%s,tls_authz} %.0f\n", mode, median(s))
		fmt.Printf("apiserver_tls_authz_vs_plain_creates_ratio{%s} %.2f (target >= 0.80)\n", mode, median(s)/median(p))
	}
	for _, watchers := range []int{1, 100} {
		var p, s []float64
		for r := 0; r < benchRounds; r++ {
			for _, t := range []target{plain, secure} {
				p50, _, _, err := watchLatency(ctx, t.hc, t.base, watchers, events)
				if err != nil {
					return fmt.Errorf("watch latency with %d watchers on %s: %w", watchers, t.base, err)
				}
				if t == secure {
					s = append(s, ms(p50))
				} else {
					p = append(p, ms(p50))
				}
			}
		}
		fmt.Printf("watch_latency_ms{watchers=%d,quantile=0.5,plain} %.2f\n", watchers, median(p))
		fmt.Printf("watch_latency_ms{watchers=%d,quantile=0.5,tls_authz} %.2f\n", watchers, median(s))
		// plain/TLS, so that 1.0 is parity and lower is worse, as for rates.
		fmt.Printf("apiserver_tls_authz_vs_plain_watch_ratio{watchers=%d,quantile=0.5} %.2f (plain/TLS latency; target >= 0.80)\n",
			watchers, median(p)/median(s))
	}
	return nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// startBenchServer runs an apiserver until stop.
func startBenchServer(ctx context.Context, opts apiserver.Options) (*apiserver.Server, func(), error) {
	srv, err := apiserver.NewServer(opts)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	select {
	case <-srv.Ready():
	case err := <-done:
		cancel()
		return nil, nil, fmt.Errorf("apiserver: %w", err)
	case <-time.After(60 * time.Second):
		cancel()
		return nil, nil, fmt.Errorf("apiserver not ready after 60s")
	}
	return srv, func() { cancel(); <-done }, nil
}

// watchTransport is hc's transport with room for n idle connections (the
// watchers' own client, TLS settings included).
func watchTransport(hc *http.Client, n int) http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if ht, ok := hc.Transport.(*http.Transport); ok {
		t = ht.Clone()
	}
	t.MaxIdleConnsPerHost = n
	return t
}

type benchPKI struct {
	caFile, serverCert, serverKey string
	client                        *tls.Config
}

// newBenchPKI makes a throwaway CA, a serving certificate for 127.0.0.1
// and an admin client certificate, as `minik8s certs` would.
func newBenchPKI(dir string) (*benchPKI, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "minik8s-bench-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, subject pkix.Name, usage x509.ExtKeyUsage, ips []net.IP) ([]byte, *ecdsa.PrivateKey, error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: subject, NotBefore: now.Add(-time.Hour),
			NotAfter: now.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: ips}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		return der, key, err
	}
	srvDER, srvKey, err := issue(2, pkix.Name{CommonName: "kube-apiserver"}, x509.ExtKeyUsageServerAuth, []net.IP{net.ParseIP("127.0.0.1")})
	if err != nil {
		return nil, err
	}
	cliDER, cliKey, err := issue(3, pkix.Name{CommonName: "admin", Organization: []string{"system:masters"}}, x509.ExtKeyUsageClientAuth, nil)
	if err != nil {
		return nil, err
	}
	p := &benchPKI{caFile: filepath.Join(dir, "ca.crt"), serverCert: filepath.Join(dir, "apiserver.crt"), serverKey: filepath.Join(dir, "apiserver.key")}
	srvKeyDER, err := x509.MarshalECPrivateKey(srvKey)
	if err != nil {
		return nil, err
	}
	for path, block := range map[string]*pem.Block{
		p.caFile: {Type: "CERTIFICATE", Bytes: caDER}, p.serverCert: {Type: "CERTIFICATE", Bytes: srvDER},
		p.serverKey: {Type: "EC PRIVATE KEY", Bytes: srvKeyDER},
	} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			return nil, err
		}
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	p.client = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12,
		Certificates: []tls.Certificate{{Certificate: [][]byte{cliDER}, PrivateKey: cliKey}}}
	return p, nil
}

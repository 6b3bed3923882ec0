// Package certs is `minik8s certs`: the cluster's certificates and
// kubeconfigs under the state directory, as kubeadm's certs and kubeconfig
// phases make them (layout in docs/security/pki.md). Plan decides what the
// cluster needs (pure); Apply makes what is missing or due for renewal and
// leaves the rest alone, so running it again changes nothing.
package certs

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"minik8s/pkg/client"
	"minik8s/pkg/pki"
)

// Node is a kubelet's name and address.
type Node struct {
	Name string
	IP   net.IP
}

// Options are the inputs of `minik8s certs`.
type Options struct {
	StateDir         string   // DIR: pki/ and the kubeconfigs go under it
	AdvertiseAddress net.IP   // the apiserver's address on the lab network (nil: loopback only)
	SANs             []string // extra apiserver SANs: IPs or DNS names
	Port             int      // the apiserver's port in the kubeconfigs (0: 6443)
	Nodes            []Node
	// Endpoints are the other apiservers of an HA control plane
	// (docs/ha.md): HOST:PORT, or :PORT for another port on the host of
	// each kubeconfig's server. Every kubeconfig lists its server and
	// these in the client.EndpointsExtension, for failover.
	Endpoints []string
	// EtcdSANs are extra SANs (IPs or DNS names) of the etcd serving and
	// peer certificates: the addresses of the members of an etcd cluster.
	EtcdSANs []string
	Renew    bool // reissue every leaf (not the CA)
	Now      func() time.Time
}

// ServiceIP is the kubernetes Service's ClusterIP (the first of 10.96.0.0/12).
var ServiceIP = net.ParseIP("10.96.0.1")

// ClusterName is the cluster's name in the kubeconfigs.
const ClusterName = "minik8s"

// Leaf is one certificate of the cluster.
type Leaf struct {
	Name string // pki-relative base path, e.g. "apiserver" or "nodes/n1/kubelet"
	Spec pki.Spec
	// Kubeconfig, when set, is the state-dir-relative kubeconfig file that
	// embeds this (client) certificate, for Server.
	Kubeconfig string
	Server     string
	// Servers is every apiserver (Server first) for the kubeconfig's
	// failover list; empty for one apiserver.
	Servers []string
}

// Plan lists the leaves the cluster needs, in a stable order.
func Plan(o Options) []Leaf {
	port := o.Port
	if port == 0 {
		port = 6443
	}
	local := "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	lab := local
	ips := []net.IP{net.ParseIP("127.0.0.1"), ServiceIP}
	if o.AdvertiseAddress != nil {
		lab = "https://" + net.JoinHostPort(o.AdvertiseAddress.String(), strconv.Itoa(port))
		ips = append(ips, o.AdvertiseAddress)
	}
	dns, ips := addSANs([]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}, ips, o.SANs)
	etcdDNS, etcdIPs := addSANs([]string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}, o.EtcdSANs)
	etcdCert := func(cn string) pki.Spec {
		return withUsages(pki.Server(cn, etcdDNS, etcdIPs), x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth)
	}
	leaves := []Leaf{
		{Name: "apiserver", Spec: pki.Server("kube-apiserver", dns, ips)},
		{Name: "apiserver-kubelet-client", Spec: pki.Client("kube-apiserver-kubelet-client", "system:masters")},
		{Name: "apiserver-etcd-client", Spec: pki.Client("kube-apiserver-etcd-client")},
		{Name: "etcd/server", Spec: etcdCert("kube-etcd")},
		{Name: "etcd/peer", Spec: etcdCert("kube-etcd-peer")},
		{Name: "admin", Spec: pki.Client("kubernetes-admin", "system:masters"), Kubeconfig: "admin.kubeconfig", Server: local},
		{Name: "controller-manager", Spec: pki.Client("system:kube-controller-manager"), Kubeconfig: "controller-manager.kubeconfig", Server: local},
		{Name: "scheduler", Spec: pki.Client("system:kube-scheduler"), Kubeconfig: "scheduler.kubeconfig", Server: local},
		{Name: "kube-proxy", Spec: pki.Client("system:kube-proxy"), Kubeconfig: "kube-proxy.kubeconfig", Server: lab},
	}
	for _, n := range o.Nodes {
		dir := "nodes/" + n.Name
		var nodeIPs []net.IP
		if n.IP != nil {
			nodeIPs = []net.IP{n.IP}
		}
		leaves = append(leaves,
			Leaf{Name: dir + "/kubelet", Spec: pki.Server(n.Name, []string{n.Name}, nodeIPs)},
			Leaf{Name: dir + "/kubelet-client", Spec: pki.Client("system:node:"+n.Name, "system:nodes"), Kubeconfig: dir + "/kubelet.kubeconfig", Server: lab},
		)
	}
	if len(o.Endpoints) > 0 {
		for i := range leaves {
			if leaves[i].Kubeconfig != "" {
				leaves[i].Servers = serverList(leaves[i].Server, o.Endpoints)
			}
		}
	}
	return leaves
}

// addSANs adds SAN values (IPs or DNS names) to dns and ips, skipping
// duplicates.
func addSANs(dns []string, ips []net.IP, sans []string) ([]string, []net.IP) {
	for _, s := range sans {
		if ip := net.ParseIP(s); ip != nil {
			ips = appendIP(ips, ip)
		} else if s != "" && !contains(dns, s) {
			dns = append(dns, s)
		}
	}
	return dns, ips
}

// serverList is server followed by the endpoints as https URLs; an
// endpoint :PORT is server's host at PORT. Duplicates are dropped.
func serverList(server string, endpoints []string) []string {
	host := strings.TrimPrefix(server, "https://")
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	out := []string{server}
	for _, e := range endpoints {
		e = strings.TrimPrefix(e, "https://")
		if strings.HasPrefix(e, ":") {
			e = net.JoinHostPort(h, e[1:])
		}
		if u := "https://" + e; !contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

// ValidateEndpoints checks --apiserver-endpoints values: HOST:PORT or
// :PORT, with a numeric port.
func ValidateEndpoints(endpoints []string) error {
	for _, e := range endpoints {
		hp := strings.TrimPrefix(e, "https://")
		h, p, err := net.SplitHostPort(hp)
		if err == nil {
			var n int
			n, err = strconv.Atoi(p)
			if err == nil && (n < 1 || n > 65535) {
				err = fmt.Errorf("port %d out of range", n)
			}
		}
		if err == nil && strings.ContainsAny(h, "/?#@") {
			err = errors.New("not a host")
		}
		if err != nil {
			return fmt.Errorf("--apiserver-endpoints %q: want HOST:PORT or :PORT: %w", e, err)
		}
	}
	return nil
}

func withUsages(s pki.Spec, u ...x509.ExtKeyUsage) pki.Spec { s.Usages = u; return s }

func appendIP(ips []net.IP, ip net.IP) []net.IP {
	for _, x := range ips {
		if x.Equal(ip) {
			return ips
		}
	}
	return append(ips, ip)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// PKIDir is where the certificates live under a state directory.
func PKIDir(stateDir string) string { return filepath.Join(stateDir, "pki") }

// Apply makes the CA (once), the ServiceAccount key pair (once), every
// leaf that is missing or due for renewal, and every kubeconfig whose
// content differs from what it should be. It logs what it does to out.
func Apply(o Options, out io.Writer) error {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	dir := PKIDir(o.StateDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("chmod %s: %w", dir, err)
	}
	ca, err := pki.Load(dir, "ca")
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if ca, err = pki.NewCA("kubernetes", now()); err != nil {
			return err
		}
		if err := ca.Write(dir, "ca"); err != nil {
			return err
		}
		fmt.Fprintf(out, "[certs] Generating \"ca\" certificate and key\n")
	case err != nil:
		return fmt.Errorf("load CA: %w", err)
	}
	created, err := pki.EnsureServiceAccountKeys(dir)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(out, "[certs] Generating \"sa\" key and public key\n")
	}
	for _, l := range Plan(o) {
		kp, err := pki.Load(dir, l.Name)
		var cur *x509.Certificate
		if err == nil {
			cur = kp.Cert
		} else if !errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(out, "[certs] %s: %v: reissuing\n", l.Name, err)
		}
		if why := pki.Renewal(cur, l.Spec, ca.Cert, now(), o.Renew); why != "" {
			if kp, err = ca.Issue(l.Spec, now()); err != nil {
				return err
			}
			if err := kp.Write(dir, l.Name); err != nil {
				return err
			}
			if why == "missing" {
				fmt.Fprintf(out, "[certs] Generating %q certificate and key\n", l.Name)
			} else {
				fmt.Fprintf(out, "[certs] Renewing %q certificate and key (%s)\n", l.Name, why)
			}
		} else {
			fmt.Fprintf(out, "[certs] Using the existing %q certificate and key\n", l.Name)
		}
		if l.Kubeconfig == "" {
			continue
		}
		if err := writeKubeconfig(filepath.Join(o.StateDir, l.Kubeconfig), l, ca, kp, out); err != nil {
			return err
		}
	}
	return nil
}

// writeKubeconfig writes the kubeconfig of a client certificate unless the
// file already says exactly that.
func writeKubeconfig(path string, l Leaf, ca, kp *pki.KeyPair, out io.Writer) error {
	data, err := kubeconfig(l.Server, l.Servers, l.Spec.CommonName, ca, kp)
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	if err := pki.WriteFile(path, data); err != nil {
		return err
	}
	fmt.Fprintf(out, "[kubeconfig] Writing %q kubeconfig file\n", path)
	return nil
}

// Kubeconfig is a kubeconfig for server with the CA and the client pair
// embedded (*-data), as kubeadm's admin.conf.
func Kubeconfig(server, user string, ca, kp *pki.KeyPair) ([]byte, error) {
	return kubeconfig(server, nil, user, ca, kp)
}

// kubeconfig is Kubeconfig with the failover list servers (none: one
// apiserver).
func kubeconfig(server string, servers []string, user string, ca, kp *pki.KeyPair) ([]byte, error) {
	keyPEM, err := pki.KeyPEM(kp.Key)
	if err != nil {
		return nil, err
	}
	kc := client.NewKubeconfig(server, "")
	kc.Clusters[0].Name = ClusterName
	kc.Clusters[0].Cluster.CertificateAuthorityData = base64.StdEncoding.EncodeToString(pki.CertPEM(ca.Cert))
	kc.Clusters[0].Cluster = kc.Clusters[0].Cluster.WithAPIServerEndpoints(servers)
	ctx := user + "@" + ClusterName
	kc.Contexts = []client.NamedContext{{Name: ctx, Context: client.Context{Cluster: ClusterName, User: user}}}
	kc.CurrentContext = ctx
	kc.Users = []client.NamedUser{{Name: user, User: map[string]any{
		"client-certificate-data": base64.StdEncoding.EncodeToString(pki.CertPEM(kp.Cert)),
		"client-key-data":         base64.StdEncoding.EncodeToString(keyPEM),
	}}}
	return kc.YAML()
}

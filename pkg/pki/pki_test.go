package pki

import (
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 2, 16, 0, 0, 0, time.UTC)

func mustCA(t *testing.T) *KeyPair {
	t.Helper()
	ca, err := NewCA("kubernetes", now)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func TestIssueServingAndClient(t *testing.T) {
	ca := mustCA(t)
	if !ca.Cert.IsCA || ca.Cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Fatalf("CA: IsCA=%v usage=%v", ca.Cert.IsCA, ca.Cert.KeyUsage)
	}
	if got := ca.Cert.NotAfter.Sub(now); got != CAValidity {
		t.Errorf("CA validity %v, want %v", got, CAValidity)
	}
	srv, err := ca.Issue(Server("kube-apiserver", []string{"kubernetes", "localhost"}, []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.96.0.1")}), now)
	if err != nil {
		t.Fatal(err)
	}
	if srv.Cert.NotAfter.Sub(now) != LeafValidity {
		t.Errorf("leaf validity %v", srv.Cert.NotAfter.Sub(now))
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	for _, name := range []string{"kubernetes", "localhost", "127.0.0.1", "10.96.0.1"} {
		if _, err := srv.Cert.Verify(x509.VerifyOptions{DNSName: name, Roots: pool, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
			t.Errorf("serving cert for %s: %v", name, err)
		}
	}
	if _, err := srv.Cert.Verify(x509.VerifyOptions{DNSName: "evil.example", Roots: pool, CurrentTime: now}); err == nil {
		t.Error("serving cert verifies for a name it lacks")
	}
	cl, err := ca.Issue(Client("system:node:n1", "system:nodes"), now)
	if err != nil {
		t.Fatal(err)
	}
	if cl.Cert.Subject.CommonName != "system:node:n1" || len(cl.Cert.Subject.Organization) != 1 || cl.Cert.Subject.Organization[0] != "system:nodes" {
		t.Errorf("client subject %v", cl.Cert.Subject)
	}
	if _, err := cl.Cert.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client cert: %v", err)
	}
	if _, err := cl.Cert.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err == nil {
		t.Error("client cert verifies for server auth")
	}
}

func TestWriteLoadModes(t *testing.T) {
	ca := mustCA(t)
	dir := filepath.Join(t.TempDir(), "pki", "etcd")
	if err := ca.Write(dir, "ca"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", p, st.Mode().Perm())
		}
	}
	for _, d := range []string{dir, filepath.Dir(dir)} {
		st, _ := os.Stat(d)
		if st.Mode().Perm() != 0o700 {
			t.Errorf("%s mode %v, want 0700", d, st.Mode().Perm())
		}
	}
	got, err := Load(dir, "ca")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Cert.Equal(ca.Cert) {
		t.Error("loaded CA differs")
	}
	other := mustCA(t)
	keyPEM, _ := KeyPEM(other.Key)
	if err := WriteFile(filepath.Join(dir, "ca.key"), keyPEM); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir, "ca"); err == nil {
		t.Error("a certificate with another key loads")
	}
}

func TestRenewal(t *testing.T) {
	ca := mustCA(t)
	otherCA := mustCA(t)
	want := Server("kube-apiserver", []string{"kubernetes"}, []net.IP{net.ParseIP("127.0.0.1")})
	issue := func(ca *KeyPair, s Spec, at time.Time) *x509.Certificate {
		kp, err := ca.Issue(s, at)
		if err != nil {
			t.Fatal(err)
		}
		return kp.Cert
	}
	good := issue(ca, want, now)
	moreSANs := want
	moreSANs.IPs = append([]net.IP{net.ParseIP("192.168.77.1")}, want.IPs...)
	client := Client("kube-apiserver")
	tests := []struct {
		name  string
		cert  *x509.Certificate
		want  Spec
		at    time.Time
		force bool
		why   string
	}{
		{"missing", nil, want, now, false, "missing"},
		{"fresh and matching", good, want, now, false, ""},
		{"same SANs in another order", issue(ca, Server("kube-apiserver", []string{"kubernetes"}, []net.IP{net.ParseIP("127.0.0.1")}), now), want, now, false, ""},
		{"forced", good, want, now, true, "renewal forced"},
		{"31 days left", good, want, good.NotAfter.Add(-31 * 24 * time.Hour), false, ""},
		{"29 days left", good, want, good.NotAfter.Add(-29 * 24 * time.Hour), false, "expires within 30 days"},
		{"expired", good, want, good.NotAfter.Add(time.Hour), false, "expired"},
		{"a SAN more wanted", good, moreSANs, now, false, "SANs differ"},
		{"other CN", good, Server("other", want.DNSNames, want.IPs), now, false, "subject differs"},
		{"other groups", issue(ca, Client("u", "a"), now), Client("u", "b"), now, false, "subject differs"},
		{"server wanted as client", good, Spec{CommonName: "kube-apiserver", DNSNames: want.DNSNames, IPs: want.IPs, Usages: client.Usages}, now, false, "key usages differ"},
		{"other CA", issue(otherCA, want, now), want, now, false, "not signed by the current CA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Renewal(tt.cert, tt.want, ca.Cert, tt.at, tt.force); got != tt.why {
				t.Errorf("Renewal = %q, want %q", got, tt.why)
			}
		})
	}
}

func TestServiceAccountKeys(t *testing.T) {
	dir := t.TempDir()
	created, err := EnsureServiceAccountKeys(dir)
	if err != nil || !created {
		t.Fatalf("first: created=%v err=%v", created, err)
	}
	key1, _ := os.ReadFile(filepath.Join(dir, ServiceAccountKey))
	pub1, _ := os.ReadFile(filepath.Join(dir, ServiceAccountPublic))
	if got := string(key1[:31]); got != "-----BEGIN RSA PRIVATE KEY-----" {
		t.Errorf("sa.key starts %q", got)
	}
	if got := string(pub1[:26]); got != "-----BEGIN PUBLIC KEY-----" {
		t.Errorf("sa.pub starts %q", got)
	}
	os.Remove(filepath.Join(dir, ServiceAccountPublic))
	created, err = EnsureServiceAccountKeys(dir)
	if err != nil || created {
		t.Fatalf("second: created=%v err=%v", created, err)
	}
	key2, _ := os.ReadFile(filepath.Join(dir, ServiceAccountKey))
	pub2, _ := os.ReadFile(filepath.Join(dir, ServiceAccountPublic))
	if string(key1) != string(key2) || string(pub1) != string(pub2) {
		t.Error("the second run changed the key pair")
	}
	st, _ := os.Stat(filepath.Join(dir, ServiceAccountKey))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("sa.key mode %v", st.Mode().Perm())
	}
}

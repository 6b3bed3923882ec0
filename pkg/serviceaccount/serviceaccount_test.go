package serviceaccount

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"minik8s/pkg/api"
)

// objects is a Getter over a fixed set of objects.
type objects struct {
	sas  map[string]*api.ServiceAccount
	pods map[string]*api.Pod
	secs map[string]*api.Secret
	node map[string]*api.Node
}

func notFound(kind, name string) error { return fmt.Errorf("%s %q not found", kind, name) }

func (o objects) GetServiceAccount(_ context.Context, ns, name string) (*api.ServiceAccount, error) {
	if x, ok := o.sas[ns+"/"+name]; ok {
		return x, nil
	}
	return nil, notFound("serviceaccounts", name)
}
func (o objects) GetPod(_ context.Context, ns, name string) (*api.Pod, error) {
	if x, ok := o.pods[ns+"/"+name]; ok {
		return x, nil
	}
	return nil, notFound("pods", name)
}
func (o objects) GetSecret(_ context.Context, ns, name string) (*api.Secret, error) {
	if x, ok := o.secs[ns+"/"+name]; ok {
		return x, nil
	}
	return nil, notFound("secrets", name)
}
func (o objects) GetNode(_ context.Context, name string) (*api.Node, error) {
	if x, ok := o.node[name]; ok {
		return x, nil
	}
	return nil, notFound("nodes", name)
}

func meta(ns, name, uid string) api.ObjectMeta {
	return api.ObjectMeta{Namespace: ns, Name: name, UID: uid}
}

const issuer = "https://kubernetes.default.svc.cluster.local"

func TestSignVerify(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	otherKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	now := time.Unix(1_800_000_000, 0)
	sa := &api.ServiceAccount{ObjectMeta: meta("ns1", "robot", "sa-uid")}
	pod := &api.Pod{ObjectMeta: meta("ns1", "web", "pod-uid")}
	sec := &api.Secret{ObjectMeta: meta("ns1", "s", "sec-uid")}
	node := &api.Node{ObjectMeta: meta("", "n1", "node-uid")}
	all := objects{
		sas:  map[string]*api.ServiceAccount{"ns1/robot": sa},
		pods: map[string]*api.Pod{"ns1/web": pod},
		secs: map[string]*api.Secret{"ns1/s": sec},
		node: map[string]*api.Node{"n1": node},
	}
	deleting := *pod
	gone := api.NewTime(now.Add(-2 * time.Minute))
	deleting.DeletionTimestamp = &gone
	otherSA := *sa
	otherSA.UID = "recreated"

	tests := []struct {
		name    string
		signer  crypto.Signer
		keys    []crypto.PublicKey
		getter  objects
		binding Binding
		aud     []string
		iss     string
		at      time.Time // when the token is checked
		wantOK  bool
		wantErr string
	}{
		{name: "rs256", signer: rsaKey, keys: []crypto.PublicKey{&rsaKey.PublicKey}, wantOK: true},
		{name: "es256", signer: ecKey, keys: []crypto.PublicKey{&ecKey.PublicKey}, wantOK: true},
		{name: "second key verifies", signer: rsaKey, keys: []crypto.PublicKey{&otherKey.PublicKey, &rsaKey.PublicKey}, wantOK: true},
		{name: "pod bound", signer: rsaKey, binding: Binding{Pod: pod, Node: node}, wantOK: true},
		{name: "secret bound", signer: rsaKey, binding: Binding{Secret: sec}, wantOK: true},
		{name: "node bound", signer: rsaKey, binding: Binding{Node: node}, wantOK: true},
		{name: "other key", signer: otherKey, wantErr: "invalid signature"},
		{name: "other issuer is not ours", signer: rsaKey, iss: "https://elsewhere"},
		{name: "audience", signer: rsaKey, aud: []string{"vault"}, wantErr: `token audiences ["vault"] is invalid for the target audiences ["` + issuer + `"]`},
		{name: "within leeway", signer: rsaKey, at: now.Add(time.Hour + 30*time.Second), wantOK: true},
		{name: "expired", signer: rsaKey, at: now.Add(time.Hour + 2*time.Minute), wantErr: "service account token has expired"},
		{name: "not yet valid", signer: rsaKey, at: now.Add(-2 * time.Minute), wantErr: "service account token is not valid yet"},
		{name: "sa deleted", signer: rsaKey, getter: objects{}, wantErr: `serviceaccounts "robot" not found`},
		{name: "sa recreated", signer: rsaKey, getter: objects{sas: map[string]*api.ServiceAccount{"ns1/robot": &otherSA}},
			wantErr: "service account UID (recreated) does not match claim (sa-uid)"},
		{name: "pod deleted", signer: rsaKey, binding: Binding{Pod: pod}, getter: objects{sas: all.sas}, wantErr: `pods "web" not found`},
		{name: "pod terminating past grace", signer: rsaKey, binding: Binding{Pod: pod},
			getter: objects{sas: all.sas, pods: map[string]*api.Pod{"ns1/web": &deleting}}, wantErr: "pod has been deleted"},
		{name: "secret deleted", signer: rsaKey, binding: Binding{Secret: sec}, getter: objects{sas: all.sas}, wantErr: `secrets "s" not found`},
		{name: "node deleted", signer: rsaKey, binding: Binding{Node: node}, getter: objects{sas: all.sas}, wantErr: `nodes "n1" not found`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSigner(tc.signer)
			if err != nil {
				t.Fatal(err)
			}
			iss := issuer
			if tc.iss != "" {
				iss = tc.iss
			}
			aud := tc.aud
			if aud == nil {
				aud = []string{issuer}
			}
			tok, err := s.Sign(NewClaims(iss, sa, tc.binding, 3600, aud, now))
			if err != nil {
				t.Fatal(err)
			}
			keys := tc.keys
			if keys == nil {
				keys = []crypto.PublicKey{&rsaKey.PublicKey}
			}
			getter := tc.getter
			if getter.sas == nil && getter.pods == nil && tc.wantErr == "" {
				getter = all
			}
			at := tc.at
			if at.IsZero() {
				at = now.Add(time.Minute)
			}
			a := &Authenticator{Issuer: issuer, Audiences: []string{issuer}, Keys: keys, Getter: getter, Now: func() time.Time { return at }}
			u, ok, err := a.AuthenticateToken(context.Background(), tok)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || ok != tc.wantOK {
				t.Fatalf("ok %v err %v, want ok %v", ok, err, tc.wantOK)
			}
			if !ok {
				return
			}
			if u.Name != "system:serviceaccount:ns1:robot" || u.UID != "sa-uid" ||
				!slices.Equal(u.Groups, []string{"system:serviceaccounts", "system:serviceaccounts:ns1"}) {
				t.Fatalf("user = %+v", u)
			}
			if !strings.HasPrefix(u.Extra["authentication.kubernetes.io/credential-id"][0], "JTI=") {
				t.Fatalf("extra = %v", u.Extra)
			}
			if tc.binding.Pod != nil && (u.Extra["authentication.kubernetes.io/pod-name"][0] != "web" || u.Extra["authentication.kubernetes.io/pod-uid"][0] != "pod-uid") {
				t.Fatalf("extra = %v", u.Extra)
			}
		})
	}
}

// TestTokenShape: the header names the algorithm and Kubernetes' kid, the
// payload carries exactly the bound-token claims.
func TestTokenShape(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	s, _ := NewSigner(key)
	sa := &api.ServiceAccount{ObjectMeta: meta("default", "default", "u1")}
	pod := &api.Pod{ObjectMeta: meta("default", "p", "u2")}
	tok, err := s.Sign(NewClaims(issuer, sa, Binding{Pod: pod}, 600, []string{"a", "b"}, time.Unix(100, 0)))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	h, _ := base64.RawURLEncoding.DecodeString(parts[0])
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	kid, _ := KeyID(&key.PublicKey)
	if want := `{"alg":"RS256","kid":"` + kid + `"}`; string(h) != want {
		t.Fatalf("header %s, want %s", h, want)
	}
	if len(kid) != 43 || len(der) == 0 {
		t.Fatalf("kid %q", kid)
	}
	p, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var m map[string]any
	if err := json.Unmarshal(p, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"aud", "exp", "iat", "iss", "jti", "kubernetes.io", "nbf", "sub"}; !slices.Equal(keys, want) {
		t.Fatalf("claims %v, want %v", keys, want)
	}
	if m["exp"].(float64) != 700 || m["sub"] != "system:serviceaccount:default:default" {
		t.Fatalf("payload %s", p)
	}
	k8s, _ := json.Marshal(m["kubernetes.io"])
	if want := `{"namespace":"default","pod":{"name":"p","uid":"u2"},"serviceaccount":{"name":"default","uid":"u1"}}`; string(k8s) != want {
		t.Fatalf("kubernetes.io = %s, want %s", k8s, want)
	}
}

func TestParseKeys(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(key)
	priv := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	pubDER, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pub := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	if _, err := ParsePrivateKey(priv); err != nil {
		t.Fatal(err)
	}
	for _, data := range [][]byte{priv, pub, append(pub, priv...)} {
		keys, err := ParsePublicKeys(data)
		if err != nil || len(keys) == 0 {
			t.Fatalf("ParsePublicKeys: %v %v", keys, err)
		}
	}
	if _, err := ParsePublicKeys([]byte("junk")); err == nil || !strings.Contains(err.Error(), "does not contain any valid") {
		t.Fatalf("err = %v", err)
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	d384, _ := x509.MarshalECPrivateKey(p384)
	if _, err := ParsePrivateKey(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: d384})); err == nil {
		t.Fatal("P-384 accepted")
	}
}

func TestSplitUsername(t *testing.T) {
	for in, want := range map[string]string{
		"system:serviceaccount:ns:name": "ns/name",
		"system:serviceaccount:ns":      "error",
		"system:serviceaccount::name":   "error",
		"bob":                           "error",
		"system:serviceaccount:a:b:c":   "error",
	} {
		ns, n, err := SplitUsername(in)
		got := ns + "/" + n
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("SplitUsername(%q) = %s, want %s", in, got, want)
		}
	}
}

package compat

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/pkg/api"
)

// startAuthnCluster is a cluster that signs ServiceAccount tokens (ES256).
// The real kubectl sends credentials over HTTPS only, so over this plain
// HTTP server both kubectls are system:anonymous (allowed everything
// under AlwaysAllow) unless they impersonate.
func startAuthnCluster(t *testing.T) *cluster {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalECPrivateKey(key)
	keyFile := filepath.Join(t.TempDir(), "sa.key")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return startClusterWith(t, func(o *apiserver.Options) { o.ServiceAccountSigningKeyFile = keyFile })
}

// addServiceAccount creates a ServiceAccount through the API, or, where
// ServiceAccount validation is not in yet (another part of issue 13),
// writes it to storage as the API would.
func (c *cluster) addServiceAccount(t *testing.T, ns, name string) {
	t.Helper()
	if _, _, err := c.kubectl(t, "", "create", "serviceaccount", name, "-n", ns); err == nil {
		return
	}
	sa := api.ServiceAccount{TypeMeta: api.TypeMeta{Kind: "ServiceAccount", APIVersion: "v1"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: ns, UID: fmt.Sprintf("0d4691ed-659b-4935-a832-%012d", time.Now().UnixNano()%1e12), CreationTimestamp: api.Now()}}
	v, _ := json.Marshal(sa)
	if _, err := c.ts.Server().Store().Create(context.Background(), "/registry/serviceaccounts/"+ns+"/"+name, v); err != nil {
		t.Fatal(err)
	}
}

var (
	jwtRe       = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`)
	timestampRe = regexp.MustCompile(`("?(creationTimestamp|expirationTimestamp)"?: )"[^"]*"`)
)

// maskToken hides what differs between two token requests.
func maskToken(s string) string {
	return timestampRe.ReplaceAllString(jwtRe.ReplaceAllString(s, "TOKEN"), `$1"TIME"`)
}

// sameMasked runs args through both kubectls and wants the same output
// once tokens and timestamps are masked; it returns the real stdout.
func (c *cluster) sameMasked(t *testing.T, args ...string) string {
	t.Helper()
	rOut, rErr, rerr := c.kubectl(t, "", args...)
	oOut, oErr, oerr := c.ours(t, args...)
	if (rerr == nil) != (oerr == nil) || maskToken(rOut) != maskToken(oOut) || rErr != oErr {
		t.Fatalf("kubectl %s differs\nreal (%v):\n%s%s\nours (%v):\n%s%s", strings.Join(args, " "), rerr, rOut, rErr, oerr, oOut, oErr)
	}
	return rOut
}

// TestAuthWhoAmIMatchesRealKubectl: the table and -o json|yaml, with and
// without impersonation (--as, --as-group, --as-uid), and the error of
// groups without a user.
func TestAuthWhoAmIMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startAuthnCluster(t)
	out := c.sameOutput(t, "auth", "whoami")
	if out != "ATTRIBUTE   VALUE\nUsername    system:anonymous\nGroups      [system:unauthenticated]\n" {
		t.Fatalf("whoami:\n%s", out)
	}
	out = c.sameOutput(t, "auth", "whoami", "--as", "bob", "--as-group", "g1", "--as-group", "g2", "--as-uid", "u-9")
	if !strings.Contains(out, "UID         u-9\nGroups      [g1 g2 system:authenticated]\n") {
		t.Fatalf("whoami --as:\n%s", out)
	}
	c.sameOutput(t, "auth", "whoami", "--as", "system:serviceaccount:ns1:robot")
	if out := c.sameMasked(t, "auth", "whoami", "-o", "json", "--as", "alice", "--as-group", "dev"); !strings.Contains(out, `"username": "alice"`) {
		t.Fatalf("whoami -o json:\n%s", out)
	}
	if out := c.sameMasked(t, "auth", "whoami", "-o", "yaml", "--as", "system:serviceaccount:ns1:robot"); !strings.Contains(out, "kind: SelfSubjectReview") {
		t.Fatalf("whoami -o yaml:\n%s", out)
	}
	c.sameOutput(t, "auth", "whoami", "--as-group", "g1")
	c.sameOutput(t, "get", "pods", "--as", "bob")
}

// TestCreateTokenMatchesRealKubectl: `kubectl create token` prints the
// token alone, or the TokenRequest with -o; flag and server errors alike.
func TestCreateTokenMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startAuthnCluster(t)
	c.addServiceAccount(t, "default", "robot")
	c.ok(t, `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s1"},"stringData":{"a":"b"}}`, "create", "-f", "-")

	out := c.sameMasked(t, "create", "token", "robot")
	if !jwtRe.MatchString(out) || strings.HasSuffix(out, "\n") {
		t.Fatalf("token %q", out)
	}
	claims := decodeClaims(t, out)
	if claims["sub"] != "system:serviceaccount:default:robot" || claims["exp"].(float64)-claims["iat"].(float64) != 3600 {
		t.Fatalf("claims %v", claims)
	}
	out = c.sameMasked(t, "create", "token", "robot", "--duration", "20m", "--audience", "a", "--audience", "b",
		"--bound-object-kind", "Secret", "--bound-object-name", "s1")
	claims = decodeClaims(t, out)
	k8s, _ := json.Marshal(claims["kubernetes.io"])
	if claims["exp"].(float64)-claims["iat"].(float64) != 1200 || !strings.Contains(string(k8s), `"secret":{"name":"s1"`) ||
		fmt.Sprint(claims["aud"]) != "[a b]" {
		t.Fatalf("claims %v", claims)
	}
	out = c.sameMasked(t, "create", "token", "robot", "-o", "yaml")
	if !strings.Contains(out, "kind: TokenRequest") || !strings.Contains(out, "expirationSeconds: 3600") {
		t.Fatalf("-o yaml:\n%s", out)
	}
	if out := c.sameMasked(t, "create", "token", "robot", "-o", "json", "--duration", "15m"); !strings.Contains(out, `"expirationSeconds": 900`) {
		t.Fatalf("-o json:\n%s", out)
	}
	for _, args := range [][]string{
		{"create", "token", "nope"},
		{"create", "token", "robot", "--duration", "1m"},
		{"create", "token", "robot", "--duration", "1500ms"},
		{"create", "token", "robot", "--duration", "-1s"},
		{"create", "token", "robot", "--audience", ""},
		{"create", "token", "robot", "--bound-object-kind", "Pod"},
		{"create", "token", "robot", "--bound-object-name", "p"},
		{"create", "token", "robot", "--bound-object-kind", "ConfigMap", "--bound-object-name", "x"},
		{"create", "token", "robot", "--bound-object-kind", "Pod", "--bound-object-name", "ghost"},
		{"create", "token", "robot", "--bound-object-kind", "Secret", "--bound-object-name", "s1", "--bound-object-uid", "wrong"},
		{"create", "token"},
		{"create", "token", "a", "b"},
	} {
		c.sameOutput(t, args...)
	}
}

func decodeClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

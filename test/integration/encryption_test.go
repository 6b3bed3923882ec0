package integration

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minik8s/apiserver"
	"minik8s/apiserver/storage/encryption"
	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

var (
	encKey1 = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	encKey2 = base64.StdEncoding.EncodeToString([]byte("fedcba9876543210"))
)

// writeEncryptionConfig writes an EncryptionConfiguration for secrets with
// the given providers block and returns its path.
func writeEncryptionConfig(t *testing.T, dir, name, providers string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	body := "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n" + providers
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func aesKeys(provider string, nameSecret ...string) string {
	s := "  - " + provider + ":\n      keys:\n"
	for i := 0; i < len(nameSecret); i += 2 {
		s += fmt.Sprintf("      - name: %s\n        secret: %s\n", nameSecret[i], nameSecret[i+1])
	}
	return s
}

// rawValue is the value etcd holds at key, under the server's encryption.
func rawValue(t *testing.T, ts *testserver.TestServer, key string) []byte {
	t.Helper()
	kv, err := encryption.Raw(ts.Server().Store()).Get(context.Background(), key)
	if err != nil {
		t.Fatalf("raw get %s: %v", key, err)
	}
	return kv.Value
}

func createSecret(t *testing.T, url, name, value string) {
	t.Helper()
	mustDo(t, http.StatusCreated, "POST", url, "application/json",
		fmt.Sprintf(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":%q},"stringData":{"password":%q}}`, name, value))
}

func secretValue(t *testing.T, url, name string) string {
	t.Helper()
	s := decodeInto[api.Secret](t, mustDo(t, http.StatusOK, "GET", url+"/"+name, "", ""))
	return string(s.Data["password"])
}

// TestEncryptionAtRest: with aescbc a Secret is stored as
// k8s:enc:aescbc:v1:key1:… without its plaintext, reads back through GET,
// LIST and a watch; plaintext written before encryption stays readable;
// ConfigMaps (not configured) stay plaintext; an unknown key is a 500
// naming the key, without the data.
func TestEncryptionAtRest(t *testing.T) {
	dir := t.TempDir()
	ts := testserver.Start(t)
	secrets := ts.URL + "/api/v1/namespaces/default/secrets"
	createSecret(t, secrets, "before", "plain-before")

	ts.Options.EncryptionProviderConfig = writeEncryptionConfig(t, dir, "cbc.yaml", aesKeys("aescbc", "key1", encKey1))
	ts.Restart(t)

	w := startWatch(t, secrets+"?watch=true")
	createSecret(t, secrets, "s1", "topsecret-value")
	raw := rawValue(t, ts, "/registry/secrets/default/s1")
	if !bytes.HasPrefix(raw, []byte("k8s:enc:aescbc:v1:key1:")) {
		t.Fatalf("stored value starts %q", raw[:min(len(raw), 40)])
	}
	for _, plain := range []string{"topsecret-value", base64.StdEncoding.EncodeToString([]byte("topsecret-value")), `"kind"`} {
		if bytes.Contains(raw, []byte(plain)) {
			t.Errorf("stored value contains %q", plain)
		}
	}
	if got := secretValue(t, secrets, "s1"); got != "topsecret-value" {
		t.Errorf("GET s1 = %q", got)
	}
	ev, ok := w.next(false)
	var s api.Secret
	for ok && s.Name != "s1" { // the initial events list what exists
		_ = json.Unmarshal(ev.Object, &s)
		if s.Name != "s1" {
			ev, ok = w.next(false)
		}
	}
	if !ok || ev.Type != "ADDED" || s.Name != "s1" || string(s.Data["password"]) != "topsecret-value" {
		t.Errorf("watch event %s %s %q", ev.Type, s.Name, s.Data)
	}
	list := decodeInto[api.List[api.Secret]](t, mustDo(t, http.StatusOK, "GET", secrets, "", ""))
	if len(list.Items) != 2 {
		t.Errorf("list: %d items", len(list.Items))
	}
	if got := secretValue(t, secrets, "before"); got != "plain-before" {
		t.Errorf("plaintext written before encryption reads %q", got)
	}
	mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces/default/configmaps", "application/json",
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":{"k":"visible"}}`)
	if raw := rawValue(t, ts, "/registry/configmaps/default/cm"); !bytes.Contains(raw, []byte("visible")) {
		t.Errorf("configmap stored as %q, want plaintext", raw)
	}

	// A key the configuration no longer has: 500 naming it, no data.
	ts.Options.EncryptionProviderConfig = writeEncryptionConfig(t, dir, "other.yaml", aesKeys("aescbc", "key2", encKey2))
	ts.Restart(t)
	code, b := do(t, "GET", secrets+"/s1", "", "")
	st := status(t, b)
	if code != http.StatusInternalServerError || !strings.Contains(st.Message, `key "key1" is not in the encryption configuration`) ||
		!strings.Contains(st.Message, `/registry/secrets/default/s1`) || strings.Contains(string(b), "topsecret") {
		t.Errorf("unknown key: %d %s", code, b)
	}
}

// TestEncryptionKeyRotation follows Kubernetes' documented rotation with
// restarts: new key added second, moved first, every Secret replaced
// (as `kubectl get secrets -A -o json | kubectl replace -f -`), old key
// removed; everything stays readable, and the replace rewrote each Secret
// with the new key even though nothing in it changed. aesgcm throughout.
func TestEncryptionKeyRotation(t *testing.T) {
	dir := t.TempDir()
	cfg := func(name, providers string) func(*apiserver.Options) {
		return func(o *apiserver.Options) {
			o.EncryptionProviderConfig = writeEncryptionConfig(t, dir, name, providers)
		}
	}
	ts := testserver.StartWithOptions(t, cfg("1.yaml", aesKeys("aesgcm", "key1", encKey1)))
	secrets := ts.URL + "/api/v1/namespaces/default/secrets"
	for i := 0; i < 3; i++ {
		createSecret(t, secrets, fmt.Sprintf("s%d", i), fmt.Sprintf("value-%d", i))
	}
	prefixOf := func(name string) string {
		raw := rawValue(t, ts, "/registry/secrets/default/"+name)
		return string(raw[:min(len(raw), len("k8s:enc:aesgcm:v1:key1:"))])
	}
	check := func(step string) {
		t.Helper()
		for i := 0; i < 3; i++ {
			if got := secretValue(t, secrets, fmt.Sprintf("s%d", i)); got != fmt.Sprintf("value-%d", i) {
				t.Fatalf("%s: s%d reads %q", step, i, got)
			}
		}
	}
	if p := prefixOf("s0"); p != "k8s:enc:aesgcm:v1:key1:" {
		t.Fatalf("written as %q", p)
	}

	// 1. New key second: reads fine, writes still key1.
	ts.Options.EncryptionProviderConfig = writeEncryptionConfig(t, dir, "2.yaml", aesKeys("aesgcm", "key1", encKey1, "key2", encKey2))
	ts.Restart(t)
	check("key2 added second")
	// 2. New key first: new writes use key2, old values still read.
	ts.Options.EncryptionProviderConfig = writeEncryptionConfig(t, dir, "3.yaml", aesKeys("aesgcm", "key2", encKey2, "key1", encKey1))
	ts.Restart(t)
	check("key2 moved first")
	createSecret(t, secrets, "new", "fresh")
	if p := prefixOf("new"); p != "k8s:enc:aesgcm:v1:key2:" {
		t.Fatalf("new secret written as %q", p)
	}
	// 3. Replace every Secret unchanged.
	list := decodeInto[api.List[api.Secret]](t, mustDo(t, http.StatusOK, "GET", secrets, "", ""))
	for _, s := range list.Items {
		body, _ := json.Marshal(s)
		mustDo(t, http.StatusOK, "PUT", secrets+"/"+s.Name, "application/json", string(body))
	}
	for i := 0; i < 3; i++ {
		if p := prefixOf(fmt.Sprintf("s%d", i)); p != "k8s:enc:aesgcm:v1:key2:" {
			t.Fatalf("after replace s%d stored as %q", i, p)
		}
	}
	// 4. Old key removed.
	ts.Options.EncryptionProviderConfig = writeEncryptionConfig(t, dir, "4.yaml", aesKeys("aesgcm", "key2", encKey2))
	ts.Restart(t)
	check("key1 removed")
	if got := secretValue(t, secrets, "new"); got != "fresh" {
		t.Fatalf("new reads %q", got)
	}
}

// TestEncryptionConfigErrorsStopStart: a bad configuration stops the
// apiserver at start with a message naming the field.
func TestEncryptionConfigErrorsStopStart(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct{ providers, want string }{
		"length": {aesKeys("aescbc", "k", base64.StdEncoding.EncodeToString([]byte("short"))),
			`resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 5, expected one of [16 24 32]`},
		"base64": {aesKeys("aesgcm", "k", "'%%%'"), `resources[0].providers[0].aesgcm.keys[0].secret: Invalid value: "REDACTED": secrets must be base64 encoded`},
		"kms":    {"  - kms: {name: x, endpoint: unix:///tmp/k.sock}\n", "resources[0].providers[0].kms: Unsupported value"},
	} {
		opts := apiserver.DefaultOptions()
		opts.Port, opts.DataDir, opts.UnsafeNoFsync, opts.EtcdLogLevel = 0, t.TempDir(), true, "fatal"
		opts.InsecureServing = true
		opts.EncryptionProviderConfig = writeEncryptionConfig(t, dir, name+".yaml", c.providers)
		srv, err := apiserver.NewServer(opts)
		if err == nil {
			err = srv.Run(context.Background())
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "--encryption-provider-config") {
			t.Errorf("%s: err = %v\nwant %q", name, err, c.want)
		}
	}
}

package encryption

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

var (
	key16 = b64("0123456789abcdef")
	key24 = b64("0123456789abcdef01234567")
	key32 = b64("0123456789abcdef0123456789abcdef")
	keyB  = b64("fedcba9876543210")
)

func config(t *testing.T, providers string) *Config {
	t.Helper()
	c, err := Parse([]byte("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n" + providers))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func aesProvider(name string, keys ...string) string {
	s := "  - " + name + ":\n      keys:\n"
	for i := 0; i < len(keys); i += 2 {
		s += fmt.Sprintf("      - name: %s\n        secret: %s\n", keys[i], keys[i+1])
	}
	return s
}

// TestRoundTrip is Kubernetes' aes TestRoundTrip: every length through
// every provider and key size.
func TestRoundTrip(t *testing.T) {
	cases := map[string]string{
		"aescbc 16": aesProvider("aescbc", "k", key16), "aescbc 32": aesProvider("aescbc", "k", key32),
		"aesgcm 16": aesProvider("aesgcm", "k", key16), "aesgcm 24": aesProvider("aesgcm", "k", key24),
		"aesgcm 32": aesProvider("aesgcm", "k", key32), "secretbox": aesProvider("secretbox", "k", key32),
		"identity": "  - identity: {}\n",
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			tr := config(t, p).For("", "secrets")
			for _, n := range []int{0, 1, 15, 16, 17, 128, 1024} {
				data := bytes.Repeat([]byte{'x'}, n)
				enc, err := tr.ToStorage(data, []byte("/registry/secrets/ns/a"))
				if err != nil {
					t.Fatal(err)
				}
				if name != "identity" && n >= 15 && bytes.Contains(enc, data) {
					t.Errorf("len %d: plaintext in stored value", n)
				}
				got, _, err := tr.FromStorage(enc, []byte("/registry/secrets/ns/a"))
				if err != nil || !bytes.Equal(got, data) {
					t.Errorf("len %d: round trip = %q, %v", n, got, err)
				}
			}
		})
	}
}

// TestGCMLegacyData is Kubernetes' TestGCMLegacyDataCompatibility: a value
// recorded from Kubernetes' own GCM transformer decrypts.
func TestGCMLegacyData(t *testing.T) {
	block, _ := aes.NewCipher([]byte("snorlax_awesomes"))
	g, err := newGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	const legacy = "\x9f'\xc8\xfc\xea\x8aX\xc4g\xd8\xe47\xdb\xf2\xd8YU\xf9\xb4\xbd\x91/N\xf9g\u05c8\xa0\xcb\ay}\xac\n?\n\bE`\\\xa8Z\xc8V+J\xe1"
	got, _, err := g.FromStorage([]byte(legacy), []byte("bamboo"))
	if err != nil || string(got) != "pandas are the best" {
		t.Fatalf("legacy GCM = %q, %v", got, err)
	}
	if _, _, err := g.FromStorage([]byte(legacy), []byte("other")); err == nil {
		t.Fatal("GCM opened with the wrong additional data")
	}
}

// TestStorageFormat decodes stored values by hand as Kubernetes lays them
// out: prefix + IV + CBC/PKCS#7, prefix + nonce + GCM(ad = etcd key).
func TestStorageFormat(t *testing.T) {
	key := []byte("0123456789abcdef")
	block, _ := aes.NewCipher(key)
	etcdKey := []byte("/registry/secrets/default/s1")
	plain := []byte(`{"kind":"Secret","data":{"a":"c2VjcmV0"}}`)

	enc, err := config(t, aesProvider("aescbc", "key1", key16)).For("", "secrets").ToStorage(plain, etcdKey)
	if err != nil {
		t.Fatal(err)
	}
	rest, ok := bytes.CutPrefix(enc, []byte("k8s:enc:aescbc:v1:key1:"))
	if !ok {
		t.Fatalf("aescbc value starts %q", enc[:30])
	}
	out := make([]byte, len(rest)-16)
	cipher.NewCBCDecrypter(block, rest[:16]).CryptBlocks(out, rest[16:])
	pad := int(out[len(out)-1])
	if got := out[:len(out)-pad]; !bytes.Equal(got, plain) || pad < 1 || pad > 16 {
		t.Fatalf("aescbc by hand = %q (pad %d)", got, pad)
	}

	enc, err = config(t, aesProvider("aesgcm", "key1", key16)).For("", "secrets").ToStorage(plain, etcdKey)
	if err != nil {
		t.Fatal(err)
	}
	rest, ok = bytes.CutPrefix(enc, []byte("k8s:enc:aesgcm:v1:key1:"))
	if !ok {
		t.Fatalf("aesgcm value starts %q", enc[:30])
	}
	aead, _ := cipher.NewGCM(block)
	got, err := aead.Open(nil, rest[:12], rest[12:], etcdKey)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("aesgcm by hand = %q, %v", got, err)
	}
}

func TestReadByPrefix(t *testing.T) {
	ad := []byte("/registry/secrets/ns/a")
	write := func(providers string, v string) []byte {
		out, err := config(t, providers).For("", "secrets").ToStorage([]byte(v), ad)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	old := write(aesProvider("aescbc", "key1", key16), "v1")
	gcmOld := write(aesProvider("aesgcm", "key1", key16), "v2")
	cases := []struct {
		name, providers string
		stored          []byte
		want, wantErr   string
	}{
		{"plaintext, encryption on", aesProvider("aescbc", "key1", key16), []byte("plain"), "plain", ""},
		{"plaintext, identity listed", "  - identity: {}\n" + aesProvider("aescbc", "key1", key16), []byte("plain"), "plain", ""},
		{"old key second (rotation step 1)", aesProvider("aescbc", "key2", keyB, "key1", key16), old, "v1", ""},
		{"old key in a second provider", aesProvider("aescbc", "key2", keyB) + aesProvider("aescbc", "key1", key16), old, "v1", ""},
		{"identity first still reads encrypted", "  - identity: {}\n" + aesProvider("aescbc", "key1", key16), old, "v1", ""},
		{"gcm and cbc side by side", aesProvider("aescbc", "key1", key16) + aesProvider("aesgcm", "key1", key16), gcmOld, "v2", ""},
		{"unknown key name", aesProvider("aescbc", "key2", keyB), old, "",
			`no matching key was found for the provided AES transformer (key "key1" is not in the encryption configuration)`},
		{"same name, wrong key", aesProvider("aescbc", "key1", keyB), old, "", "invalid"},
		{"provider not configured", aesProvider("aesgcm", "key1", key16), old, "",
			`no matching prefix found (the value is encrypted as "k8s:enc:aescbc:v1:key1", which is not in the encryption configuration)`},
		{"identity only, encrypted value", "  - identity: {}\n", old, "", "no matching prefix found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := config(t, c.providers).For("", "secrets").FromStorage(c.stored, ad)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				if bytes.Contains([]byte(err.Error()), []byte("v1\x00")) {
					t.Fatal("error leaks data")
				}
				return
			}
			if err != nil || string(got) != c.want {
				t.Fatalf("= %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestWritesUseFirstProvider(t *testing.T) {
	for providers, prefix := range map[string]string{
		aesProvider("aesgcm", "new", key32) + aesProvider("aescbc", "old", key16): "k8s:enc:aesgcm:v1:new:",
		aesProvider("aescbc", "b", keyB, "a", key16):                              "k8s:enc:aescbc:v1:b:",
		"  - identity: {}\n" + aesProvider("aescbc", "a", key16):                  "{",
		aesProvider("secretbox", "s", key32):                                      "k8s:enc:secretbox:v1:s:",
	} {
		out, err := config(t, providers).For("", "secrets").ToStorage([]byte("{}"), nil)
		if err != nil || !strings.HasPrefix(string(out), prefix) {
			t.Errorf("%s: wrote %q, %v; want prefix %q", providers, out, err, prefix)
		}
	}
}

func TestResourceSelection(t *testing.T) {
	c, err := Parse([]byte(`{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration","resources":[
		{"resources":["secrets","deployments.apps"],"providers":[{"aescbc":{"keys":[{"name":"a","secret":"` + key16 + `"}]}}]},
		{"resources":["*.batch"],"providers":[{"aesgcm":{"keys":[{"name":"b","secret":"` + key16 + `"}]}}]},
		{"resources":["*.*"],"providers":[{"secretbox":{"keys":[{"name":"c","secret":"` + key32 + `"}]}}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ key, prefix string }{
		{"/registry/secrets/ns/a", "k8s:enc:aescbc:v1:a:"},
		{"/registry/deployments.apps/ns/a", "k8s:enc:aescbc:v1:a:"},
		{"/registry/jobs.batch/ns/a", "k8s:enc:aesgcm:v1:b:"},
		{"/registry/configmaps/ns/a", "k8s:enc:secretbox:v1:c:"},
	} {
		g, r, _ := resourceOf(tc.key)
		out, err := c.For(g, r).ToStorage([]byte("x"), []byte(tc.key))
		if err != nil || !strings.HasPrefix(string(out), tc.prefix) {
			t.Errorf("%s: %q, %v; want %q", tc.key, out, err, tc.prefix)
		}
	}
	only := config(t, aesProvider("aescbc", "a", key16))
	if only.For("", "configmaps") != nil || only.For("apps", "secrets") != nil {
		t.Error("unconfigured resources must stay plaintext")
	}
}

func TestConfigErrors(t *testing.T) {
	head := "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n"
	cases := []struct{ name, body, want string }{
		{"bad base64", "resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys:\n      - {name: k, secret: 'not base64!'}\n",
			`resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secrets must be base64 encoded`},
		{"wrong length", "resources:\n- resources: [secrets]\n  providers:\n  - aesgcm:\n      keys:\n      - {name: k, secret: " + b64("short") + "}\n",
			`resources[0].providers[0].aesgcm.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 5, expected one of [16 24 32]`},
		{"secretbox 16", "resources:\n- resources: [secrets]\n  providers:\n  - secretbox:\n      keys:\n      - {name: k, secret: " + key16 + "}\n",
			`resources[0].providers[0].secretbox.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 16, expected one of [32]`},
		{"unknown provider", "resources:\n- resources: [secrets]\n  providers:\n  - aesctr: {}\n",
			`unknown field "aesctr"`},
		{"empty provider", "resources:\n- resources: [secrets]\n  providers:\n  - {}\n",
			"resources[0].providers[0]: Invalid value: provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity"},
		{"kms", "resources:\n- resources: [secrets]\n  providers:\n  - kms: {apiVersion: v2, name: x, endpoint: unix:///k.sock}\n",
			"resources[0].providers[0].kms: Unsupported value: the kms provider is not supported by minik8s"},
		{"no keys", "resources:\n- resources: [secrets]\n  providers:\n  - aescbc: {keys: []}\n",
			"resources[0].providers[0].aescbc.keys: Required value: at least one keys is required"},
		{"no name", "resources:\n- resources: [secrets]\n  providers:\n  - aescbc: {keys: [{secret: " + key16 + "}]}\n",
			"resources[0].providers[0].aescbc.keys[0].name: Required value: name is a mandatory field for a key"},
		{"two in one", "resources:\n- resources: [secrets]\n  providers:\n  - {identity: {}, aescbc: {keys: [{name: a, secret: " + key16 + "}]}}\n",
			"resources[0].providers[0]: Invalid value: more than one provider specified in a single element"},
		{"no providers", "resources:\n- resources: [secrets]\n",
			"resources[0].providers: Required value: at least one resources[0].providers is required"},
		{"no resources", "resources: []\n", "resources: Required value: at least one resources is required"},
		{"star", "resources:\n- resources: ['*']\n  providers: [{identity: {}}]\n",
			`resources[0].resources[0]: Invalid value: "*": use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources`},
		{"overlap", "resources:\n- resources: [secrets, '*.']\n  providers: [{identity: {}}]\n",
			`resources[0].resources: Invalid value: ["secrets","*."]: using overlapping resources`},
		{"masked", "resources:\n- resources: ['*.']\n  providers: [{identity: {}}]\n- resources: [secrets]\n  providers: [{identity: {}}]\n",
			`resource "secrets" is masked by earlier rule "*."`},
		{"capital", "resources:\n- resources: [Secrets]\n  providers: [{identity: {}}]\n",
			`resources[0].resources[0]: Invalid value: "Secrets": resource name should not contain capital letters`},
		{"several", "resources:\n- resources: [secrets]\n  providers:\n  - aescbc: {keys: [{name: a, secret: " + b64("x") + "}, {name: b, secret: " + b64("y") + "}]}\n",
			`[resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 1, expected one of [16 24 32], resources[0].providers[0].aescbc.keys[1].secret`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(head + c.body))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v\nwant %q", err, c.want)
			}
		})
	}
	if _, err := Parse([]byte("apiVersion: v1\nkind: ConfigMap\n")); err == nil || !strings.Contains(err.Error(), "want kind EncryptionConfiguration") {
		t.Errorf("wrong kind: %v", err)
	}
}

// TestStale: a value read with anything but the writing provider and key
// is stale, so that an unchanged update rewrites it (rotation's replace).
func TestStale(t *testing.T) {
	ad := []byte("/registry/secrets/ns/a")
	k1, _ := config(t, aesProvider("aescbc", "key1", key16)).For("", "secrets").ToStorage([]byte("v"), ad)
	for _, c := range []struct {
		name, providers string
		stored          []byte
		stale           bool
	}{
		{"written key", aesProvider("aescbc", "key1", key16, "key2", keyB), k1, false},
		{"second key", aesProvider("aescbc", "key2", keyB, "key1", key16), k1, true},
		{"plaintext under aescbc", aesProvider("aescbc", "key1", key16), []byte("v"), true},
		{"plaintext under identity", "  - identity: {}\n", []byte("v"), false},
		{"encrypted under identity first", "  - identity: {}\n" + aesProvider("aescbc", "key1", key16), k1, true},
	} {
		_, stale, err := config(t, c.providers).For("", "secrets").FromStorage(c.stored, ad)
		if err != nil || stale != c.stale {
			t.Errorf("%s: stale %v, %v; want %v", c.name, stale, err, c.stale)
		}
	}
}

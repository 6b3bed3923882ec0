package apiserver

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestContinueToken(t *testing.T) {
	const prefix = "/registry/pods/default/"
	tok, err := encodeContinue(prefix+"web-1\x00", prefix, 42)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	if string(raw) != `{"v":"meta.k8s.io/v1","rv":42,"start":"web-1\u0000"}` {
		t.Errorf("token %s", raw)
	}
	key, rv, err := decodeContinue(tok, prefix)
	if err != nil || key != prefix+"web-1\x00" || rv != 42 {
		t.Errorf("decode: %q %d %v", key, rv, err)
	}
	if _, err := encodeContinue("/registry/services/x", prefix, 1); err == nil {
		t.Error("a key outside the prefix was encoded")
	}
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for tok, want := range map[string]string{
		"%%%": "continue key is not valid",
		enc(`{"v":"meta.k8s.io/v2","rv":1,"start":"a"}`):          "does not recognize this encoded version",
		enc(`{"v":"meta.k8s.io/v1","rv":0,"start":"a"}`):          "incorrect encoded start resourceVersion",
		enc(`{"v":"meta.k8s.io/v1","rv":1,"start":""}`):           "encoded start key empty",
		enc(`{"v":"meta.k8s.io/v1","rv":1,"start":"../x"}`):       "continue key is not valid: ../x",
		enc(`{"v":"meta.k8s.io/v1","rv":1,"start":"/a/../../b"}`): "continue key is not valid",
		enc(`not json`): "continue key is not valid",
	} {
		if _, _, err := decodeContinue(tok, prefix); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("decode %q: %v, want %q", tok, err, want)
		}
	}
}

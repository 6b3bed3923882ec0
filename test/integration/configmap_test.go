package integration

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

// TestConfigMapSecretAPI: ConfigMap and Secret through the apiserver as
// Kubernetes serves them: stringData merged into data and never returned,
// the type defaulted, immutability and the 1 MiB limit enforced with
// Kubernetes' messages.
func TestConfigMapSecretAPI(t *testing.T) {
	ts := testserver.Start(t)
	cms := ts.URL + "/api/v1/namespaces/default/configmaps"
	secrets := ts.URL + "/api/v1/namespaces/default/secrets"

	t.Run("secret stringData", func(t *testing.T) {
		b := mustDo(t, http.StatusCreated, "POST", secrets, "application/json",
			`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s1"},"data":{"a":"MQ==","b":"Mg=="},"stringData":{"b":"two","c":"3"}}`)
		if strings.Contains(string(b), "stringData") {
			t.Errorf("create answer has stringData: %s", b)
		}
		s := decodeInto[api.Secret](t, mustDo(t, http.StatusOK, "GET", secrets+"/s1", "", ""))
		if s.Type != "Opaque" || string(s.Data["a"]) != "1" || string(s.Data["b"]) != "two" || string(s.Data["c"]) != "3" || s.StringData != nil {
			t.Errorf("stored secret: type %q data %q stringData %v", s.Type, s.Data, s.StringData)
		}
		// An update's stringData is merged too.
		s.StringData = map[string]string{"d": "4"}
		body, _ := json.Marshal(s)
		s = decodeInto[api.Secret](t, mustDo(t, http.StatusOK, "PUT", secrets+"/s1", "application/json", string(body)))
		if string(s.Data["d"]) != "4" || len(s.Data) != 4 {
			t.Errorf("after update: %q", s.Data)
		}
		// type is immutable.
		s.Type = "example.com/custom"
		s.ResourceVersion = ""
		body, _ = json.Marshal(s)
		code, b := do(t, "PUT", secrets+"/s1", "application/json", string(body))
		if st := status(t, b); code != http.StatusUnprocessableEntity || st.Message != `Secret "s1" is invalid: type: Invalid value: "example.com/custom": field is immutable` {
			t.Errorf("type change: %d %s", code, b)
		}
	})

	t.Run("tls secret needs its keys", func(t *testing.T) {
		code, b := do(t, "POST", secrets, "application/json", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"t"},"type":"kubernetes.io/tls","data":{"tls.crt":"eA=="}}`)
		if st := status(t, b); code != http.StatusUnprocessableEntity || st.Message != `Secret "t" is invalid: data[tls.key]: Required value` {
			t.Errorf("tls without key: %d %s", code, b)
		}
	})

	t.Run("configmap keys and binaryData", func(t *testing.T) {
		code, b := do(t, "POST", cms, "application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bad"},"data":{"a b":"x"}}`)
		st := status(t, b)
		if code != http.StatusUnprocessableEntity || !strings.HasPrefix(st.Message, `ConfigMap "bad" is invalid: data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters`) {
			t.Errorf("bad key: %d %s", code, b)
		}
		b = mustDo(t, http.StatusCreated, "POST", cms, "application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bin"},"binaryData":{"b":"AAEC"},"data":{"t":"x"}}`)
		c := decodeInto[api.ConfigMap](t, b)
		if len(c.BinaryData["b"]) != 3 || c.Data["t"] != "x" {
			t.Errorf("created %+v", c)
		}
	})

	t.Run("size limit", func(t *testing.T) {
		big := strings.Repeat("x", api.MaxSecretSize)
		code, b := do(t, "POST", cms, "application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"a":"`+big+`","b":"y"}}`)
		if st := status(t, b); code != http.StatusUnprocessableEntity || st.Message != `ConfigMap "big" is invalid: : Too long: may not be more than 1048576 bytes` {
			t.Errorf("too big configmap: %d %.300s", code, b)
		}
		code, b = do(t, "POST", secrets, "application/json", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"big"},"stringData":{"a":"`+big+`","b":"y"}}`)
		if st := status(t, b); code != http.StatusUnprocessableEntity || st.Message != `Secret "big" is invalid: data: Too long: may not be more than 1048576 bytes` {
			t.Errorf("too big secret: %d %.300s", code, b)
		}
	})

	t.Run("immutable", func(t *testing.T) {
		mustDo(t, http.StatusCreated, "POST", cms, "application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"imm"},"immutable":true,"data":{"a":"1"}}`)
		code, b := do(t, "PATCH", cms+"/imm", "application/merge-patch+json", `{"data":{"a":"2"}}`)
		if st := status(t, b); code != http.StatusUnprocessableEntity || st.Message != "ConfigMap \"imm\" is invalid: data: Forbidden: field is immutable when `immutable` is set" {
			t.Errorf("change immutable data: %d %s", code, b)
		}
		code, b = do(t, "PATCH", cms+"/imm", "application/merge-patch+json", `{"immutable":false}`)
		if st := status(t, b); code != http.StatusUnprocessableEntity || st.Message != "ConfigMap \"imm\" is invalid: immutable: Forbidden: field is immutable when `immutable` is set" {
			t.Errorf("unset immutable: %d %s", code, b)
		}
		// Metadata may still change, and the object may be deleted.
		mustDo(t, http.StatusOK, "PATCH", cms+"/imm", "application/merge-patch+json", `{"metadata":{"labels":{"x":"y"}}}`)
		mustDo(t, http.StatusOK, "DELETE", cms+"/imm", "", "")
	})
}

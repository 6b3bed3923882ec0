package apiserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCheckBodyType: create and update bodies must say what they are; a
// missing or unknown Content-Type is Kubernetes' 415 with its message.
func TestCheckBodyType(t *testing.T) {
	const accepted = "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf"
	cases := []struct {
		ct        string
		wantProto bool
		wantErr   bool
	}{
		{ct: "application/json"},
		{ct: "application/json; charset=utf-8"},
		{ct: "application/yaml"},
		{ct: "application/vnd.kubernetes.protobuf", wantProto: true},
		{ct: "", wantErr: true},
		{ct: "text/plain", wantErr: true},
		{ct: "text/plain;charset=UTF-8", wantErr: true},
		{ct: "application/x-www-form-urlencoded", wantErr: true},
		{ct: "multipart/form-data; boundary=x", wantErr: true},
		{ct: "*/*", wantErr: true},
	}
	for _, tc := range cases {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/namespaces/default/pods", strings.NewReader("{}"))
		if tc.ct != "" {
			r.Header.Set("Content-Type", tc.ct)
		}
		proto, err := checkBodyType(r)
		if !tc.wantErr {
			if err != nil || proto != tc.wantProto {
				t.Errorf("%q: proto %v err %v, want proto %v", tc.ct, proto, err, tc.wantProto)
			}
			continue
		}
		if err == nil {
			t.Errorf("%q: accepted, want 415", tc.ct)
			continue
		}
		if se := asStatus(err); se.status.Code != http.StatusUnsupportedMediaType ||
			se.status.Reason != reasonUnsupportedMedia || se.status.Message != accepted {
			t.Errorf("%q: err %v, want 415 %q", tc.ct, err, accepted)
		}
	}
}

// TestPatchTypeUnsupported: a PATCH with no or an unknown Content-Type
// lists Kubernetes' patch types.
func TestPatchTypeUnsupported(t *testing.T) {
	const want = "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml"
	for _, ct := range []string{"", "application/json", "text/plain"} {
		_, err := applyPatchBytes(nil, ct, []byte(`{}`), []byte(`{}`))
		if err == nil {
			t.Errorf("%q: accepted, want 415", ct)
			continue
		}
		if se := asStatus(err); se.status.Code != http.StatusUnsupportedMediaType || se.status.Message != want {
			t.Errorf("%q: %v, want 415 %q", ct, err, want)
		}
	}
}

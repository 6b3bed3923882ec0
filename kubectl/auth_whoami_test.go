package kubectl

import (
	"bytes"
	"testing"

	"minik8s/pkg/api"
)

// The whoami table as kubectl prints it: set attributes only, extras one
// line each, keys sorted.
func TestPrintWhoAmI(t *testing.T) {
	tests := []struct {
		name string
		ui   api.UserInfo
		want string
	}{
		{"anonymous", api.UserInfo{Username: "system:anonymous", Groups: []string{"system:unauthenticated"}},
			"ATTRIBUTE   VALUE\nUsername    system:anonymous\nGroups      [system:unauthenticated]\n"},
		{"service account", api.UserInfo{Username: "system:serviceaccount:default:robot", UID: "u-1",
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"},
			Extra:  map[string][]string{"authentication.kubernetes.io/pod-uid": {"p-1"}, "authentication.kubernetes.io/pod-name": {"web"}}},
			"ATTRIBUTE                                      VALUE\n" +
				"Username                                       system:serviceaccount:default:robot\n" +
				"UID                                            u-1\n" +
				"Groups                                         [system:serviceaccounts system:serviceaccounts:default system:authenticated]\n" +
				"Extra: authentication.kubernetes.io/pod-name   [web]\n" +
				"Extra: authentication.kubernetes.io/pod-uid    [p-1]\n"},
		{"empty", api.UserInfo{}, "ATTRIBUTE   VALUE\n"},
	}
	for _, tc := range tests {
		var b bytes.Buffer
		if err := printWhoAmI(&b, tc.ui); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tc.name, b.String(), tc.want)
		}
	}
}

func TestTokenFlagsRequest(t *testing.T) {
	tests := []struct {
		name    string
		f       tokenFlags
		wantErr string
		check   func(*api.TokenRequest) bool
	}{
		{name: "defaults", check: func(r *api.TokenRequest) bool { return r.Spec.ExpirationSeconds == nil && r.Spec.BoundObjectRef == nil }},
		{name: "duration", f: tokenFlags{duration: 600e9}, check: func(r *api.TokenRequest) bool { return *r.Spec.ExpirationSeconds == 600 }},
		{name: "bound pod", f: tokenFlags{boundKind: "Pod", boundName: "p", boundUID: "u"}, check: func(r *api.TokenRequest) bool {
			return *r.Spec.BoundObjectRef == api.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: "p", UID: "u"}
		}},
		{name: "negative", f: tokenFlags{duration: -1e9}, wantErr: "--duration must be greater than or equal to 0"},
		{name: "sub-second", f: tokenFlags{duration: 1500e6}, wantErr: "--duration cannot be expressed in units less than seconds"},
		{name: "empty audience", f: tokenFlags{audiences: []string{""}}, wantErr: "--audience must not be an empty string"},
		{name: "name without kind", f: tokenFlags{boundName: "x"}, wantErr: "--bound-object-name can only be set if --bound-object-kind is provided"},
		{name: "uid without kind", f: tokenFlags{boundUID: "x"}, wantErr: "--bound-object-uid can only be set if --bound-object-kind is provided"},
		{name: "bad kind", f: tokenFlags{boundKind: "ConfigMap", boundName: "x"}, wantErr: "supported --bound-object-kind values are Node, Pod, Secret"},
		{name: "kind without name", f: tokenFlags{boundKind: "Secret"}, wantErr: "--bound-object-name is required if --bound-object-kind is provided"},
	}
	for _, tc := range tests {
		r, err := tc.f.request()
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("%s: err %v, want %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !tc.check(r) {
			t.Errorf("%s: %+v %v", tc.name, r, err)
		}
	}
}

package client

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

func TestParseWarningHeaders(t *testing.T) {
	tests := []struct {
		values []string
		want   []WarningHeader
	}{
		{[]string{`299 - "would violate PodSecurity \"restricted:latest\": x"`},
			[]WarningHeader{{299, "-", `would violate PodSecurity "restricted:latest": x`}}},
		{[]string{`299 - "a", 299 - "b" "Wed, 02 Dec 2026 16:00:00 GMT"`, `199 agent "c"`},
			[]WarningHeader{{299, "-", "a"}, {299, "-", "b"}, {199, "agent", "c"}}},
		{[]string{`bad`, `299 -`, `299 - unquoted`}, nil},
	}
	for _, tc := range tests {
		if got := ParseWarningHeaders(tc.values); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %+v, want %+v", tc.values, got, tc.want)
		}
	}
}

func TestWarningTransportDeduplicates(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Warning", `299 - "one"`)
		w.Header().Add("Warning", `299 - "two"`)
		w.Header().Add("Warning", `199 - "not 299"`)
	}))
	defer srv.Close()
	var got []string
	c := &http.Client{Transport: &WarningTransport{Next: http.DefaultTransport, Deduplicate: true, Handle: func(s string) { got = append(got, s) }}}
	for i := 0; i < 2; i++ {
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if want := []string{"one", "two"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

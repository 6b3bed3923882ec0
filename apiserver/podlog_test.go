package apiserver

import (
	"net/url"
	"testing"
)

func TestPodLogQuery(t *testing.T) {
	cases := []struct {
		query, want string
		code        int32
		msg         string
	}{
		{query: "container=c&follow=true&tailLines=3&limitBytes=10&timestamps=1&previous=false&sinceSeconds=5",
			want: "follow=true&limitBytes=10&previous=false&sinceSeconds=5&tailLines=3&timestamps=true"},
		{query: "sinceTime=2026-12-02T14:00:00%2B01:00", want: "sinceTime=2026-12-02T13%3A00%3A00Z"},
		{query: "sinceSeconds=5&sinceTime=2026-12-02T14:00:00Z", code: 422,
			msg: "PodLogOptions \"web\" is invalid: : Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified"},
		{query: "tailLines=-1", code: 422, msg: `PodLogOptions "web" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0`},
		{query: "limitBytes=0", code: 422, msg: `PodLogOptions "web" is invalid: limitBytes: Invalid value: 0: must be greater than 0`},
		{query: "sinceSeconds=0", code: 422, msg: `PodLogOptions "web" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0`},
		{query: "tailLines=x", code: 400, msg: `strconv.ParseInt: parsing "x": invalid syntax`},
		{query: "sinceSeconds=abc&tailLines=x", code: 400, msg: `strconv.ParseInt: parsing "abc": invalid syntax`},
		{query: "sinceTime=x", code: 400, msg: `parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"`},
		// Kubernetes' query booleans: false only for "false" and "0".
		{query: "follow=maybe&previous=0&timestamps=FALSE", want: "follow=true&previous=false&timestamps=false"},
	}
	for _, c := range cases {
		q, _ := url.ParseQuery(c.query)
		got, err := podLogQuery("web", q)
		if c.code == 0 {
			if err != nil || got.Encode() != c.want {
				t.Errorf("%s: %q %v, want %q", c.query, got.Encode(), err, c.want)
			}
			continue
		}
		st := asStatus(err)
		if st == nil || st.status.Code != c.code || (c.msg != "" && st.status.Message != c.msg) {
			t.Errorf("%s: %v, want %d %q", c.query, err, c.code, c.msg)
		}
	}
}

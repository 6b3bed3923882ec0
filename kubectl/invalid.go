package kubectl

import (
	"fmt"
	"strings"

	"minik8s/pkg/api"
)

// invalidMessage is how kubectl's CheckErr prints a 422: "The Kind "name"
// is invalid", then the causes as "field: message", one on the line or
// several as a "* " list.
func invalidMessage(st *api.Status) string {
	d := st.Details
	s := "The request is invalid"
	if d == nil {
		if st.Message != "" {
			s += ": " + st.Message
		}
		return s
	}
	if d.Kind != "" || d.Name != "" {
		s = fmt.Sprintf("The %s %q is invalid", d.Kind, d.Name)
	} else if st.Message != "" && len(d.Causes) == 0 {
		// kubectl adds the message only without kind, name and causes.
		s += ": " + st.Message
	}
	var msgs []string
	seen := map[string]bool{}
	for _, c := range d.Causes {
		m := c.Field + ": " + c.Message
		if !seen[m] {
			seen[m] = true
			msgs = append(msgs, m)
		}
	}
	switch len(msgs) {
	case 0:
		return s
	case 1:
		return s + ": " + msgs[0]
	}
	return s + ": \n* " + strings.Join(msgs, "\n* ")
}

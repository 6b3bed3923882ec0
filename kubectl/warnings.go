package kubectl

import (
	"fmt"
	"net/http"

	"minik8s/pkg/client"
)

// printWarnings prints the apiserver's Warning headers (admission, field
// validation, deprecation) to stderr as "Warning: <text>", each text once
// per command, as kubectl's deduplicating warning writer does.
func (o *options) printWarnings(cfg *client.Config) {
	if o.err == nil {
		return
	}
	wrap := cfg.WrapTransport
	cfg.WrapTransport = func(next http.RoundTripper) http.RoundTripper {
		if wrap != nil {
			next = wrap(next)
		}
		return &client.WarningTransport{Next: next, Deduplicate: true, Handle: func(text string) {
			fmt.Fprintf(o.err, "Warning: %s\n", text)
		}}
	}
}

package kubectl

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// checkOutput checks -o of the commands that print what they changed.
func checkOutput(output string) error {
	switch output {
	case "", "json", "yaml", "name":
		return nil
	}
	return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml", output)
}

// dryRunQuery is the query a server dry run adds to a write.
func dryRunQuery(dry bool) string {
	if dry {
		return "?dryRun=All"
	}
	return ""
}

// createMaybeDry creates obj, or only asks the server to check it
// (?dryRun=All) when dry is set.
func createMaybeDry(ctx context.Context, c *client.Client, info *api.ResourceInfo, ns string, obj api.Object, dry bool) (api.Object, error) {
	if !dry {
		return c.Create(ctx, info, ns, obj)
	}
	body, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", info.Kind, err)
	}
	if !info.Namespaced || ns == "" {
		ns = obj.GetObjectMeta().Namespace
	}
	data, err := c.Do(ctx, http.MethodPost, info.Path(ns, "")+dryRunQuery(true), body, nil)
	if err != nil {
		return nil, err
	}
	out := api.NewFor(info)
	if err := json.Unmarshal(data, out); err != nil {
		return nil, fmt.Errorf("decode %s: %w", info.Kind, err)
	}
	tm := out.GetTypeMeta()
	tm.APIVersion, tm.Kind = info.APIVersion(), info.Kind
	return out, nil
}

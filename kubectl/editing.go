package kubectl

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// Helpers of the editing commands (patch, replace, edit, diff and apply's
// dry runs): raw requests that may carry ?dryRun=All, the local patch
// kubectl computes for --dry-run=client, and the printing of the result
// ("pod/x patched", -o name|json|yaml) as kubectl's PrintFlags do.

// objectPath is the URL path of one object, or of one of its subresources.
func objectPath(info *api.ResourceInfo, ns, name, sub string) string {
	p := info.Path(namespaceFor(info, ns), name)
	if sub != "" {
		p += "/" + sub
	}
	return p
}

// send makes one request and returns the raw JSON answer; under a server
// dry run it carries dryRun=All, as kubectl --dry-run=server does.
func send(ctx context.Context, c *client.Client, method, path string, serverDryRun bool, body []byte, contentType string) ([]byte, error) {
	if serverDryRun {
		path += "?dryRun=All"
	}
	var h map[string]string
	if contentType != "" {
		h = map[string]string{"Content-Type": contentType}
	}
	return c.Do(ctx, method, path, body, h)
}

// getObjectJSON reads one object (or subresource) as JSON.
func getObjectJSON(ctx context.Context, c *client.Client, info *api.ResourceInfo, ns, name, sub string) ([]byte, error) {
	return send(ctx, c, http.MethodGet, objectPath(info, ns, name, sub), false, nil, "")
}

// sameJSON reports whether two JSON documents hold the same value.
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// patchTypes are kubectl's --type values.
var patchTypes = map[string]client.PatchType{
	"json":      client.JSONPatchType,
	"merge":     client.MergePatchType,
	"strategic": client.StrategicMergePatchType,
}

// patchLocally applies a patch as kubectl does for --dry-run=client
// (kubectl's getPatchedJSON); typed is an empty object of the kind, for the
// strategic merge keys.
func patchLocally(pt client.PatchType, original, patch []byte, typed any) ([]byte, error) {
	switch pt {
	case client.JSONPatchType:
		p, err := jsonpatch.DecodePatch(patch)
		if err != nil {
			return nil, err
		}
		return p.Apply(original)
	case client.MergePatchType:
		return jsonpatch.MergePatch(original, patch)
	case client.StrategicMergePatchType:
		return strategicpatch.StrategicMergePatch(original, patch, typed)
	}
	return nil, fmt.Errorf("unknown Content-Type header for patch: %v", pt)
}

// outputFlag is -o of the commands that print the object they changed.
type outputFlag struct{ format string }

func (f *outputFlag) add(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.format, "output", "o", "", "Output format. One of: (json, yaml, name).")
}

// check is kubectl's printer lookup error for an unknown format.
func (f *outputFlag) check() error {
	switch f.format {
	case "", "json", "yaml", "name":
		return nil
	}
	if format, _, ok := splitTemplateFormat(f.format); ok && slices.Contains(jsonPathFormats, format) {
		return nil
	}
	return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml", f.format)
}

// print writes the result of an operation: "kind/name verb[ (dry run)]",
// "kind/name" for -o name, or the object (raw JSON) in the -o format.
func (f *outputFlag) print(o *options, info *api.ResourceInfo, name string, raw []byte, verb, dryRun string) error {
	switch f.format {
	case "":
		fmt.Fprintf(o.out, "%s/%s %s%s\n", printedKind(info, raw), name, verb, dryRunSuffix(dryRun))
		return nil
	case "name":
		fmt.Fprintf(o.out, "%s/%s\n", printedKind(info, raw), name)
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("decode %s: %w", info.Kind, err)
	}
	return printAny(o, f.format, v)
}

// printAny prints a decoded object as -o json|yaml|jsonpath=… do.
func printAny(o *options, format string, v any) error {
	if format == "json" || format == "yaml" {
		return printObject(o.out, format, v)
	}
	p, err := newTemplatePrinter(templateOutput{output: format})
	if err != nil {
		return err
	}
	data, err := unstructuredOf(v)
	if err != nil {
		return err
	}
	return p.printObject(o.out, data)
}

// printedKind is the kind kubectl's name printer shows for an object: its
// own apiVersion and kind ("scale.autoscaling" for a Scale a patch of
// deployments/scale returns), else the resource's.
func printedKind(info *api.ResourceInfo, raw []byte) string {
	var tm api.TypeMeta
	if json.Unmarshal(raw, &tm) != nil || tm.Kind == "" {
		return kindName(info)
	}
	k := strings.ToLower(tm.Kind)
	if group, _, ok := strings.Cut(tm.APIVersion, "/"); ok {
		k += "." + group
	}
	return k
}

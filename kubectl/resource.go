package kubectl

import (
	"errors"
	"fmt"
	"strings"

	"minik8s/pkg/api"
)

// resourcesRequired is kubectl's message when delete or scale get no
// resource.
const resourcesRequired = "You must provide one or more resources by argument or filename.\n" +
	"Example resource specifications include:\n" +
	"   '-f rsrc.yaml'\n" +
	"   '--filename=rsrc.json'\n" +
	"   '<resource> <name>'\n" +
	"   '<resource>'"

// errNoName is kubectl's error for a resource type given without a name
// where one is needed.
var errNoName = errors.New("resource(s) were provided, but no name was specified")

// target is one resource type with the names asked for (none = a list).
type target struct {
	info  *api.ResourceInfo
	names []string
}

// parseTargets reads what kubectl's get/delete/describe accept:
// "TYPE[,TYPE...] [NAME...]" or "TYPE/NAME [TYPE/NAME...]".
func parseTargets(args []string) ([]target, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("you must specify the type of resource. Use \"kubectl api-resources\" for a complete list of supported resources")
	}
	if strings.Contains(args[0], "/") {
		var out []target
		for _, a := range args {
			typ, name, ok := strings.Cut(a, "/")
			if !ok || typ == "" || name == "" {
				return nil, fmt.Errorf("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'")
			}
			info, err := api.Lookup(typ)
			if err != nil {
				return nil, err
			}
			// Group consecutive names of one type, keeping order.
			if n := len(out); n > 0 && out[n-1].info == info {
				out[n-1].names = append(out[n-1].names, name)
			} else {
				out = append(out, target{info: info, names: []string{name}})
			}
		}
		return out, nil
	}
	var out []target
	for _, typ := range strings.Split(args[0], ",") {
		if typ == "" {
			continue
		}
		if members := api.InCategory(typ); len(members) > 0 {
			for _, info := range members {
				out = append(out, target{info: info})
			}
			continue
		}
		info, err := api.Lookup(typ)
		if err != nil {
			return nil, err
		}
		out = append(out, target{info: info})
	}
	for _, name := range args[1:] {
		if strings.Contains(name, "/") {
			return nil, fmt.Errorf("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'")
		}
	}
	if len(args) > 1 {
		for i := range out {
			out[i].names = append([]string(nil), args[1:]...)
		}
	}
	return out, nil
}

// kindName is how kubectl names a kind in output: "pod", "deployment.apps".
func kindName(info *api.ResourceInfo) string {
	k := strings.ToLower(info.Kind)
	if info.Group != "" {
		k += "." + info.Group
	}
	return k
}

// namespaceFor is the namespace to use for info: "" for cluster-scoped kinds.
func namespaceFor(info *api.ResourceInfo, ns string) string {
	if !info.Namespaced {
		return ""
	}
	return ns
}

// noResources is kubectl's message for an empty result.
func noResources(ns string, allNamespaces bool, namespaced bool) string {
	if allNamespaces || !namespaced || ns == "" {
		return "No resources found"
	}
	return fmt.Sprintf("No resources found in %s namespace.", ns)
}

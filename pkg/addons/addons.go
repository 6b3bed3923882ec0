// Package addons holds the manifests of the cluster add-ons the
// controller-manager's add-on manager (controller/addons) keeps in the
// cluster: "dns" (the kube-dns Service and Deployment) and "ingress" (the
// minik8s IngressClass and the ingress DaemonSet). Each object carries
// the label addonmanager.kubernetes.io/mode: Reconcile (re-created when
// deleted, restored when changed) or EnsureExists (only created when
// missing), as in Kubernetes' addon manager.
package addons

import (
	"embed"
	"errors"
	"fmt"
	"sort"

	"minik8s/pkg/api"
	"minik8s/pkg/api/decode"
)

//go:embed *.yaml
var manifests embed.FS

// ModeLabel is the label that says how an add-on object is managed.
const ModeLabel = "addonmanager.kubernetes.io/mode"

// The modes of ModeLabel.
const (
	ModeReconcile    = "Reconcile"
	ModeEnsureExists = "EnsureExists"
)

// Names lists the add-ons there are manifests for.
func Names() []string {
	entries, _ := manifests.ReadDir(".")
	var out []string
	for _, e := range entries {
		if n, ok := cutSuffix(e.Name(), ".yaml"); ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func cutSuffix(s, suffix string) (string, bool) {
	if len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

// Manifest returns the raw YAML of an add-on.
func Manifest(name string) ([]byte, error) {
	b, err := manifests.ReadFile(name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("unknown add-on %q (known: %v)", name, Names())
	}
	return b, nil
}

// Load decodes the objects of the named add-ons, in order. A document
// that does not decode (a kind this build does not know) is left out and
// reported in the error, which is not nil then but the other objects are
// returned; an unknown add-on name is an error with no objects.
func Load(names []string) ([]api.Object, error) {
	var datas [][]byte
	for _, n := range names {
		b, err := Manifest(n)
		if err != nil {
			return nil, err
		}
		datas = append(datas, b)
	}
	var objs []api.Object
	var errs []error
	for i, data := range datas {
		o, err := decodeEach(data)
		objs = append(objs, o...)
		if err != nil {
			errs = append(errs, fmt.Errorf("add-on %s: %w", names[i], err))
		}
	}
	return objs, errors.Join(errs...)
}

// decodeEach decodes every document of data, skipping those that fail.
func decodeEach(data []byte) ([]api.Object, error) {
	docs, err := decode.SplitDocuments(data)
	if err != nil {
		return nil, err
	}
	var out []api.Object
	var errs []error
	for _, d := range docs {
		o, err := decode.Decode(d)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, o)
	}
	return out, errors.Join(errs...)
}

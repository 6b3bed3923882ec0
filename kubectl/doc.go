// Package kubectl owns minik8s's kubectl: the command-line client that
// applies, creates (from files, `create namespace|deployment|service`, `run`,
// `expose`),
// gets, describes (with the object's events), lists events, deletes, waits for, labels
// and scales objects through the apiserver's REST API, and reads and
// switches kubeconfig contexts, printing what real kubectl prints
// (server-side Tables rendered by pkg/printers, -o yaml|json|name,
// -o jsonpath|custom-columns (jsonpath.go, customcolumns.go)). Every
// failure, argument and flag errors included (usage.go), prints kubectl's
// message on stderr and exits 1; kubectl commands it lacks say so
// (unsupported.go).
//
// NewCommand returns the root command; cmd/minik8s runs it both as
// "minik8s kubectl ..." and through a "kubectl" link.
package kubectl

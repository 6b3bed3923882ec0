// Package kubectl owns minik8s's kubectl: the command-line client that
// applies, creates, gets, describes, deletes, waits for, labels and scales
// objects through the apiserver's REST API, printing what real kubectl
// prints (server-side Tables rendered by pkg/printers, -o yaml|json|name,
// -o jsonpath|custom-columns (jsonpath.go, customcolumns.go),
// kubectl's error messages on stderr and exit code 1 on any error).
//
// NewCommand returns the root command; cmd/minik8s runs it both as
// "minik8s kubectl ..." and through a "kubectl" link.
package kubectl

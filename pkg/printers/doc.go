// Package printers owns the human-readable table form of API objects: the
// meta.k8s.io/v1 Table that the apiserver returns when kubectl asks for one
// (TableFor), and the kubectl-style text rendering of such a table
// (PrintTable). Columns, cell values and their formatting follow what real
// kubectl prints against a real cluster (pkg/printers/internalversion in
// Kubernetes): READY, STATUS, RESTARTS of pods, PORT(S) of services, TARGETS
// of autoscalers, ages like "3m2s", and so on.
//
// Everything here is pure: time is passed in, nothing is read or written
// besides the io.Writer given to PrintTable.
package printers

// Package controller is the controller-manager: one process running the
// cluster-wide controllers against the apiserver (DESIGN.md §2). Options
// (options.go) holds every flag in one place, NewCommand (command.go) is the
// `minik8s controller-manager` command and Run starts the enabled
// controllers and returns when the context ends or one of them fails.
//
// Each controller lives in its own subpackage (nodeipam: the per-node pod
// CIDRs) and has New(...) and Run(ctx) error.
package controller

// Package api owns minik8s's API object types: Go structs whose JSON field
// names are identical to Kubernetes for every field minik8s supports, the
// registry of kinds and resources (group, version, plural, scope), and the
// small value types (Time, Quantity, IntOrString) they use.
//
// Defaulting, validation and strict decoding live in subpackages so that
// this package stays a plain description of the wire format.
package api

package compat

import "testing"

// TestServiceAccountMatchesRealKubectl: `kubectl create serviceaccount`
// (dry runs, errors, for real), get and describe of service accounts
// print the same through the real kubectl v1.32 and ours.
func TestServiceAccountMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	for _, args := range [][]string{
		{"create", "serviceaccount", "robot", "--dry-run=client", "-o", "yaml"},
		{"create", "sa", "robot", "-n", "other", "--dry-run=client", "-o", "json"},
		{"create", "sa", "robot", "--dry-run=client", "-o", "name"},
		{"create", "sa", "robot", "--dry-run=client"},
		{"create", "serviceaccount"},
		{"create", "serviceaccount", "a", "b"},
		{"create", "serviceaccount", "Bad_Name"},
		{"create", "serviceaccount", "robot", "--dry-run=server"},
	} {
		c.sameOutput(t, args...)
	}
	c.ok(t, "", "create", "serviceaccount", "robot")
	if out, _, err := c.ours(t, "create", "serviceaccount", "builder"); err != nil || out != "serviceaccount/builder created\n" {
		t.Fatalf("ours: %q %v", out, err)
	}
	c.ok(t, "", "label", "sa", "robot", "team=a")
	for _, args := range [][]string{
		{"create", "serviceaccount", "robot"},
		{"get", "serviceaccounts", "robot", "builder"},
		{"get", "sa", "-o", "wide", "--show-labels", "robot"},
		{"get", "sa", "robot", "-o", "yaml"},
		{"describe", "serviceaccount", "robot"},
		{"describe", "sa", "builder"},
	} {
		c.sameOutput(t, args...)
	}
}

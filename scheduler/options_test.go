package scheduler

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOptionsConfigFileAndValidate(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "sched.yaml")
	if err := os.WriteFile(file, []byte("policy: most-allocated\nschedulerName: packer\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.Config = file
	if err := o.ApplyConfigFile(func(string) bool { return false }); err != nil {
		t.Fatal(err)
	}
	if o.Policy != "most-allocated" || o.SchedulerName != "packer" {
		t.Errorf("from file: policy %q name %q", o.Policy, o.SchedulerName)
	}
	// A flag given on the command line wins over the file.
	o = DefaultOptions()
	o.Config, o.Policy = file, "least-allocated"
	if err := o.ApplyConfigFile(func(f string) bool { return f == "policy" }); err != nil {
		t.Fatal(err)
	}
	if o.Policy != "least-allocated" || o.SchedulerName != "packer" {
		t.Errorf("flag over file: policy %q name %q", o.Policy, o.SchedulerName)
	}
	if err := o.Validate(); err != nil {
		t.Errorf("valid options: %v", err)
	}
	// Unknown fields and policies are errors.
	if err := os.WriteFile(file, []byte("polcy: spread\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o = DefaultOptions()
	o.Config = file
	if err := o.ApplyConfigFile(func(string) bool { return false }); err == nil || !strings.Contains(err.Error(), "polcy") {
		t.Errorf("unknown field: %v", err)
	}
	o = DefaultOptions()
	o.Policy = "random"
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "least-allocated, most-allocated, spread") {
		t.Errorf("unknown policy: %v", err)
	}
	o = DefaultOptions()
	o.RenewDeadline = o.LeaseDuration
	if err := o.Validate(); err == nil {
		t.Error("renew deadline equal to the lease duration accepted")
	}
}

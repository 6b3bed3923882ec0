package printers

import (
	"time"

	"minik8s/pkg/api"
)

// Lease columns, as Kubernetes prints them: NAME HOLDER AGE.
func init() {
	register("Lease", []api.TableColumnDefinition{
		nameCol(),
		col("Holder", TypeString, "The holder of the lease."),
		ageCol(),
	}, func(l *api.Lease, now time.Time) ([]any, []api.TableRowCondition) {
		holder := ""
		if l.Spec.HolderIdentity != nil {
			holder = *l.Spec.HolderIdentity
		}
		return []any{l.Name, holder, Age(l.CreationTimestamp, now)}, nil
	})
}

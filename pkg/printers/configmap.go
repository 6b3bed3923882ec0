package printers

import (
	"time"

	"minik8s/pkg/api"
)

// ConfigMap and Secret columns, as Kubernetes prints them:
// NAME DATA AGE and NAME TYPE DATA AGE.
func init() {
	register("ConfigMap", []api.TableColumnDefinition{
		nameCol(),
		col("Data", TypeInteger, "Number of keys in the ConfigMap."),
		ageCol(),
	}, func(c *api.ConfigMap, now time.Time) ([]any, []api.TableRowCondition) {
		return []any{c.Name, int64(len(c.Data) + len(c.BinaryData)), Age(c.CreationTimestamp, now)}, nil
	})
	register("Secret", []api.TableColumnDefinition{
		nameCol(),
		col("Type", TypeString, "The type of the secret."),
		col("Data", TypeInteger, "Number of keys in the secret."),
		ageCol(),
	}, func(s *api.Secret, now time.Time) ([]any, []api.TableRowCondition) {
		return []any{s.Name, s.Type, int64(len(s.Data)), Age(s.CreationTimestamp, now)}, nil
	})
}

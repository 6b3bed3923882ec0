package printers

import (
	"time"

	"minik8s/pkg/api"
)

// ConfigMap, Secret and ServiceAccount columns, as Kubernetes prints
// them: NAME DATA AGE, NAME TYPE DATA AGE and NAME SECRETS AGE.
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
	// NAME SECRETS AGE, as Kubernetes' printServiceAccount.
	register("ServiceAccount", []api.TableColumnDefinition{
		nameCol(),
		col("Secrets", TypeString, "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. "+
			`Pods are only limited to this list if this service account has a "kubernetes.io/enforce-mountable-secrets" annotation set to "true". `+
			`The "kubernetes.io/enforce-mountable-secrets" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. `+
			"This field should not be used to find auto-generated service account token secrets for use outside of pods. "+
			"Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. "+
			"More info: https://kubernetes.io/docs/concepts/configuration/secret"),
		ageCol(),
	}, func(sa *api.ServiceAccount, now time.Time) ([]any, []api.TableRowCondition) {
		return []any{sa.Name, int64(len(sa.Secrets)), Age(sa.CreationTimestamp, now)}, nil
	})
}

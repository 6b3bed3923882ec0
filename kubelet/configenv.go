package kubelet

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
)

// A container's variables from ConfigMaps and Secrets (envFrom and env
// valueFrom configMapKeyRef/secretKeyRef), resolved as Kubernetes'
// makeEnvironmentVariables does: a missing object or key that is not
// optional fails the start (CreateContainerConfigError) with the
// kubelet's message; an optional one leaves the variable unset; envFrom
// keys that are not valid variable names are skipped with a Warning
// event.

// envRefs are the resolved ConfigMap and Secret values of one container.
type envRefs struct {
	From    []envVar          // from envFrom, in order, later sources overriding
	Values  map[string]string // env name -> value of its configMapKeyRef/secretKeyRef
	Skipped []string          // InvalidEnvironmentVariableNames event messages
}

// resolveEnvRefs reads what c's environment takes from ConfigMaps and
// Secrets through src (each object fetched once).
func resolveEnvRefs(ctx context.Context, src objectSource, pod *api.Pod, c *api.Container) (envRefs, error) {
	cms := map[string]map[string][]byte{}
	secrets := map[string]map[string][]byte{}
	get := func(kind, name string, optional bool) (map[string][]byte, bool, error) {
		cache := cms
		if kind == "secret" {
			cache = secrets
		}
		if d, ok := cache[name]; ok {
			return d, d != nil, nil
		}
		var data map[string][]byte
		var err error
		if kind == "secret" {
			var s *api.Secret
			if s, err = src.Secret(ctx, pod.Namespace, name); err == nil {
				data = s.Data
				if data == nil {
					data = map[string][]byte{}
				}
			}
		} else {
			var cm *api.ConfigMap
			if cm, err = src.ConfigMap(ctx, pod.Namespace, name); err == nil {
				data = map[string][]byte{}
				for k, v := range cm.Data {
					data[k] = []byte(v)
				}
			}
		}
		if err != nil {
			if isNotFound(err) && optional {
				cache[name] = nil
				return nil, false, nil
			}
			return nil, false, err
		}
		cache[name] = data
		return data, true, nil
	}

	out := envRefs{Values: map[string]string{}}
	index := map[string]int{}
	for _, f := range c.EnvFrom {
		kind, name, optional := "configmap", "", false
		switch {
		case f.ConfigMapRef != nil:
			name, optional = f.ConfigMapRef.Name, isOptional(f.ConfigMapRef.Optional)
		case f.SecretRef != nil:
			kind, name, optional = "secret", f.SecretRef.Name, isOptional(f.SecretRef.Optional)
		default:
			continue
		}
		data, ok, err := get(kind, name, optional)
		if err != nil {
			return envRefs{}, err
		}
		if !ok {
			continue
		}
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var invalid []string
		for _, k := range keys {
			n := f.Prefix + k
			if len(validation.IsEnvVarName(n)) != 0 {
				invalid = append(invalid, n)
				continue
			}
			if i, seen := index[n]; seen {
				out.From[i].Value = string(data[k])
				continue
			}
			index[n] = len(out.From)
			out.From = append(out.From, envVar{n, string(data[k])})
		}
		if len(invalid) > 0 {
			what := "configMap"
			if kind == "secret" {
				what = "secret"
			}
			out.Skipped = append(out.Skipped, fmt.Sprintf("Keys [%s] from the EnvFrom %s %s/%s were skipped since they are considered invalid environment variable names.",
				strings.Join(invalid, ", "), what, pod.Namespace, name))
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			continue
		}
		kind, name, key, optional, what := "", "", "", false, ""
		switch r := e.ValueFrom; {
		case r.ConfigMapKeyRef != nil:
			kind, name, key, optional, what = "configmap", r.ConfigMapKeyRef.Name, r.ConfigMapKeyRef.Key, isOptional(r.ConfigMapKeyRef.Optional), "ConfigMap"
		case r.SecretKeyRef != nil:
			kind, name, key, optional, what = "secret", r.SecretKeyRef.Name, r.SecretKeyRef.Key, isOptional(r.SecretKeyRef.Optional), "Secret"
		default:
			continue
		}
		data, ok, err := get(kind, name, optional)
		if err != nil {
			return envRefs{}, err
		}
		if !ok {
			continue
		}
		v, has := data[key]
		if !has {
			if optional {
				continue
			}
			return envRefs{}, fmt.Errorf("couldn't find key %s in %s %s/%s", key, what, pod.Namespace, name)
		}
		out.Values[e.Name] = string(v)
	}
	return out, nil
}

// containerEnvRefs resolves c's references through the apiserver and
// records the skipped envFrom keys.
func (k *Kubelet) containerEnvRefs(ctx context.Context, pod *api.Pod, c *api.Container) (envRefs, error) {
	if len(c.EnvFrom) == 0 && !hasKeyRefs(c) {
		return envRefs{}, nil
	}
	refs, err := resolveEnvRefs(ctx, k.objects(), pod, c)
	for _, msg := range refs.Skipped {
		k.recorder().Eventf(pod, eventWarning, "InvalidEnvironmentVariableNames", "%s", msg)
	}
	return refs, err
}

func hasKeyRefs(c *api.Container) bool {
	for _, e := range c.Env {
		if e.ValueFrom != nil && (e.ValueFrom.ConfigMapKeyRef != nil || e.ValueFrom.SecretKeyRef != nil) {
			return true
		}
	}
	return false
}

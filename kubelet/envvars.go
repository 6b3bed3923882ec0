package kubelet

// Service environment variables: what Kubernetes' kubelet gives every
// container about the Services it may use (pkg/kubelet/envvars and
// getServiceEnvVarMap): FOO_SERVICE_HOST, FOO_SERVICE_PORT, docker-link
// FOO_PORT_80_TCP..., for the Services of the pod's namespace when
// enableServiceLinks (default true), and always for the default
// namespace's `kubernetes` Service.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client/cache"
)

// masterServices are the default namespace's Services every pod gets.
var masterServices = map[string]bool{"kubernetes": true}

// envVar is one NAME=value.
type envVar struct{ Name, Value string }

func isServiceIPSet(s *api.Service) bool {
	return s.Spec.ClusterIP != "" && s.Spec.ClusterIP != "None"
}

// envVarName is a Service or port name as a variable name: upper case,
// '-' as '_'.
func envVarName(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "_")) }

// envVarsFromServices are the variables of services, in their order (as
// Kubernetes' envvars.FromServices).
func envVarsFromServices(services []*api.Service) []envVar {
	var out []envVar
	for _, s := range services {
		if !isServiceIPSet(s) || len(s.Spec.Ports) == 0 {
			continue
		}
		prefix := envVarName(s.Name)
		out = append(out, envVar{prefix + "_SERVICE_HOST", s.Spec.ClusterIP})
		out = append(out, envVar{prefix + "_SERVICE_PORT", strconv.Itoa(int(s.Spec.Ports[0].Port))})
		for _, p := range s.Spec.Ports {
			if p.Name != "" {
				out = append(out, envVar{prefix + "_SERVICE_PORT_" + envVarName(p.Name), strconv.Itoa(int(p.Port))})
			}
		}
		out = append(out, linkVars(s, prefix)...)
	}
	return out
}

// linkVars are the docker-link variables: FOO_PORT (the first port) and
// FOO_PORT_<port>_<PROTO>{,_PROTO,_PORT,_ADDR} for every port.
func linkVars(s *api.Service, prefix string) []envVar {
	var out []envVar
	for i, p := range s.Spec.Ports {
		proto := p.Protocol
		if proto == "" {
			proto = "TCP"
		}
		url := fmt.Sprintf("%s://%s", strings.ToLower(proto), net.JoinHostPort(s.Spec.ClusterIP, strconv.Itoa(int(p.Port))))
		if i == 0 {
			out = append(out, envVar{prefix + "_PORT", url})
		}
		pp := fmt.Sprintf("%s_PORT_%d_%s", prefix, p.Port, strings.ToUpper(proto))
		out = append(out,
			envVar{pp, url},
			envVar{pp + "_PROTO", strings.ToLower(proto)},
			envVar{pp + "_PORT", strconv.Itoa(int(p.Port))},
			envVar{pp + "_ADDR", s.Spec.ClusterIP})
	}
	return out
}

// serviceEnvMap picks the Services a pod in ns sees (those of ns with
// links enabled, and the master services of the default namespace; a
// Service of ns wins over a master service of the same name) and returns
// their variables. Pure.
func serviceEnvMap(services []*api.Service, ns string, enableLinks bool) map[string]string {
	picked := map[string]*api.Service{}
	var order []string
	for _, s := range services {
		if !isServiceIPSet(s) {
			continue
		}
		_, seen := picked[s.Name]
		switch {
		case s.Namespace == ns && enableLinks:
			picked[s.Name] = s
		case s.Namespace == "default" && masterServices[s.Name] && !seen:
			picked[s.Name] = s
		default:
			continue
		}
		if !seen {
			order = append(order, s.Name)
		}
	}
	list := make([]*api.Service, 0, len(order))
	for _, n := range order {
		list = append(list, picked[n])
	}
	m := map[string]string{}
	for _, e := range envVarsFromServices(list) {
		m[e.Name] = e.Value
	}
	return m
}

// errServicesNotSynced: the kubelet has not listed the Services yet, so a
// container's environment cannot be built (Kubernetes refuses too).
var errServicesNotSynced = errors.New("services have not yet been read at least once, cannot construct envvars")

// serviceSyncWait bounds how long a container start waits for the first
// list of Services (right after the kubelet starts).
const serviceSyncWait = 10 * time.Second

// serviceEnv is pod's service environment from the kubelet's Service
// informer.
func (k *Kubelet) serviceEnv(ctx context.Context, pod *api.Pod) (map[string]string, error) {
	if k.services == nil {
		return nil, nil // no informer (a kubelet without an apiserver)
	}
	if !k.services.HasSynced() {
		wctx, cancel := context.WithTimeout(ctx, serviceSyncWait)
		synced := cache.WaitForCacheSync(wctx, k.services.HasSynced)
		cancel()
		if !synced {
			return nil, errServicesNotSynced
		}
	}
	enable := pod.Spec.EnableServiceLinks == nil || *pod.Spec.EnableServiceLinks
	return serviceEnvMap(cache.NewLister[*api.Service](k.services.Store()).List("", nil), pod.Namespace, enable), nil
}

package validation

import "minik8s/pkg/api"

// validateClusterIPsUpdate is Kubernetes' validateUpgradeDowngradeClusterIPs
// for one IP family: a service's cluster IP may not change once set, nor
// be unset, unless the service changes to or from ExternalName or stays
// headless. The apiserver carries the stored values over an update that
// leaves them out (and normalizes clusterIPs from clusterIP) before this
// check.
func validateClusterIPsUpdate(n, o *api.ServiceSpec) ErrorList {
	if n.Type == api.ServiceTypeExternalName || o.Type == api.ServiceTypeExternalName {
		return nil
	}
	if o.ClusterIP == "None" && n.ClusterIP == "None" {
		return nil
	}
	oldIPs, newIPs := clusterIPsOf(o), clusterIPsOf(n)
	p := Path("spec.clusterIPs").Index(0)
	switch {
	case len(oldIPs) == 0:
		return nil // nothing set yet (allocated on this write)
	case len(newIPs) == 0:
		return ErrorList{Invalid(p, newIPs, "primary clusterIP can not be unset")}
	case newIPs[0] != oldIPs[0]:
		return ErrorList{Invalid(p, newIPs, "may not change once set")}
	}
	return nil
}

func clusterIPsOf(s *api.ServiceSpec) []string {
	if len(s.ClusterIPs) > 0 {
		return s.ClusterIPs
	}
	if s.ClusterIP != "" {
		return []string{s.ClusterIP}
	}
	return []string{}
}

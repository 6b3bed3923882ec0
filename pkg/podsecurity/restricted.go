package podsecurity

import (
	"fmt"
	"strings"

	"minik8s/pkg/api"
)

// The checks of the restricted level (Kubernetes' check_*.go of the same
// IDs).

// allowPrivilegeEscalation: every container sets it to false.
func allowPrivilegeEscalation(_ *api.ObjectMeta, spec *api.PodSpec, _ Version) Result {
	bad := badContainers(spec, func(c *api.Container) bool {
		a := sc(c).AllowPrivilegeEscalation
		return a == nil || *a
	})
	if len(bad) == 0 {
		return allowed
	}
	return forbidden("allowPrivilegeEscalation != false", containersPhrase(bad)+" must set securityContext.allowPrivilegeEscalation=false")
}

// capabilitiesRestricted: every container drops ALL and adds at most
// NET_BIND_SERVICE.
func capabilitiesRestricted(_ *api.ObjectMeta, spec *api.PodSpec, _ Version) Result {
	caps := stringSet{}
	var missingDrop, adding []string
	for _, c := range containersOf(spec) {
		cp := sc(c).Capabilities
		if cp == nil {
			missingDrop = append(missingDrop, c.Name)
			continue
		}
		dropped := false
		for _, d := range cp.Drop {
			if d == "ALL" {
				dropped = true
				break
			}
		}
		if !dropped {
			missingDrop = append(missingDrop, c.Name)
		}
		added := false
		for _, a := range cp.Add {
			if a != "NET_BIND_SERVICE" {
				caps.add(a)
				added = true
			}
		}
		if added {
			adding = append(adding, c.Name)
		}
	}
	var details []string
	if len(missingDrop) > 0 {
		details = append(details, containersPhrase(missingDrop)+` must set securityContext.capabilities.drop=["ALL"]`)
	}
	if len(adding) > 0 {
		details = append(details, fmt.Sprintf("%s must not include %s in securityContext.capabilities.add", containersPhrase(adding), joinQuote(caps.list())))
	}
	if len(details) == 0 {
		return allowed
	}
	return forbidden("unrestricted capabilities", strings.Join(details, "; "))
}

// restrictedVolumes: only configMap, csi, downwardAPI, emptyDir,
// ephemeral, persistentVolumeClaim, projected and secret volumes (minik8s
// has hostPath besides those it serves).
func restrictedVolumes(_ *api.ObjectMeta, spec *api.PodSpec, _ Version) Result {
	var bad []string
	types := stringSet{}
	for _, v := range spec.Volumes {
		s := v.VolumeSource
		if s.ConfigMap != nil || s.DownwardAPI != nil || s.EmptyDir != nil || s.Projected != nil || s.Secret != nil {
			continue
		}
		bad = append(bad, v.Name)
		if s.HostPath != nil {
			types.add("hostPath")
		} else {
			types.add("unknown")
		}
	}
	if len(bad) == 0 {
		return allowed
	}
	list := types.list()
	return forbidden("restricted volume types", fmt.Sprintf("%s %s %s %s %s", pluralize("volume", "volumes", len(bad)), joinQuote(bad),
		pluralize("uses", "use", len(bad)), pluralize("restricted volume type", "restricted volume types", len(list)), joinQuote(list)))
}

// runAsNonRoot: the pod or every container sets runAsNonRoot=true, and
// none sets it false.
func runAsNonRoot(_ *api.ObjectMeta, spec *api.PodSpec, _ Version) Result {
	podBad, podNonRoot := false, false
	if p := psc(spec).RunAsNonRoot; p != nil {
		podBad, podNonRoot = !*p, *p
	}
	var explicit, implicit []string
	for _, c := range containersOf(spec) {
		switch r := sc(c).RunAsNonRoot; {
		case r != nil && !*r:
			explicit = append(explicit, c.Name)
		case r == nil && !podNonRoot:
			implicit = append(implicit, c.Name)
		}
	}
	if podBad || len(explicit) > 0 {
		return forbidden("runAsNonRoot != true", settersDetail(podBad, explicit, " must not set securityContext.runAsNonRoot=false"))
	}
	if len(implicit) > 0 {
		return forbidden("runAsNonRoot != true", "pod or "+containersPhrase(implicit)+" must set securityContext.runAsNonRoot=true")
	}
	return allowed
}

// runAsUser: neither the pod nor a container sets runAsUser=0.
func runAsUser(_ *api.ObjectMeta, spec *api.PodSpec, _ Version) Result {
	root := func(u *int64) bool { return u != nil && *u == 0 }
	podBad := root(psc(spec).RunAsUser)
	bad := badContainers(spec, func(c *api.Container) bool { return root(sc(c).RunAsUser) })
	if !podBad && len(bad) == 0 {
		return allowed
	}
	return forbidden("runAsUser=0", settersDetail(podBad, bad, " must not set runAsUser=0"))
}

// seccompProfileRestricted: the pod or every container sets
// RuntimeDefault or Localhost, and none sets another type.
func seccompProfileRestricted(_ *api.ObjectMeta, spec *api.PodSpec, _ Version) Result {
	podBad, bad, values, unset := seccompSetters(spec)
	if podBad || len(bad) > 0 {
		return forbidden("seccompProfile", settersDetail(podBad, bad, " must not set securityContext.seccompProfile.type to "+joinQuote(values)))
	}
	if len(unset) > 0 {
		return forbidden("seccompProfile", "pod or "+containersPhrase(unset)+` must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`)
	}
	return allowed
}

package validation

import (
	"fmt"
	"strings"

	"minik8s/pkg/api"
)

// Defaults and validation of the pod fields that consume ConfigMaps and
// Secrets: configMap, secret, downwardAPI and projected volumes, env
// valueFrom configMapKeyRef/secretKeyRef and envFrom (Kubernetes'
// SetDefaults_*VolumeSource and validate*VolumeSource).

// DefaultVolumeMode is the mode of projected files (0644), as Kubernetes.
const DefaultVolumeMode int32 = 0o644

// maxVolumeMode is the largest file mode a volume may ask for (0777).
const maxVolumeMode int32 = 0o777

// defaultSecret sets the type (Opaque) and merges the write-only
// stringData into data, its keys winning (Kubernetes does this in the
// v1 to internal conversion, so it is never stored).
func defaultSecret(s *api.Secret) {
	if s.Type == "" {
		s.Type = api.SecretTypeOpaque
	}
	if len(s.StringData) > 0 && s.Data == nil {
		s.Data = make(map[string][]byte, len(s.StringData))
	}
	for k, v := range s.StringData {
		s.Data[k] = []byte(v)
	}
	s.StringData = nil
}

// isConfigVolume: v is a configMap, secret, downwardAPI or projected volume.
func isConfigVolume(v *api.VolumeSource) bool {
	return v.ConfigMap != nil || v.Secret != nil || v.DownwardAPI != nil || v.Projected != nil
}

// defaultConfigVolume sets defaultMode (0644) and fieldRef apiVersions.
func defaultConfigVolume(v *api.VolumeSource) {
	setMode := func(m **int32) {
		if *m == nil {
			*m = ptr(DefaultVolumeMode)
		}
	}
	defaultItems := func(items []api.DownwardAPIVolumeFile) {
		for i := range items {
			if f := items[i].FieldRef; f != nil && f.APIVersion == "" {
				f.APIVersion = "v1"
			}
		}
	}
	switch {
	case v.ConfigMap != nil:
		setMode(&v.ConfigMap.DefaultMode)
	case v.Secret != nil:
		setMode(&v.Secret.DefaultMode)
	case v.DownwardAPI != nil:
		setMode(&v.DownwardAPI.DefaultMode)
		defaultItems(v.DownwardAPI.Items)
	case v.Projected != nil:
		setMode(&v.Projected.DefaultMode)
		for _, s := range v.Projected.Sources {
			if s.DownwardAPI != nil {
				defaultItems(s.DownwardAPI.Items)
			}
			if t := s.ServiceAccountToken; t != nil && t.ExpirationSeconds == nil {
				t.ExpirationSeconds = ptr(DefaultTokenExpirationSeconds)
			}
		}
	}
}

// validateConfigVolume checks the config sources of a volume; n counts
// the sources set (more than one is an error).
func validateConfigVolume(v *api.VolumeSource, p Path, n *int) ErrorList {
	var errs ErrorList
	one := func(name string) {
		*n++
		if *n > 1 {
			errs = append(errs, Forbidden(p.Child(name), "may not specify more than 1 volume type"))
		}
	}
	if c := v.ConfigMap; c != nil {
		one("configMap")
		cp := p.Child("configMap")
		if c.Name == "" {
			errs = append(errs, Required(cp.Child("name"), ""))
		}
		errs = append(errs, validateMode(c.DefaultMode, cp.Child("defaultMode"))...)
		errs = append(errs, validateKeyToPaths(c.Items, cp.Child("items"), map[string]bool{})...)
	}
	if s := v.Secret; s != nil {
		one("secret")
		sp := p.Child("secret")
		if s.SecretName == "" {
			errs = append(errs, Required(sp.Child("secretName"), ""))
		}
		errs = append(errs, validateMode(s.DefaultMode, sp.Child("defaultMode"))...)
		errs = append(errs, validateKeyToPaths(s.Items, sp.Child("items"), map[string]bool{})...)
	}
	if d := v.DownwardAPI; d != nil {
		one("downwardAPI")
		dp := p.Child("downwardAPI")
		errs = append(errs, validateMode(d.DefaultMode, dp.Child("defaultMode"))...)
		errs = append(errs, validateDownwardAPIFiles(d.Items, dp.Child("items"), map[string]bool{})...)
	}
	if pr := v.Projected; pr != nil {
		one("projected")
		errs = append(errs, validateProjected(pr, p.Child("projected"))...)
	}
	return errs
}

func validateProjected(pr *api.ProjectedVolumeSource, p Path) ErrorList {
	errs := validateMode(pr.DefaultMode, p.Child("defaultMode"))
	paths := map[string]bool{}
	for i, s := range pr.Sources {
		sp := p.Child("sources").Index(i)
		n := 0
		if c := s.ConfigMap; c != nil {
			n++
			if c.Name == "" {
				errs = append(errs, Required(sp.Child("configMap").Child("name"), ""))
			}
			errs = append(errs, validateKeyToPaths(c.Items, sp.Child("configMap").Child("items"), paths)...)
		}
		if c := s.Secret; c != nil {
			n++
			if c.Name == "" {
				errs = append(errs, Required(sp.Child("secret").Child("name"), ""))
			}
			errs = append(errs, validateKeyToPaths(c.Items, sp.Child("secret").Child("items"), paths)...)
		}
		if d := s.DownwardAPI; d != nil {
			n++
			errs = append(errs, validateDownwardAPIFiles(d.Items, sp.Child("downwardAPI").Child("items"), paths)...)
		}
		if t := s.ServiceAccountToken; t != nil {
			n++
			errs = append(errs, validateTokenProjection(t, sp.Child("serviceAccountToken"), p, paths)...)
		}
		if n > 1 {
			errs = append(errs, Forbidden(sp, "may not specify more than 1 volume type per source"))
		}
	}
	return errs
}

// DefaultTokenExpirationSeconds is a projected token's lifetime when the
// pod does not ask for one (an hour, as Kubernetes).
const DefaultTokenExpirationSeconds int64 = 3600

// validateTokenProjection checks a serviceAccountToken projection as
// Kubernetes' validateProjectionSources: at least 10 minutes, at most 2^32
// seconds, a local path (reported, as Kubernetes does, at the volume's
// projected field path).
func validateTokenProjection(t *api.ServiceAccountTokenProjection, tp, projected Path, paths map[string]bool) ErrorList {
	var errs ErrorList
	if t.ExpirationSeconds != nil {
		switch e := *t.ExpirationSeconds; {
		case e < 10*60:
			errs = append(errs, Invalid(tp.Child("expirationSeconds"), e, "may not specify a duration less than 10 minutes"))
		case e > 1<<32:
			errs = append(errs, Invalid(tp.Child("expirationSeconds"), e, "may not specify a duration larger than 2^32 seconds"))
		}
	}
	return append(errs, validateFilePath(t.Path, projected.Child("path"), paths)...)
}

// validateKeyToPaths checks items; paths collects the paths of the
// volume (a projected volume's sources share it).
func validateKeyToPaths(items []api.KeyToPath, p Path, paths map[string]bool) ErrorList {
	var errs ErrorList
	for i, it := range items {
		ip := p.Index(i)
		if it.Key == "" {
			errs = append(errs, Required(ip.Child("key"), ""))
		}
		errs = append(errs, validateFilePath(it.Path, ip.Child("path"), paths)...)
		errs = append(errs, validateMode(it.Mode, ip.Child("mode"))...)
	}
	return errs
}

// downwardAPIFields are the fieldRef paths a downwardAPI file may name.
var downwardAPIFields = []string{"metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"}

func validateDownwardAPIFiles(items []api.DownwardAPIVolumeFile, p Path, paths map[string]bool) ErrorList {
	var errs ErrorList
	for i, it := range items {
		ip := p.Index(i)
		errs = append(errs, validateFilePath(it.Path, ip.Child("path"), paths)...)
		errs = append(errs, validateMode(it.Mode, ip.Child("mode"))...)
		switch {
		case it.FieldRef != nil && it.ResourceFieldRef != nil:
			errs = append(errs, Invalid(ip, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"))
		case it.FieldRef != nil:
			fp := it.FieldRef.FieldPath
			if fp == "" {
				errs = append(errs, Required(ip.Child("fieldRef").Child("fieldPath"), ""))
			} else if !isDownwardAPIField(fp) {
				errs = append(errs, NotSupported(ip.Child("fieldRef").Child("fieldPath"), fp, downwardAPIFields))
			}
		case it.ResourceFieldRef != nil:
			if it.ResourceFieldRef.Resource == "" {
				errs = append(errs, Required(ip.Child("resourceFieldRef").Child("resource"), ""))
			}
		default:
			errs = append(errs, Required(ip, "one of fieldRef and resourceFieldRef is required"))
		}
	}
	return errs
}

func isDownwardAPIField(fp string) bool {
	for _, f := range downwardAPIFields {
		if fp == f {
			return true
		}
	}
	return strings.HasPrefix(fp, "metadata.labels['") || strings.HasPrefix(fp, "metadata.annotations['")
}

// validateFilePath: a relative path without ".." elements, not starting
// with "..", unique in its volume (Kubernetes' validateLocalNonReservedPath).
func validateFilePath(path string, p Path, paths map[string]bool) ErrorList {
	var errs ErrorList
	switch {
	case path == "":
		return ErrorList{Required(p, "")}
	case strings.HasPrefix(path, "/"):
		errs = append(errs, Invalid(p, path, "must be a relative path"))
	}
	for _, elem := range strings.Split(path, "/") {
		if elem == ".." {
			errs = append(errs, Invalid(p, path, "must not contain '..'"))
			break
		}
	}
	if strings.HasPrefix(path, "..") {
		errs = append(errs, Invalid(p, path, "must not start with '..'"))
	}
	if paths[path] {
		errs = append(errs, Invalid(p, path, "conflicting duplicate paths"))
	}
	paths[path] = true
	return errs
}

func validateMode(m *int32, p Path) ErrorList {
	if m != nil && (*m < 0 || *m > maxVolumeMode) {
		return ErrorList{Invalid(p, *m, fmt.Sprintf("must be a number between 0 and 0%o (octal), both inclusive", maxVolumeMode))}
	}
	return nil
}

// validateKeyRefs checks env valueFrom.configMapKeyRef and secretKeyRef,
// adding to errs; it returns how many of the two are set.
func validateKeyRefs(src *api.EnvVarSource, p Path, errs *ErrorList) int {
	n := 0
	check := func(child, name, key string) {
		n++
		cp := p.Child(child)
		if name == "" {
			*errs = append(*errs, Required(cp.Child("name"), ""))
		}
		if key == "" {
			*errs = append(*errs, Required(cp.Child("key"), ""))
			return
		}
		for _, msg := range IsConfigMapKey(key) {
			*errs = append(*errs, Invalid(cp.Child("key"), key, msg))
		}
	}
	if r := src.ConfigMapKeyRef; r != nil {
		check("configMapKeyRef", r.Name, r.Key)
	}
	if r := src.SecretKeyRef; r != nil {
		check("secretKeyRef", r.Name, r.Key)
	}
	return n
}

func validateEnvFrom(from []api.EnvFromSource, p Path) ErrorList {
	var errs ErrorList
	for i, f := range from {
		ip := p.Index(i)
		if f.Prefix != "" {
			for _, msg := range IsEnvVarName(f.Prefix) {
				errs = append(errs, Invalid(ip.Child("prefix"), f.Prefix, msg))
			}
		}
		n := 0
		ref := func(child, name string) {
			n++
			np := ip.Child(child).Child("name")
			if name == "" {
				errs = append(errs, Required(np, ""))
				return
			}
			errs = append(errs, checkName(np, name, IsDNS1123Subdomain)...)
		}
		if r := f.ConfigMapRef; r != nil {
			ref("configMapRef", r.Name)
		}
		if r := f.SecretRef; r != nil {
			ref("secretRef", r.Name)
		}
		switch {
		case n == 0:
			errs = append(errs, Invalid(ip, "", "must specify one of: `configMapRef` or `secretRef`"))
		case n > 1:
			errs = append(errs, Invalid(ip, "", "may not have more than one field specified at a time"))
		}
	}
	return errs
}

package apiserver

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"minik8s/apiserver/storage"
	"minik8s/pkg/api"
)

// The ServiceAccount admission plugin (Kubernetes'
// plugin/pkg/admission/serviceaccount): a new pod's service account must
// exist, and unless automounting is off (the pod's
// automountServiceAccountToken, else the account's, else true) every
// container and init container mounts the projected kube-api-access-XXXXX
// volume (a bound token, the cluster CA and the namespace) read-only at
// /var/run/secrets/kubernetes.io/serviceaccount.
//
// It runs when the apiserver issues ServiceAccount tokens
// (--service-account-signing-key-file): without a signer no kubelet could
// fill the volume in, so a pod only gets its serviceAccountName defaulted
// (admission_pod.go), as before.

const (
	// ServiceAccountTokenMountPath is where pods find their credentials.
	ServiceAccountTokenMountPath = "/var/run/secrets/kubernetes.io/serviceaccount"
	// serviceAccountVolumePrefix names the projected volume (plus 5 random characters).
	serviceAccountVolumePrefix = "kube-api-access-"
	// rootCAConfigMap is the ConfigMap the root CA publisher keeps in every namespace.
	rootCAConfigMap = "kube-root-ca.crt"
	// boundTokenExpirationSeconds is Kubernetes' WarnOnlyBoundTokenExpirationSeconds:
	// an hour and 7 s, a token lifetime the apiserver recognises as the default one.
	boundTokenExpirationSeconds int64 = 3607
)

// admitServiceAccount looks the pod's service account up and mounts its
// token volume; a missing account forbids the create.
func (s *Server) admitServiceAccount(ctx context.Context, pod *api.Pod) error {
	if s.opts.ServiceAccountSigningKeyFile == "" || pod.Annotations[configMirrorAnnotation] != "" {
		return nil
	}
	obj, err := s.lookupServiceAccount(ctx, pod.Namespace, pod.Spec.ServiceAccountName)
	if err != nil {
		podInfo, _ := api.ForResource("", "v1", "pods")
		if errors.Is(err, storage.ErrNotFound) {
			err = fmt.Errorf("serviceaccount %q not found", pod.Spec.ServiceAccountName)
		}
		return errForbidden(podInfo, admissionName(pod), fmt.Sprintf("error looking up service account %s/%s: %v",
			pod.Namespace, pod.Spec.ServiceAccountName, err))
	}
	if shouldAutomount(obj.(*api.ServiceAccount), pod) {
		mountServiceAccountToken(pod, generateName(serviceAccountVolumePrefix))
	}
	return nil
}

// lookupServiceAccount reads the account. The default one is created by
// the ServiceAccount controller just after its namespace, so a pod created
// right after `kubectl create namespace` would find it missing: as
// Kubernetes' getServiceAccount does, the default account is looked up
// 10 times, 100–200 ms apart, before the pod is refused; any other account
// once.
func (s *Server) lookupServiceAccount(ctx context.Context, namespace, name string) (api.Object, error) {
	info, _ := api.ForResource("", "v1", "serviceaccounts")
	attempts := 1
	if name == defaultServiceAccount {
		attempts = 10
	}
	interval := time.Duration(100+rand.Int64N(100)) * time.Millisecond
	for i := 0; ; i++ {
		obj, _, err := s.getObject(ctx, info, namespace, name)
		if err == nil || !errors.Is(err, storage.ErrNotFound) || i+1 >= attempts {
			return obj, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(interval):
		}
	}
}

// admissionName is the pod's name as Kubernetes' admission errors give it:
// admission runs before the name is generated, so a generated name shows
// as its generateName prefix.
func admissionName(pod *api.Pod) string {
	g := pod.GenerateName
	if g != "" && len(pod.Name) == len(g)+5 && strings.HasPrefix(pod.Name, g) {
		return g
	}
	return pod.Name
}

// shouldAutomount: the pod's setting wins, then the account's, then true.
func shouldAutomount(sa *api.ServiceAccount, pod *api.Pod) bool {
	if pod.Spec.AutomountServiceAccountToken != nil {
		return *pod.Spec.AutomountServiceAccountToken
	}
	if sa.AutomountServiceAccountToken != nil {
		return *sa.AutomountServiceAccountToken
	}
	return true
}

// mountServiceAccountToken is Kubernetes' mountServiceAccountToken: a
// container that already mounts something at the token path keeps it;
// every other one mounts the pod's kube-api-access-* volume (an existing
// one, else a new one named newName, added only when some container
// needs it).
func mountServiceAccountToken(pod *api.Pod, newName string) {
	volName, hasVolume := newName, false
	for _, v := range pod.Spec.Volumes {
		if strings.HasPrefix(v.Name, serviceAccountVolumePrefix) {
			volName, hasVolume = v.Name, true
			break
		}
	}
	mount := api.VolumeMount{Name: volName, ReadOnly: true, MountPath: ServiceAccountTokenMountPath}
	needsVolume := false
	for _, cs := range [][]api.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range cs {
			if !mountsAt(cs[i].VolumeMounts, ServiceAccountTokenMountPath) {
				cs[i].VolumeMounts = append(cs[i].VolumeMounts, mount)
				needsVolume = true
			}
		}
	}
	if needsVolume && !hasVolume {
		pod.Spec.Volumes = append(pod.Spec.Volumes, api.Volume{Name: volName, VolumeSource: api.VolumeSource{Projected: tokenVolumeSource()}})
	}
}

func mountsAt(mounts []api.VolumeMount, path string) bool {
	for _, m := range mounts {
		if m.MountPath == path {
			return true
		}
	}
	return false
}

// tokenVolumeSource is Kubernetes' TokenVolumeSource: the token, the
// cluster CA from the kube-root-ca.crt ConfigMap and the namespace.
func tokenVolumeSource() *api.ProjectedVolumeSource {
	mode, exp := int32(0o644), boundTokenExpirationSeconds
	return &api.ProjectedVolumeSource{
		DefaultMode: &mode,
		Sources: []api.VolumeProjection{
			{ServiceAccountToken: &api.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: &exp}},
			{ConfigMap: &api.ConfigMapProjection{
				LocalObjectReference: api.LocalObjectReference{Name: rootCAConfigMap},
				Items:                []api.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}},
			}},
			{DownwardAPI: &api.DownwardAPIProjection{Items: []api.DownwardAPIVolumeFile{{
				Path:     "namespace",
				FieldRef: &api.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"},
			}}}},
		},
	}
}

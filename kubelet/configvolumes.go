package kubelet

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"sort"
	"strconv"
	"strings"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// configMap, secret, downwardAPI and projected volumes: what files they
// hold (volumePayload, pure given the objects), written with the atomic
// writer when the pod starts and again at every sync of a running pod, so
// a changed ConfigMap or Secret reaches the files within a sync interval.
// (subPath mounts of them do not update, as in Kubernetes. The
// clusterTrustBundle projection is not supported; serviceAccountToken is
// in satoken.go.)

// objectSource fetches the ConfigMaps and Secrets pods refer to; a
// missing object is an error for which isNotFound is true.
type objectSource interface {
	ConfigMap(ctx context.Context, ns, name string) (*api.ConfigMap, error)
	Secret(ctx context.Context, ns, name string) (*api.Secret, error)
	ServiceAccountToken(ctx context.Context, ns, name string, tr *api.TokenRequest) (*api.TokenRequest, error) // satoken.go
}

// notFoundError is the kubelet's message for a missing object, as
// Kubernetes' kubelet words it: `configmap "x" not found`.
type notFoundError struct{ kind, name string }

func (e *notFoundError) Error() string { return fmt.Sprintf("%s %q not found", e.kind, e.name) }

func isNotFound(err error) bool {
	var nf *notFoundError
	return errors.As(err, &nf)
}

// clientObjects reads the objects from the apiserver.
type clientObjects struct {
	c      *client.Client
	tokens *tokenManager
}

var _ objectSource = clientObjects{}

func (o clientObjects) ConfigMap(ctx context.Context, ns, name string) (*api.ConfigMap, error) {
	cm, err := client.Typed[*api.ConfigMap](o.c, ns).Get(ctx, name)
	if client.IsNotFound(err) {
		return nil, &notFoundError{"configmap", name}
	}
	return cm, err
}

func (o clientObjects) Secret(ctx context.Context, ns, name string) (*api.Secret, error) {
	s, err := client.Typed[*api.Secret](o.c, ns).Get(ctx, name)
	if client.IsNotFound(err) {
		return nil, &notFoundError{"secret", name}
	}
	return s, err
}

// isConfigVolume: v is written by the kubelet from API objects.
func isConfigVolume(v *api.Volume) bool {
	return v.ConfigMap != nil || v.Secret != nil || v.DownwardAPI != nil || v.Projected != nil
}

// defaultFileMode is the mode of files without one (0644).
const defaultFileMode int32 = 0o644

func modeOr(m *int32, def int32) int32 {
	if m != nil {
		return *m
	}
	return def
}

func isOptional(b *bool) bool { return b != nil && *b }

// keyPayload projects a ConfigMap's or Secret's data: every key, or the
// items (each key must exist unless optional).
// missingKey is the error for an item's key the object lacks.
func keyPayload(data map[string][]byte, items []api.KeyToPath, defMode int32, optional bool, missingKey string, out map[string]fileProjection) error {
	if len(items) == 0 {
		for k, v := range data {
			out[k] = fileProjection{Data: v, Mode: defMode}
		}
		return nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional {
				continue
			}
			return fmt.Errorf("%s: %s", missingKey, it.Key)
		}
		out[it.Path] = fileProjection{Data: v, Mode: modeOr(it.Mode, defMode)}
	}
	return nil
}

// configMapData is a ConfigMap's data and binaryData as bytes.
func configMapData(cm *api.ConfigMap) map[string][]byte {
	out := make(map[string][]byte, len(cm.Data)+len(cm.BinaryData))
	for k, v := range cm.Data {
		out[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		out[k] = v
	}
	return out
}

func configMapPayload(ctx context.Context, src objectSource, ns, name string, items []api.KeyToPath, defMode int32, optional bool, out map[string]fileProjection) error {
	cm, err := src.ConfigMap(ctx, ns, name)
	if err != nil {
		if isNotFound(err) && optional {
			return nil
		}
		return err
	}
	return keyPayload(configMapData(cm), items, defMode, optional, "configmap references non-existent config key", out)
}

func secretPayload(ctx context.Context, src objectSource, ns, name string, items []api.KeyToPath, defMode int32, optional bool, out map[string]fileProjection) error {
	s, err := src.Secret(ctx, ns, name)
	if err != nil {
		if isNotFound(err) && optional {
			return nil
		}
		return err
	}
	return keyPayload(s.Data, items, defMode, optional, "references non-existent secret key", out)
}

// downwardAPIPayload writes pod fields: name, namespace, uid, labels and
// annotations (as key="value" lines, sorted), one label or annotation,
// and container resources.
func downwardAPIPayload(pod *api.Pod, items []api.DownwardAPIVolumeFile, defMode int32, out map[string]fileProjection) error {
	for _, it := range items {
		var v string
		var err error
		switch {
		case it.FieldRef != nil:
			switch it.FieldRef.FieldPath {
			case "metadata.labels":
				v = formatMap(pod.Labels)
			case "metadata.annotations":
				v = formatMap(pod.Annotations)
			default:
				v, err = fieldRefValue(pod, it.FieldRef.FieldPath, podEnv{})
			}
		case it.ResourceFieldRef != nil:
			v, err = containerResourceValue(pod, it.ResourceFieldRef)
		}
		if err != nil {
			return fmt.Errorf("downwardAPI file %s: %w", it.Path, err)
		}
		out[it.Path] = fileProjection{Data: []byte(v), Mode: modeOr(it.Mode, defMode)}
	}
	return nil
}

// formatMap prints labels or annotations as the downward API does:
// key="value" lines sorted by key (the value quoted as Go's %q).
func formatMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + "=" + strconv.Quote(m[k])
	}
	return strings.Join(lines, "\n")
}

// containerResourceValue resolves a downwardAPI resourceFieldRef, which
// names its container.
func containerResourceValue(pod *api.Pod, ref *api.ResourceFieldSelector) (string, error) {
	for _, c := range allContainers(pod) {
		if c.Name == ref.ContainerName {
			return resourceFieldValue(c, ref)
		}
	}
	return "", fmt.Errorf("container %q not found", ref.ContainerName)
}

// volumePayload is the content of a config volume of pod.
func volumePayload(ctx context.Context, src objectSource, pod *api.Pod, v *api.Volume) (map[string]fileProjection, error) {
	out := map[string]fileProjection{}
	ns := pod.Namespace
	var err error
	switch {
	case v.ConfigMap != nil:
		c := v.ConfigMap
		err = configMapPayload(ctx, src, ns, c.Name, c.Items, modeOr(c.DefaultMode, defaultFileMode), isOptional(c.Optional), out)
	case v.Secret != nil:
		s := v.Secret
		err = secretPayload(ctx, src, ns, s.SecretName, s.Items, modeOr(s.DefaultMode, defaultFileMode), isOptional(s.Optional), out)
	case v.DownwardAPI != nil:
		err = downwardAPIPayload(pod, v.DownwardAPI.Items, modeOr(v.DownwardAPI.DefaultMode, defaultFileMode), out)
	case v.Projected != nil:
		mode := modeOr(v.Projected.DefaultMode, defaultFileMode)
		for _, s := range v.Projected.Sources {
			switch {
			case s.ConfigMap != nil:
				err = configMapPayload(ctx, src, ns, s.ConfigMap.Name, s.ConfigMap.Items, mode, isOptional(s.ConfigMap.Optional), out)
			case s.Secret != nil:
				err = secretPayload(ctx, src, ns, s.Secret.Name, s.Secret.Items, mode, isOptional(s.Secret.Optional), out)
			case s.DownwardAPI != nil:
				err = downwardAPIPayload(pod, s.DownwardAPI.Items, mode, out)
			case s.ServiceAccountToken != nil:
				err = tokenPayload(ctx, src, pod, s.ServiceAccountToken, mode, out)
			}
			if err != nil {
				break
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// objects is where the kubelet reads ConfigMaps and Secrets.
func (k *Kubelet) objects() objectSource {
	return clientObjects{k.client, k.tokens}
}

// setUpConfigVolumes writes every config volume of pod into its
// directory (made by ensureVolumes), recording FailedMount for each one
// that cannot be, as Kubernetes' "MountVolume.SetUp failed for volume".
// It returns the volumes whose content changed (name → directory) and the
// first error.
func (k *Kubelet) setUpConfigVolumes(ctx context.Context, pod *api.Pod, volumePaths map[string]string) (map[string]string, error) {
	var first error
	written := map[string]string{}
	for i := range pod.Spec.Volumes {
		v := &pod.Spec.Volumes[i]
		if !isConfigVolume(v) {
			continue
		}
		dir, ok := volumePaths[v.Name]
		if !ok {
			continue
		}
		payload, err := volumePayload(ctx, k.objects(), pod, v)
		if err == nil {
			var changed bool
			changed, err = writeAtomic(dir, payload)
			if changed {
				written[v.Name] = dir
				log.Printf("kubelet: pod %s/%s: volume %s written", pod.Namespace, pod.Name, v.Name)
			}
		}
		if err != nil {
			k.recorder().Eventf(pod, eventWarning, reasonFailedMount, "MountVolume.SetUp failed for volume %q : %v", v.Name, err)
			if first == nil {
				first = fmt.Errorf("volume %s: %w", v.Name, err)
			}
		}
	}
	return written, first
}

// refreshConfigVolumes rewrites the config volumes of a pod whose volumes
// are set up (its directory exists), so updates of the objects reach
// running containers; errors are recorded and the old content stays. A
// rewritten volume gets the pod's fsGroup again, as Kubernetes' SetUp runs
// SetVolumeOwnership on every remount: the new files are written with
// their own modes (a Secret's 0400) and need the group bits back.
func (k *Kubelet) refreshConfigVolumes(ctx context.Context, pod *api.Pod) {
	if pod.DeletionTimestamp != nil || pod.Status.Phase == api.PodSucceeded || pod.Status.Phase == api.PodFailed {
		return
	}
	paths := map[string]string{}
	for i := range pod.Spec.Volumes {
		v := &pod.Spec.Volumes[i]
		if !isConfigVolume(v) {
			continue
		}
		dir := k.dirs.volume(pod.UID, v.Name)
		if _, err := os.Lstat(dir + "/" + dataDirName); err == nil {
			paths[v.Name] = dir
		}
	}
	if len(paths) == 0 {
		return
	}
	written, _ := k.setUpConfigVolumes(ctx, pod, paths)
	if len(written) == 0 {
		return
	}
	if err := applyFSGroup(pod, written); err != nil {
		k.recorder().Eventf(pod, eventWarning, reasonFailedMount, "MountVolume.SetUp failed: %v", err)
	}
}

// Package rootcacertpublisher is Kubernetes' root CA certificate
// publisher: every active namespace has the ConfigMap kube-root-ca.crt
// whose key ca.crt is the cluster CA (the controller-manager's
// --root-ca-file), so pods can verify the apiserver (the projected
// kube-api-access volume mounts it). A changed or deleted ConfigMap is put
// back.
package rootcacertpublisher

import (
	"context"
	"fmt"
	"maps"
	"time"

	"minik8s/controller/internal/pernamespace"
	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
)

const (
	// ConfigMapName is the published ConfigMap.
	ConfigMapName = "kube-root-ca.crt"
	// DescriptionAnnotation and Description are Kubernetes' words on it.
	DescriptionAnnotation = "kubernetes.io/description"
	Description           = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. " +
		"No other usage is guaranteed across distributions of Kubernetes clusters."
)

// Config tunes the publisher.
type Config struct {
	RootCA  []byte        // the PEM bundle to publish
	Workers int           // namespaces synced at once (0: 1)
	Resync  time.Duration // the handlers' resync
}

// New returns the publisher; start the factory after New.
func New(c *client.Client, f *cache.SharedInformerFactory, cfg Config) *pernamespace.Controller {
	inf := cache.InformerFor[*api.ConfigMap](f)
	cms := cache.NewLister[*api.ConfigMap](inf.Store())
	return pernamespace.New(f, pernamespace.Config{
		Name: "root-ca-cert-publisher", Workers: cfg.Workers, Resync: cfg.Resync, Objects: inf,
		Kept: func(o api.Object) bool { return o.GetObjectMeta().Name == ConfigMapName },
		Sync: func(ctx context.Context, ns *api.Namespace) error {
			cur, _ := cms.Get(ns.Name, ConfigMapName)
			want, act := Plan(cur, ns.Name, string(cfg.RootCA))
			r := client.Typed[*api.ConfigMap](c, ns.Name)
			var err error
			switch act {
			case Create:
				_, err = r.Create(ctx, want)
			case Update:
				_, err = r.Update(ctx, want) // a conflict is retried from a fresher cache
			}
			if pernamespace.Benign(err) {
				return nil
			}
			return fmt.Errorf("publishing configmap %s/%s: %w", ns.Name, ConfigMapName, err)
		},
	})
}

// Action is what Plan decides.
type Action int

// The actions.
const (
	None Action = iota
	Create
	Update
)

// Plan is the publisher's decision for a namespace whose current
// ConfigMap is cur (nil: none), as Kubernetes' syncNamespace: create it;
// else, unless data is exactly {ca.crt: the CA} and the description
// annotation is there, update a copy (data replaced, the annotation set,
// the rest kept).
func Plan(cur *api.ConfigMap, ns, ca string) (*api.ConfigMap, Action) {
	data := map[string]string{"ca.crt": ca}
	if cur == nil {
		return &api.ConfigMap{
			TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: api.ObjectMeta{Name: ConfigMapName, Namespace: ns,
				Annotations: map[string]string{DescriptionAnnotation: Description}},
			Data: data,
		}, Create
	}
	if maps.Equal(cur.Data, data) && cur.Annotations[DescriptionAnnotation] != "" {
		return cur, None
	}
	want := *cur
	want.Data = data
	want.Annotations = maps.Clone(cur.Annotations)
	if want.Annotations == nil {
		want.Annotations = map[string]string{}
	}
	want.Annotations[DescriptionAnnotation] = Description
	return &want, Update
}

// Package serviceaccount is Kubernetes' ServiceAccounts controller: every
// active namespace has a `default` ServiceAccount, created with the
// namespace and created again when it is deleted.
package serviceaccount

import (
	"context"
	"fmt"
	"time"

	"minik8s/controller/internal/pernamespace"
	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
)

// DefaultName is the account every namespace gets.
const DefaultName = "default"

// Config tunes the controller.
type Config struct {
	Workers int           // namespaces synced at once (0: 1)
	Resync  time.Duration // the handlers' resync
}

// New returns the controller; start the factory after New.
func New(c *client.Client, f *cache.SharedInformerFactory, cfg Config) *pernamespace.Controller {
	inf := cache.InformerFor[*api.ServiceAccount](f)
	accounts := cache.NewLister[*api.ServiceAccount](inf.Store())
	return pernamespace.New(f, pernamespace.Config{
		Name: "serviceaccount", Workers: cfg.Workers, Resync: cfg.Resync, Objects: inf,
		Kept: func(o api.Object) bool { return o.GetObjectMeta().Name == DefaultName },
		Sync: func(ctx context.Context, ns *api.Namespace) error {
			if _, ok := accounts.Get(ns.Name, DefaultName); ok {
				return nil
			}
			sa := &api.ServiceAccount{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
				ObjectMeta: api.ObjectMeta{Name: DefaultName, Namespace: ns.Name}}
			_, err := client.Typed[*api.ServiceAccount](c, ns.Name).Create(ctx, sa)
			if pernamespace.Benign(err) {
				return nil
			}
			return fmt.Errorf("creating serviceaccount %s/%s: %w", ns.Name, DefaultName, err)
		},
	})
}

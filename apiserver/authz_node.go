package apiserver

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"minik8s/apiserver/authorization/node"
	"minik8s/apiserver/storage"
	"minik8s/pkg/api"
	"minik8s/pkg/auth/authorizer"
)

// newNodeAuthorizer returns the Node authorizer: a kubelet (system:node:NAME
// in system:nodes) may touch its own Node and Lease, the pods bound to it
// and the Secrets and ConfigMaps those pods use. Its graph is filled by a
// list of the pods before the server answers, then follows a watch (as
// Kubernetes' node authorizer waits for its informers to sync).
func (s *Server) newNodeAuthorizer(ctx context.Context) (authorizer.Authorizer, error) {
	g := node.NewGraph()
	rev, err := populateNodeGraph(ctx, s.store, g)
	if err != nil {
		return nil, fmt.Errorf("listing pods for the node graph: %w", err)
	}
	go runNodeGraph(ctx, s.store, g, rev)
	return node.NewAuthorizer(g, node.NodeRules()), nil
}

func podInfo() *api.ResourceInfo {
	info, _ := api.ForResource("", "v1", "pods")
	return info
}

// populateNodeGraph replaces the graph's pods with the stored ones and
// returns the revision read.
func populateNodeGraph(ctx context.Context, st storage.Interface, g *node.Graph) (int64, error) {
	info := podInfo()
	kvs, rev, err := st.List(ctx, storagePrefix(info, ""))
	if err != nil {
		return 0, err
	}
	pods := make([]*api.Pod, 0, len(kvs))
	for _, kv := range kvs {
		if obj, err := decodeStored(info, kv.Value, kv.ModRevision); err == nil {
			pods = append(pods, obj.(*api.Pod))
		}
	}
	g.Replace(pods)
	return rev, nil
}

// runNodeGraph follows the pods from rev on, relisting after a watch
// error, until ctx ends.
func runNodeGraph(ctx context.Context, st storage.Interface, g *node.Graph, rev int64) {
	info := podInfo()
	prefix := storagePrefix(info, "")
	for ctx.Err() == nil {
		for ev := range st.Watch(ctx, prefix, rev+1) {
			switch ev.Type {
			case storage.EventPut:
				if obj, err := decodeStored(info, ev.Value, ev.Revision); err == nil {
					g.SetPod(obj.(*api.Pod))
				}
			case storage.EventDelete:
				ns, name, _ := strings.Cut(strings.TrimPrefix(ev.Key, prefix), "/")
				g.DeletePod(ns, name)
			case storage.EventError:
				log.Printf("apiserver: node authorizer graph: watch: %v", ev.Err)
			}
		}
		var err error
		for ctx.Err() == nil {
			if rev, err = populateNodeGraph(ctx, st, g); err == nil {
				break
			}
			sleepCtx(ctx, time.Second)
		}
	}
}

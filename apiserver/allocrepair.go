package apiserver

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/wait"
)

// The repair loop reconciles the allocation bitmaps with the services, as
// Kubernetes' ipallocator and portallocator repair controllers do: a value
// a service holds but the bitmap lacks (data from before the bitmaps, a
// changed range) is marked; a reserved value no service holds is freed
// only after it was seen unused leakChecks times in a row, so a create in
// flight (reserved, not yet written) keeps its reservation.

// leakChecks is how many consecutive repairs must see a value unused
// before it is freed (Kubernetes' numRepairsBeforeLeakCleanup).
const leakChecks = 3

// allocRepairInterval is the period of the repair loop (Kubernetes' default
// --service-cluster-ip-range repair interval is 3 minutes).
var allocRepairInterval = 3 * time.Minute

// leakCounter remembers, per range, how often each unused value was seen.
type leakCounter struct {
	mu   sync.Mutex
	seen map[string]map[int]int
}

func (l *leakCounter) get(rng string) map[int]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[int]int{}
	for k, v := range l.seen[rng] {
		out[k] = v
	}
	return out
}

func (l *leakCounter) put(rng string, seen map[int]int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string]map[int]int{}
	}
	l.seen[rng] = seen
}

// planRepair changes bm so that every offset in inUse is set and unused
// offsets are freed once seen unused leakChecks times (seen: counts so
// far). It returns the new counts and what it marked and freed.
func planRepair(bm *allocBitmap, inUse map[int]bool, seen map[int]int) (next map[int]int, marked, freed []int) {
	next = map[int]int{}
	for off := range inUse {
		if off >= 0 && off < bm.size && !bm.has(off) {
			bm.set(off)
			marked = append(marked, off)
		}
	}
	for _, off := range bm.used() {
		if inUse[off] {
			continue
		}
		if n := seen[off] + 1; n >= leakChecks || off >= bm.size {
			bm.clear(off)
			freed = append(freed, off)
		} else {
			next[off] = n
		}
	}
	return next, marked, freed
}

// repairServiceAllocations runs one repair of both bitmaps.
func (s *Server) repairServiceAllocations(ctx context.Context) error {
	info, _ := api.ForResource("", "v1", "services")
	kvs, _, err := s.store.List(ctx, storagePrefix(info, ""))
	if err != nil {
		return fmt.Errorf("listing services: %w", err)
	}
	ips, ports := map[int]bool{}, map[int]bool{}
	for _, kv := range kvs {
		obj, err := decodeStored(info, kv.Value, kv.ModRevision)
		if err != nil {
			return err
		}
		c := s.alloc.claimsOf(obj.(*api.Service))
		for _, off := range c.ips {
			ips[off] = true
		}
		for _, off := range c.ports {
			ports[off] = true
		}
	}
	repair := func(what, rng string, inUse map[int]bool, update func(context.Context, func(*allocBitmap) error) error) error {
		var next map[int]int
		var marked, freed []int
		err := update(ctx, func(bm *allocBitmap) error {
			next, marked, freed = planRepair(bm, inUse, s.alloc.leaks.get(rng))
			return nil
		})
		if err != nil {
			return err
		}
		s.alloc.leaks.put(rng, next)
		if len(marked) > 0 || len(freed) > 0 {
			log.Printf("apiserver: repaired %s allocations: marked %d in use, freed %d leaked", what, len(marked), len(freed))
		}
		return nil
	}
	if err := repair("service IP", s.alloc.cidrString, ips, s.updateIPs); err != nil {
		return err
	}
	return repair("node port", s.alloc.portRange(), ports, s.updatePorts)
}

// runAllocationRepair repairs the bitmaps every allocRepairInterval.
func (s *Server) runAllocationRepair(ctx context.Context) {
	wait.EveryAfter(ctx, allocRepairInterval, s.repairServiceAllocations,
		func(err error) { log.Printf("apiserver: repairing service allocations: %v", err) })
}

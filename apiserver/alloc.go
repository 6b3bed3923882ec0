package apiserver

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"

	"minik8s/apiserver/storage"
	"minik8s/pkg/api"
)

// ClusterIPs and NodePorts are reserved in etcd, in one bitmap per range
// (allocbitmap.go), changed by compare-and-swap on the record's revision as
// Kubernetes' GuaranteedUpdate does: any number of apiservers on one etcd,
// and restarts, never hand out one value twice.

// errAllocated is a requested value that is already in use.
var errAllocated = errors.New("already allocated")

// maxAllocAttempts bounds the compare-and-swap retries of one change.
const maxAllocAttempts = 100

// updateRange reads the bitmap at key, lets change modify it and writes it
// back if the record did not change meanwhile, retrying otherwise. change
// may run several times; an error from it ends the update unwritten.
func (s *Server) updateRange(ctx context.Context, key, rng string, size int, change func(bm *allocBitmap) error) error {
	for attempt := 0; attempt < maxAllocAttempts; attempt++ {
		var bm *allocBitmap
		var rev int64
		kv, err := s.store.Get(ctx, key)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			bm = newAllocBitmap(rng, size)
		case err != nil:
			return fmt.Errorf("reading %s: %w", key, err)
		default:
			if bm, _, err = decodeAllocBitmap(kv.Value, rng, size); err != nil {
				return err
			}
			rev = kv.ModRevision
		}
		if err := change(bm); err != nil {
			return err
		}
		b, err := bm.encode()
		if err != nil {
			return err
		}
		if rev == 0 {
			_, err = s.store.Create(ctx, key, b)
		} else {
			_, err = s.store.Update(ctx, key, b, rev)
		}
		if errors.Is(err, storage.ErrExists) || errors.Is(err, storage.ErrConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", key, err)
		}
		return nil
	}
	return fmt.Errorf("updating %s: too many concurrent changes", key)
}

func (s *Server) updateIPs(ctx context.Context, change func(bm *allocBitmap) error) error {
	return s.updateRange(ctx, serviceIPsKey, s.alloc.cidrString, int(s.alloc.size), change)
}

func (s *Server) updatePorts(ctx context.Context, change func(bm *allocBitmap) error) error {
	return s.updateRange(ctx, serviceNodePortsKey, s.alloc.portRange(), int(s.alloc.portHi-s.alloc.portLo+1), change)
}

// reserveIP reserves offset off of the service CIDR (errAllocated if it is
// taken), or a free one when off is negative.
func (s *Server) reserveIP(ctx context.Context, off int) (int, error) {
	got := off
	err := s.updateIPs(ctx, func(bm *allocBitmap) error {
		if off >= 0 {
			if bm.has(off) {
				return errAllocated
			}
			bm.set(off)
			return nil
		}
		var ok bool
		if got, ok = bm.pickFree(1, int(s.alloc.size)-2, reservedIPOffsets); !ok {
			return newStatusError(http.StatusInternalServerError, reasonInternal,
				"Internal error occurred: failed to allocate a serviceIP: range is full", nil)
		}
		bm.set(got)
		return nil
	})
	return got, err
}

// reservePorts reserves the given NodePort offsets and n free ones, all or
// none. A taken one gives errAllocated and its offset.
func (s *Server) reservePorts(ctx context.Context, specific []int, n int) (picked []int, taken int, err error) {
	err = s.updatePorts(ctx, func(bm *allocBitmap) error {
		picked = picked[:0]
		for _, off := range specific {
			if bm.has(off) {
				taken = off
				return errAllocated
			}
			bm.set(off)
		}
		for i := 0; i < n; i++ {
			off, ok := bm.pickFree(0, int(s.alloc.portHi-s.alloc.portLo), nil)
			if !ok {
				return newStatusError(http.StatusInternalServerError, reasonInternal,
					"Internal error occurred: failed to allocate a nodePort: range is full", nil)
			}
			bm.set(off)
			picked = append(picked, off)
		}
		return nil
	})
	return picked, taken, err
}

// releaseOffsets frees offsets; a failure is logged (the repair loop
// frees what stays reserved unused).
func (s *Server) releaseOffsets(ctx context.Context, c serviceClaims) {
	ctx = context.WithoutCancel(ctx) // a cancelled request still gives back what it took
	if len(c.ips) > 0 {
		if err := s.updateIPs(ctx, func(bm *allocBitmap) error {
			for _, off := range c.ips {
				bm.clear(off)
			}
			return nil
		}); err != nil {
			log.Printf("apiserver: releasing service IPs %v: %v", c.ips, err)
		}
	}
	if len(c.ports) > 0 {
		if err := s.updatePorts(ctx, func(bm *allocBitmap) error {
			for _, off := range c.ports {
				bm.clear(off)
			}
			return nil
		}); err != nil {
			log.Printf("apiserver: releasing node ports %v: %v", c.ports, err)
		}
	}
}

// releaseAllocations frees the ClusterIP and NodePorts svc holds that keep
// does not (keep nil: all of them): after a service is deleted
// (releaseAllocations(ctx, old, nil)), after a failed write of what
// allocateService reserved (releaseAllocations(ctx, svc, old)), and after
// an update that dropped values (releaseAllocations(ctx, old, svc)).
func (s *Server) releaseAllocations(ctx context.Context, svc, keep *api.Service) {
	have, kept := s.alloc.claimsOf(svc), s.alloc.claimsOf(keep)
	s.releaseOffsets(ctx, serviceClaims{ips: minus(have.ips, kept.ips), ports: minus(have.ports, kept.ports)})
}

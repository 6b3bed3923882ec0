package apiserver

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
)

// rangeAllocation is the etcd form of an allocation bitmap, Kubernetes'
// core/v1 RangeAllocation: the range it covers and a big-endian bitmap of
// the offsets in use (bit i set: offset i is allocated). Kubernetes keeps
// one at /registry/ranges/serviceips and one at
// /registry/ranges/servicenodeports and changes them with compare-and-swap.
type rangeAllocation struct {
	Kind       string            `json:"kind"`
	APIVersion string            `json:"apiVersion"`
	Metadata   map[string]string `json:"metadata"`
	Range      string            `json:"range"`
	Data       []byte            `json:"data"` // base64 in JSON, as Kubernetes
}

// Keys of the allocation records.
const (
	serviceIPsKey       = "/registry/ranges/serviceips"
	serviceNodePortsKey = "/registry/ranges/servicenodeports"
)

// allocBitmap is the decoded bitmap of one range of size offsets.
type allocBitmap struct {
	rng  string
	size int
	bits big.Int
}

func newAllocBitmap(rng string, size int) *allocBitmap {
	return &allocBitmap{rng: rng, size: size}
}

// decodeAllocBitmap reads a stored record. A record of another range (the
// flags changed) comes back empty with sameRange false: its offsets mean
// other addresses, so the repair rebuilds it from the services.
func decodeAllocBitmap(b []byte, rng string, size int) (bm *allocBitmap, sameRange bool, err error) {
	var ra rangeAllocation
	if err := json.Unmarshal(b, &ra); err != nil {
		return nil, false, fmt.Errorf("decoding range allocation: %w", err)
	}
	bm = newAllocBitmap(rng, size)
	if ra.Range != rng {
		return bm, false, nil
	}
	bm.bits.SetBytes(ra.Data)
	return bm, true, nil
}

func (b *allocBitmap) encode() ([]byte, error) {
	ra := rangeAllocation{Kind: "RangeAllocation", APIVersion: "v1", Metadata: map[string]string{},
		Range: b.rng, Data: b.bits.Bytes()}
	out, err := json.Marshal(ra)
	if err != nil {
		return nil, fmt.Errorf("encoding range allocation: %w", err)
	}
	return out, nil
}

func (b *allocBitmap) has(off int) bool { return b.bits.Bit(off) == 1 }
func (b *allocBitmap) set(off int)      { b.bits.SetBit(&b.bits, off, 1) }
func (b *allocBitmap) clear(off int)    { b.bits.SetBit(&b.bits, off, 0) }

// used lists the offsets in use, ascending.
func (b *allocBitmap) used() []int {
	var out []int
	for i := 0; i < b.bits.BitLen(); i++ {
		if b.has(i) {
			out = append(out, i)
		}
	}
	return out
}

// pickFree returns a free offset in [lo, hi], starting the search at a
// random point (so concurrent allocators rarely want the same one) and
// skipping the reserved offsets. ok is false when the range is full.
func (b *allocBitmap) pickFree(lo, hi int, reserved map[int]bool) (int, bool) {
	span := hi - lo + 1
	if span <= 0 {
		return 0, false
	}
	start, _ := rand.Int(rand.Reader, big.NewInt(int64(span)))
	for i := 0; i < span; i++ {
		off := lo + (int(start.Int64())+i)%span
		if reserved[off] || b.has(off) {
			continue
		}
		return off, true
	}
	return 0, false
}

package nodeipam

import (
	"fmt"
	"net/netip"
	"sort"
	"time"
)

// maxBlocks bounds the blocks a cluster CIDR may be cut into (a /8 in /24s
// is 65536), so that the allocator's bitmap stays small.
const maxBlocks = 1 << 20

// Range is a cluster CIDR cut into blocks of one prefix length.
type Range struct {
	Cluster  netip.Prefix // masked, IPv4
	MaskSize int          // prefix length of a node's block
}

// NewRange checks and returns the range of cluster cut into /maskSize blocks.
func NewRange(cluster string, maskSize int) (Range, error) {
	p, err := netip.ParsePrefix(cluster)
	if err != nil {
		return Range{}, fmt.Errorf("cluster CIDR %q: %w", cluster, err)
	}
	if !p.Addr().Is4() {
		return Range{}, fmt.Errorf("cluster CIDR %q: only IPv4 is supported", cluster)
	}
	if maskSize < p.Bits() || maskSize > 30 {
		return Range{}, fmt.Errorf("node CIDR mask size %d: must be between the cluster prefix length %d and 30", maskSize, p.Bits())
	}
	if maskSize-p.Bits() > 20 {
		return Range{}, fmt.Errorf("cluster CIDR %s in /%d blocks: more than %d blocks", p, maskSize, maxBlocks)
	}
	return Range{Cluster: p.Masked(), MaskSize: maskSize}, nil
}

// Size is the number of blocks.
func (r Range) Size() int { return 1 << (r.MaskSize - r.Cluster.Bits()) }

// Block is the i-th block.
func (r Range) Block(i int) netip.Prefix {
	base := r.Cluster.Addr().As4()
	v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	v += uint32(i) << (32 - r.MaskSize)
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), r.MaskSize)
}

// Index is the block index of p, or false if p is not exactly one block of
// the range.
func (r Range) Index(p netip.Prefix) (int, bool) {
	if !p.Addr().Is4() || p.Bits() != r.MaskSize || p.Masked() != p || !r.Cluster.Contains(p.Addr()) {
		return 0, false
	}
	a, b := r.Cluster.Addr().As4(), p.Addr().As4()
	base := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	return int((v - base) >> (32 - r.MaskSize)), true
}

// NodeCIDR is what the allocator needs to know of a node.
type NodeCIDR struct {
	Name    string
	Created time.Time
	PodCIDR string // spec.podCIDR (or podCIDRs[0]); "" if none
}

// Assignment sets a node's pod CIDR.
type Assignment struct {
	Node   string
	CIDR   netip.Prefix
	Reason string // why: "no podCIDR", or the conflict it resolves
}

// Plan is the node IPAM decision. Nodes keep a valid block they hold; when
// several nodes claim one block the oldest (then the smallest name) keeps
// it and the others are reassigned; nodes without a pod CIDR get the lowest
// free blocks, oldest node first. A pod CIDR that is not one block of the
// range (other size, outside the cluster CIDR, unparsable) is never changed,
// only reported in warnings, but the blocks it overlaps are not handed out.
// If the range is full, the nodes left over are reported in warnings.
func Plan(r Range, nodes []NodeCIDR) (assign []Assignment, warnings []string) {
	sorted := append([]NodeCIDR(nil), nodes...)
	sort.Slice(sorted, func(i, j int) bool {
		if !sorted[i].Created.Equal(sorted[j].Created) {
			return sorted[i].Created.Before(sorted[j].Created)
		}
		return sorted[i].Name < sorted[j].Name
	})
	used := make([]bool, r.Size())
	owner := map[int]string{}
	var need []Assignment
	for _, n := range sorted {
		if n.PodCIDR == "" {
			need = append(need, Assignment{Node: n.Name, Reason: "no podCIDR"})
			continue
		}
		p, err := netip.ParsePrefix(n.PodCIDR)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("node %s: podCIDR %q is not a CIDR; left alone", n.Name, n.PodCIDR))
			continue
		}
		i, ok := r.Index(p)
		if !ok {
			warnings = append(warnings, fmt.Sprintf("node %s: podCIDR %s is not a /%d block of %s; left alone", n.Name, p, r.MaskSize, r.Cluster))
			markOverlap(r, p, used)
			continue
		}
		if o, taken := owner[i]; taken {
			need = append(need, Assignment{Node: n.Name, Reason: fmt.Sprintf("podCIDR %s is also held by the older node %s", p, o)})
			continue
		}
		owner[i] = n.Name
		used[i] = true
	}
	next := 0
	for _, a := range need {
		for next < len(used) && used[next] {
			next++
		}
		if next == len(used) {
			warnings = append(warnings, fmt.Sprintf("node %s: no free /%d left in %s", a.Node, r.MaskSize, r.Cluster))
			continue
		}
		used[next] = true
		a.CIDR = r.Block(next)
		assign = append(assign, a)
	}
	return assign, warnings
}

// markOverlap marks the blocks p overlaps as used.
func markOverlap(r Range, p netip.Prefix, used []bool) {
	p = p.Masked()
	if !p.Overlaps(r.Cluster) {
		return
	}
	if p.Bits() <= r.Cluster.Bits() { // covers the whole range
		for i := range used {
			used[i] = true
		}
		return
	}
	if p.Bits() >= r.MaskSize { // inside one block
		i, _ := r.Index(netip.PrefixFrom(p.Addr(), r.MaskSize).Masked())
		used[i] = true
		return
	}
	first, _ := r.Index(netip.PrefixFrom(p.Addr(), r.MaskSize))
	for i := 0; i < 1<<(r.MaskSize-p.Bits()); i++ {
		used[first+i] = true
	}
}

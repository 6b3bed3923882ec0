package nodeipam

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestNewRange(t *testing.T) {
	for _, tc := range []struct {
		cidr    string
		mask    int
		wantErr string
		size    int
	}{
		{"10.244.0.0/16", 24, "", 256},
		{"10.244.7.9/16", 24, "", 256}, // masked
		{"10.0.0.0/8", 24, "", 65536},
		{"10.244.0.0/16", 16, "", 1},
		{"10.244.0.0/16", 8, "between the cluster prefix length 16 and 30", 0},
		{"10.244.0.0/16", 31, "between", 0},
		{"10.0.0.0/2", 24, "more than", 0},
		{"fd00::/64", 80, "only IPv4", 0},
		{"nonsense", 24, "cluster CIDR", 0},
	} {
		r, err := NewRange(tc.cidr, tc.mask)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("NewRange(%s, %d) error = %v, want %q", tc.cidr, tc.mask, err, tc.wantErr)
			}
			continue
		}
		if err != nil || r.Size() != tc.size {
			t.Errorf("NewRange(%s, %d) = size %d, %v; want %d", tc.cidr, tc.mask, r.Size(), err, tc.size)
		}
	}
}

func TestRangeBlockIndex(t *testing.T) {
	r, _ := NewRange("10.244.0.0/16", 24)
	if got := r.Block(0).String(); got != "10.244.0.0/24" {
		t.Errorf("Block(0) = %s", got)
	}
	if got := r.Block(255).String(); got != "10.244.255.0/24" {
		t.Errorf("Block(255) = %s", got)
	}
	for _, tc := range []struct {
		p    string
		i    int
		good bool
	}{
		{"10.244.3.0/24", 3, true},
		{"10.244.255.0/24", 255, true},
		{"10.244.3.0/25", 0, false},
		{"10.245.0.0/24", 0, false},
		{"10.244.3.1/24", 0, false}, // not masked
	} {
		i, ok := r.Index(netip.MustParsePrefix(tc.p))
		if ok != tc.good || i != tc.i {
			t.Errorf("Index(%s) = %d, %v; want %d, %v", tc.p, i, ok, tc.i, tc.good)
		}
	}
	r2, _ := NewRange("10.0.0.0/8", 26)
	if got := r2.Block(5).String(); got != "10.0.1.64/26" {
		t.Errorf("/26 Block(5) = %s", got)
	}
}

func TestPlan(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	r16, _ := NewRange("10.244.0.0/16", 24)
	r2, _ := NewRange("10.244.0.0/23", 24) // two blocks
	a := func(node, cidr, reason string) Assignment {
		return Assignment{Node: node, CIDR: netip.MustParsePrefix(cidr), Reason: reason}
	}
	for _, tc := range []struct {
		name     string
		r        Range
		nodes    []NodeCIDR
		want     []Assignment
		warnings []string
	}{
		{name: "empty", r: r16},
		{
			name:  "new nodes get the lowest blocks, oldest first",
			r:     r16,
			nodes: []NodeCIDR{{Name: "b", Created: at(2)}, {Name: "a", Created: at(1)}, {Name: "c", Created: at(2)}},
			want:  []Assignment{a("a", "10.244.0.0/24", "no podCIDR"), a("b", "10.244.1.0/24", "no podCIDR"), a("c", "10.244.2.0/24", "no podCIDR")},
		},
		{
			name:  "existing allocations are kept and holes are filled",
			r:     r16,
			nodes: []NodeCIDR{{Name: "n1", Created: at(1), PodCIDR: "10.244.1.0/24"}, {Name: "n2", Created: at(2), PodCIDR: "10.244.3.0/24"}, {Name: "n3", Created: at(3)}, {Name: "n4", Created: at(4)}},
			want:  []Assignment{a("n3", "10.244.0.0/24", "no podCIDR"), a("n4", "10.244.2.0/24", "no podCIDR")},
		},
		{
			name:  "nothing to do when every node has a block",
			r:     r16,
			nodes: []NodeCIDR{{Name: "n1", PodCIDR: "10.244.0.0/24"}, {Name: "n2", PodCIDR: "10.244.1.0/24"}},
		},
		{
			name: "a conflict: the older node keeps the block",
			r:    r16,
			nodes: []NodeCIDR{
				{Name: "young", Created: at(5), PodCIDR: "10.244.0.0/24"},
				{Name: "old", Created: at(1), PodCIDR: "10.244.0.0/24"},
				{Name: "other", Created: at(3), PodCIDR: "10.244.1.0/24"},
			},
			want: []Assignment{a("young", "10.244.2.0/24", "podCIDR 10.244.0.0/24 is also held by the older node old")},
		},
		{
			name: "a conflict at the same time: the smaller name keeps the block",
			r:    r16,
			nodes: []NodeCIDR{
				{Name: "nb", Created: at(1), PodCIDR: "10.244.4.0/24"},
				{Name: "na", Created: at(1), PodCIDR: "10.244.4.0/24"},
			},
			want: []Assignment{a("nb", "10.244.0.0/24", "podCIDR 10.244.4.0/24 is also held by the older node na")},
		},
		{
			name: "foreign CIDRs are left alone but their blocks are not reused",
			r:    r16,
			nodes: []NodeCIDR{
				{Name: "big", Created: at(1), PodCIDR: "10.244.0.0/23"},
				{Name: "out", Created: at(2), PodCIDR: "192.168.0.0/24"},
				{Name: "bad", Created: at(3), PodCIDR: "not-a-cidr"},
				{Name: "small", Created: at(4), PodCIDR: "10.244.2.128/25"},
				{Name: "new", Created: at(5)},
			},
			want: []Assignment{a("new", "10.244.3.0/24", "no podCIDR")},
			warnings: []string{
				"node big: podCIDR 10.244.0.0/23 is not a /24 block of 10.244.0.0/16; left alone",
				"node out: podCIDR 192.168.0.0/24 is not a /24 block of 10.244.0.0/16; left alone",
				`node bad: podCIDR "not-a-cidr" is not a CIDR; left alone`,
				"node small: podCIDR 10.244.2.128/25 is not a /24 block of 10.244.0.0/16; left alone",
			},
		},
		{
			name:     "a full range warns",
			r:        r2,
			nodes:    []NodeCIDR{{Name: "n1", Created: at(1), PodCIDR: "10.244.1.0/24"}, {Name: "n2", Created: at(2)}, {Name: "n3", Created: at(3)}},
			want:     []Assignment{a("n2", "10.244.0.0/24", "no podCIDR")},
			warnings: []string{"node n3: no free /24 left in 10.244.0.0/23"},
		},
		{
			name:     "a CIDR covering the whole range blocks everything",
			r:        r2,
			nodes:    []NodeCIDR{{Name: "all", Created: at(1), PodCIDR: "10.0.0.0/8"}, {Name: "n", Created: at(2)}},
			warnings: []string{"node all: podCIDR 10.0.0.0/8 is not a /24 block of 10.244.0.0/23; left alone", "node n: no free /24 left in 10.244.0.0/23"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, warnings := Plan(tc.r, tc.nodes)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("assignments\n got %v\nwant %v", got, tc.want)
			}
			if !reflect.DeepEqual(warnings, tc.warnings) {
				t.Errorf("warnings\n got %q\nwant %q", warnings, tc.warnings)
			}
		})
	}
}

// TestPlanIsStable: applying a plan and planning again changes nothing, and
// deleting a node frees its block for the next new node.
func TestPlanIsStable(t *testing.T) {
	r, _ := NewRange("10.244.0.0/16", 24)
	nodes := []NodeCIDR{{Name: "n1"}, {Name: "n2"}, {Name: "n3"}}
	apply := func(as []Assignment) {
		for _, a := range as {
			for i := range nodes {
				if nodes[i].Name == a.Node {
					nodes[i].PodCIDR = a.CIDR.String()
				}
			}
		}
	}
	as, _ := Plan(r, nodes)
	apply(as)
	if again, _ := Plan(r, nodes); len(again) != 0 {
		t.Fatalf("second plan = %v, want nothing", again)
	}
	nodes = append(nodes[:1], nodes[2:]...) // n2 (10.244.1.0/24) leaves
	nodes = append(nodes, NodeCIDR{Name: "n4", Created: time.Now()})
	as, _ = Plan(r, nodes)
	if len(as) != 1 || as[0].Node != "n4" || as[0].CIDR.String() != "10.244.1.0/24" {
		t.Fatalf("after n2 left, plan = %v, want n4 -> 10.244.1.0/24", as)
	}
}

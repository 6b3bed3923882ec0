package apiserver

import (
	"reflect"
	"sort"
	"testing"

	"minik8s/pkg/api"
)

func TestAllocBitmapRoundTrip(t *testing.T) {
	bm := newAllocBitmap("10.96.0.0/24", 256)
	bm.set(3)
	bm.set(200)
	b, err := bm.encode()
	if err != nil {
		t.Fatal(err)
	}
	got, same, err := decodeAllocBitmap(b, "10.96.0.0/24", 256)
	if err != nil || !same || !reflect.DeepEqual(got.used(), []int{3, 200}) {
		t.Fatalf("decoded %v same=%v err=%v", got.used(), same, err)
	}
	// A record of another range means other addresses: it reads as empty.
	other, same, err := decodeAllocBitmap(b, "10.0.0.0/24", 256)
	if err != nil || same || len(other.used()) != 0 {
		t.Fatalf("other range: %v same=%v err=%v", other.used(), same, err)
	}
}

func TestAllocBitmapPickFree(t *testing.T) {
	bm := newAllocBitmap("r", 8)
	reserved := map[int]bool{1: true}
	seen := map[int]bool{}
	for i := 0; i < 5; i++ { // offsets 2..6
		off, ok := bm.pickFree(1, 6, reserved)
		if !ok || off < 2 || off > 6 || seen[off] {
			t.Fatalf("pick %d: %d %v (seen %v)", i, off, ok, seen)
		}
		seen[off] = true
		bm.set(off)
	}
	if off, ok := bm.pickFree(1, 6, reserved); ok {
		t.Fatalf("full range gave %d", off)
	}
}

func TestPlanRepair(t *testing.T) {
	tests := []struct {
		name                string
		set                 []int
		inUse               []int
		seen                map[int]int
		wantUsed            []int
		wantNext            map[int]int
		wantMarked, wantFre []int
	}{
		{"missing in-use values are marked", nil, []int{4, 9}, nil, []int{4, 9}, map[int]int{}, []int{4, 9}, nil},
		{"an unused value is counted first", []int{4, 5}, []int{4}, nil, []int{4, 5}, map[int]int{5: 1}, nil, nil},
		{"and freed on the third sighting", []int{4, 5}, []int{4}, map[int]int{5: 2}, []int{4}, map[int]int{}, nil, []int{5}},
		{"a value in use again is forgotten", []int{5}, []int{5}, map[int]int{5: 2}, []int{5}, map[int]int{}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bm := newAllocBitmap("r", 16)
			for _, o := range tt.set {
				bm.set(o)
			}
			inUse := map[int]bool{}
			for _, o := range tt.inUse {
				inUse[o] = true
			}
			next, marked, freed := planRepair(bm, inUse, tt.seen)
			sort.Ints(marked)
			if !reflect.DeepEqual(bm.used(), tt.wantUsed) || !reflect.DeepEqual(next, tt.wantNext) ||
				!reflect.DeepEqual(marked, tt.wantMarked) || !reflect.DeepEqual(freed, tt.wantFre) {
				t.Errorf("used %v next %v marked %v freed %v; want %v %v %v %v",
					bm.used(), next, marked, freed, tt.wantUsed, tt.wantNext, tt.wantMarked, tt.wantFre)
			}
		})
	}
}

func TestClaimsOf(t *testing.T) {
	a, err := newServiceAllocator("10.96.0.0/24", "30000-30099")
	if err != nil {
		t.Fatal(err)
	}
	svc := func(typ, ip string, nodePorts ...int32) *api.Service {
		s := &api.Service{Spec: api.ServiceSpec{Type: typ, ClusterIP: ip}}
		for _, np := range nodePorts {
			s.Spec.Ports = append(s.Spec.Ports, api.ServicePort{NodePort: np})
		}
		return s
	}
	tests := []struct {
		name string
		svc  *api.Service
		want serviceClaims
	}{
		{"nil", nil, serviceClaims{}},
		{"cluster IP", svc(api.ServiceTypeClusterIP, "10.96.0.7"), serviceClaims{ips: []int{7}}},
		{"headless", svc(api.ServiceTypeClusterIP, "None"), serviceClaims{}},
		{"out of range", svc(api.ServiceTypeClusterIP, "10.0.0.7", 40000), serviceClaims{}},
		{"node ports, one used twice (TCP and UDP)", svc(api.ServiceTypeNodePort, "10.96.0.9", 30005, 30005, 30099),
			serviceClaims{ips: []int{9}, ports: []int{5, 99}}},
	}
	for _, tt := range tests {
		if got := a.claimsOf(tt.svc); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
	if got := minus([]int{1, 2, 3}, []int{2}); !reflect.DeepEqual(got, []int{1, 3}) {
		t.Errorf("minus: %v", got)
	}
}

package endpointslice

import (
	"maps"
	"reflect"
	"slices"
	"sort"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/controller"
	"minik8s/pkg/controller/endpointutil"
)

// MaxEndpointsPerSlice is Kubernetes' default --max-endpoints-per-slice.
const MaxEndpointsPerSlice = 100

// LabelHeadless marks the slices of a headless service.
const LabelHeadless = "service.kubernetes.io/headless"

// Plan is what one sync writes: slices to create (no name, generateName
// set), to update (existing name and resourceVersion) and to delete.
type Plan struct {
	Create, Update, Delete []*api.EndpointSlice
}

// Empty says whether the plan writes nothing.
func (p Plan) Empty() bool { return len(p.Create)+len(p.Update)+len(p.Delete) == 0 }

// sliceLabels are the labels of svc's slices: the service's own labels
// (but not the reserved ones), the headless label, the service name and
// the manager.
func sliceLabels(svc *api.Service) map[string]string {
	out := map[string]string{}
	for k, v := range svc.Labels {
		if k != api.LabelServiceName && k != api.LabelManagedBy && k != LabelHeadless {
			out[k] = v
		}
	}
	if svc.Spec.ClusterIP == "None" {
		out[LabelHeadless] = ""
	}
	out[api.LabelServiceName] = svc.Name
	out[api.LabelManagedBy] = api.EndpointSliceControllerID
	return out
}

// ownedBy says whether the slice's controller reference is svc.
func ownedBy(s *api.EndpointSlice, svc *api.Service) bool {
	ref := controller.ControllerOf(&s.ObjectMeta)
	return ref != nil && ref.Kind == "Service" && ref.UID == svc.UID
}

func newSlice(svc *api.Service, ports []api.EndpointSlicePort) *api.EndpointSlice {
	ref := controller.NewControllerRef(&svc.ObjectMeta, "v1", "Service")
	if ports == nil {
		ports = []api.EndpointSlicePort{}
	}
	return &api.EndpointSlice{
		TypeMeta: api.TypeMeta{APIVersion: "discovery.k8s.io/v1", Kind: "EndpointSlice"},
		ObjectMeta: api.ObjectMeta{Namespace: svc.Namespace, GenerateName: slicePrefix(svc.Name),
			Labels: sliceLabels(svc), OwnerReferences: []api.OwnerReference{ref}},
		AddressType: api.AddressTypeIPv4,
		Ports:       ports,
		Endpoints:   []api.Endpoint{},
	}
}

// slicePrefix is the generateName of a service's slices: "<name>-",
// shortened so that the generated name stays a valid 63-character label.
func slicePrefix(name string) string {
	const maxPrefix = 63 - 5 - 1 // the apiserver appends 5 characters
	if len(name) > maxPrefix {
		name = name[:maxPrefix]
	}
	return name + "-"
}

// copySlice copies what a plan changes (endpoints, labels, annotations).
func copySlice(s *api.EndpointSlice) *api.EndpointSlice {
	c := *s
	c.Endpoints = slices.Clone(s.Endpoints)
	c.Labels = maps.Clone(s.Labels)
	c.Annotations = maps.Clone(s.Annotations)
	return &c
}

// endpointSet is the desired endpoints of one port group not yet placed,
// in a deterministic order.
type endpointSet struct {
	order []string
	byKey map[string]*api.Endpoint
}

func newEndpointSet(eps []api.Endpoint) *endpointSet {
	s := &endpointSet{byKey: map[string]*api.Endpoint{}}
	for i := range eps {
		k := endpointKey(&eps[i])
		if _, dup := s.byKey[k]; !dup {
			s.order = append(s.order, k)
		}
		s.byKey[k] = &eps[i]
	}
	slices.Sort(s.order)
	return s
}

func (s *endpointSet) len() int { return len(s.byKey) }

func (s *endpointSet) take(k string) *api.Endpoint {
	ep := s.byKey[k]
	delete(s.byKey, k)
	return ep
}

// pop removes and returns the first remaining endpoint.
func (s *endpointSet) pop() api.Endpoint {
	for len(s.order) > 0 {
		k := s.order[0]
		s.order = s.order[1:]
		if ep, ok := s.byKey[k]; ok {
			delete(s.byKey, k)
			return *ep
		}
	}
	panic("endpointslice: pop from an empty set")
}

// Reconcile plans the slices of svc from the existing managed slices and
// the desired endpoints (Desired), as Kubernetes' reconciler: per port
// group, endpoints no longer desired leave their slice and changed ones
// are updated in place; new endpoints fill the slices already being
// updated (fullest first), then an unchanged slice they fit in, then new
// slices; slices left empty are deleted, and a delete is turned into an
// update when a create would follow (recycling). A service without any
// endpoint keeps one empty placeholder slice. Slices of another address
// type or owned by another object (a previous service of the same name)
// are deleted. Created and updated slices carry the trigger time (when not
// zero).
func Reconcile(svc *api.Service, existing []*api.EndpointSlice, desired map[string]*portGroup, trigger time.Time, maxPerSlice int) Plan {
	var plan Plan
	labels := sliceLabels(svc)
	byPorts := map[string][]*api.EndpointSlice{}
	for _, s := range existing {
		if s.AddressType != api.AddressTypeIPv4 || !ownedBy(s, svc) {
			plan.Delete = append(plan.Delete, s)
			continue
		}
		k := portsKey(s.Ports)
		byPorts[k] = append(byPorts[k], s)
	}
	keys := slices.Sorted(maps.Keys(desired))
	for _, k := range keys {
		c, u, d := reconcilePorts(svc, byPorts[k], desired[k], labels, maxPerSlice)
		plan.Create = append(plan.Create, c...)
		plan.Update = append(plan.Update, u...)
		plan.Delete = append(plan.Delete, d...)
	}
	for _, k := range slices.Sorted(maps.Keys(byPorts)) {
		if _, ok := desired[k]; !ok {
			plan.Delete = append(plan.Delete, byPorts[k]...)
		}
	}
	// No endpoints at all: keep (or make) one empty placeholder slice.
	if len(existing) == len(plan.Delete) && len(plan.Create) == 0 {
		ph := newSlice(svc, nil)
		if len(plan.Delete) == 1 && isPlaceholder(plan.Delete[0], ph) {
			plan.Delete = nil
		} else {
			plan.Create = append(plan.Create, ph)
		}
	}
	// Recycle slices about to be deleted for slices about to be created.
	for i := 0; i < len(plan.Delete) && len(plan.Create) > 0; {
		del := plan.Delete[i]
		if del.AddressType != api.AddressTypeIPv4 || !ownedBy(del, svc) {
			i++
			continue
		}
		s := plan.Create[len(plan.Create)-1]
		plan.Create = plan.Create[:len(plan.Create)-1]
		s.Name, s.GenerateName, s.ResourceVersion, s.UID = del.Name, del.GenerateName, del.ResourceVersion, del.UID
		s.CreationTimestamp, s.Annotations = del.CreationTimestamp, maps.Clone(del.Annotations)
		plan.Update = append(plan.Update, s)
		plan.Delete = slices.Delete(plan.Delete, i, i+1)
	}
	if !trigger.IsZero() {
		for _, s := range slices.Concat(plan.Create, plan.Update) {
			if s.Annotations == nil {
				s.Annotations = map[string]string{}
			}
			s.Annotations[endpointutil.LastChangeTriggerTimeAnnotation] = endpointutil.FormatTriggerTime(trigger)
		}
	}
	return plan
}

// isPlaceholder says whether s is already the placeholder ph would be.
func isPlaceholder(s, ph *api.EndpointSlice) bool {
	return len(s.Endpoints) == 0 && len(s.Ports) == 0 && s.AddressType == ph.AddressType &&
		maps.Equal(s.Labels, ph.Labels)
}

// reconcilePorts is Kubernetes' reconcileByPortMapping for one port group.
func reconcilePorts(svc *api.Service, existing []*api.EndpointSlice, want *portGroup, labels map[string]string, maxPerSlice int) (create, update, del []*api.EndpointSlice) {
	set := newEndpointSet(want.endpoints)
	byName := map[string]*api.EndpointSlice{}
	var toUpdate, unchanged []string
	// 1. Drop endpoints no longer desired, refresh changed ones.
	for _, s := range existing {
		var keep []api.Endpoint
		changed := false
		for i := range s.Endpoints {
			k := endpointKey(&s.Endpoints[i])
			got, ok := set.byKey[k]
			if !ok {
				continue
			}
			keep = append(keep, *got)
			if !reflect.DeepEqual(*got, s.Endpoints[i]) {
				changed = true
			}
			set.take(k)
		}
		labelsChanged := !maps.Equal(s.Labels, labels)
		switch {
		case changed || len(keep) != len(s.Endpoints):
			if len(keep) == 0 {
				del = append(del, s)
				continue
			}
			c := copySlice(s)
			c.Endpoints, c.Labels = keep, maps.Clone(labels)
			byName[s.Name] = c
			toUpdate = append(toUpdate, s.Name)
		case labelsChanged:
			c := copySlice(s)
			c.Labels = maps.Clone(labels)
			byName[s.Name] = c
			toUpdate = append(toUpdate, s.Name)
		default:
			byName[s.Name] = s
			unchanged = append(unchanged, s.Name)
		}
	}
	// 2. Fill the slices being updated anyway, fullest first.
	if set.len() > 0 && len(toUpdate) > 0 {
		fill := make([]*api.EndpointSlice, 0, len(toUpdate))
		for _, n := range toUpdate {
			fill = append(fill, byName[n])
		}
		sort.SliceStable(fill, func(i, j int) bool { return len(fill[i].Endpoints) > len(fill[j].Endpoints) })
		for _, s := range fill {
			for set.len() > 0 && len(s.Endpoints) < maxPerSlice {
				s.Endpoints = append(s.Endpoints, set.pop())
			}
		}
	}
	// 3. The rest goes into an unchanged slice it fits in, or new slices.
	for set.len() > 0 {
		var target *api.EndpointSlice
		if set.len() < maxPerSlice && len(unchanged) > 0 {
			cands := make([]*api.EndpointSlice, 0, len(unchanged))
			for _, n := range unchanged {
				cands = append(cands, byName[n])
			}
			if t := sliceToFill(cands, set.len(), maxPerSlice); t != nil {
				target = copySlice(t)
				byName[t.Name] = target
				unchanged = slices.DeleteFunc(unchanged, func(n string) bool { return n == t.Name })
				toUpdate = append(toUpdate, t.Name)
			}
		}
		if target == nil {
			target = newSlice(svc, want.ports)
			create = append(create, target)
		}
		for set.len() > 0 && len(target.Endpoints) < maxPerSlice {
			target.Endpoints = append(target.Endpoints, set.pop())
		}
	}
	for _, n := range toUpdate {
		update = append(update, byName[n])
	}
	return create, update, del
}

// sliceToFill is the slice with the least room left that still fits n
// more endpoints (Kubernetes' getSliceToFill), or nil.
func sliceToFill(cands []*api.EndpointSlice, n, maxPerSlice int) *api.EndpointSlice {
	closest, best := maxPerSlice, (*api.EndpointSlice)(nil)
	for _, s := range cands {
		if d := maxPerSlice - (n + len(s.Endpoints)); d >= 0 && d < closest {
			closest, best = d, s
			if d == 0 {
				break
			}
		}
	}
	return best
}

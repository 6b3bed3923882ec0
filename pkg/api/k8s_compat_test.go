package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// k8sPairs are our types and their k8s.io/api counterparts. Every JSON
// field of ours must exist in theirs at the same path with the same JSON kind.
var k8sPairs = []struct {
	ours, theirs any
}{
	{&Namespace{}, &corev1.Namespace{}},
	{&Role{}, &rbacv1.Role{}},
	{&ClusterRole{}, &rbacv1.ClusterRole{}},
	{&RoleBinding{}, &rbacv1.RoleBinding{}},
	{&ClusterRoleBinding{}, &rbacv1.ClusterRoleBinding{}},
	{&SubjectAccessReview{}, &authorizationv1.SubjectAccessReview{}},
	{&SelfSubjectAccessReview{}, &authorizationv1.SelfSubjectAccessReview{}},
	{&LocalSubjectAccessReview{}, &authorizationv1.LocalSubjectAccessReview{}},
	{&SelfSubjectRulesReview{}, &authorizationv1.SelfSubjectRulesReview{}},
	{&List[Namespace]{}, &corev1.NamespaceList{}},
	{&Pod{}, &corev1.Pod{}},
	{&List[Pod]{}, &corev1.PodList{}},
	{&Node{}, &corev1.Node{}},
	{&List[Node]{}, &corev1.NodeList{}},
	{&Service{}, &corev1.Service{}},
	{&List[Service]{}, &corev1.ServiceList{}},
	{&Endpoints{}, &corev1.Endpoints{}},
	{&List[Endpoints]{}, &corev1.EndpointsList{}},
	{&Event{}, &corev1.Event{}},
	{&ConfigMap{}, &corev1.ConfigMap{}},
	{&Secret{}, &corev1.Secret{}},
	{&List[Event]{}, &corev1.EventList{}},
	{&Binding{}, &corev1.Binding{}},
	{&ReplicaSet{}, &appsv1.ReplicaSet{}},
	{&List[ReplicaSet]{}, &appsv1.ReplicaSetList{}},
	{&ReplicationController{}, &corev1.ReplicationController{}},
	{&List[ReplicationController]{}, &corev1.ReplicationControllerList{}},
	{&Deployment{}, &appsv1.Deployment{}},
	{&List[Deployment]{}, &appsv1.DeploymentList{}},
	{&DaemonSet{}, &appsv1.DaemonSet{}},
	{&List[DaemonSet]{}, &appsv1.DaemonSetList{}},
	{&Job{}, &batchv1.Job{}},
	{&List[Job]{}, &batchv1.JobList{}},
	{&CronJob{}, &batchv1.CronJob{}},
	{&List[CronJob]{}, &batchv1.CronJobList{}},
	{&ControllerRevision{}, &appsv1.ControllerRevision{}},
	{&List[ControllerRevision]{}, &appsv1.ControllerRevisionList{}},
	{&HorizontalPodAutoscaler{}, &autoscalingv2.HorizontalPodAutoscaler{}},
	{&List[HorizontalPodAutoscaler]{}, &autoscalingv2.HorizontalPodAutoscalerList{}},
	{&HorizontalPodAutoscalerV1{}, &autoscalingv1.HorizontalPodAutoscaler{}},
	{&Lease{}, &coordinationv1.Lease{}},
	{&List[Lease]{}, &coordinationv1.LeaseList{}},
	{&EndpointSlice{}, &discoveryv1.EndpointSlice{}},
	{&List[EndpointSlice]{}, &discoveryv1.EndpointSliceList{}},
	{&Ingress{}, &networkingv1.Ingress{}},
	{&List[Ingress]{}, &networkingv1.IngressList{}},
	{&IngressClass{}, &networkingv1.IngressClass{}},
	{&List[IngressClass]{}, &networkingv1.IngressClassList{}},
	{&Scale{}, &autoscalingv1.Scale{}},
	{&Status{}, &metav1.Status{}},
	{&DeleteOptions{}, &metav1.DeleteOptions{}},
	{&WatchEvent{}, &metav1.WatchEvent{}},
	{&Table{}, &metav1.Table{}},
}

// JSON kinds of a value; kindAny matches every kind (raw JSON).
const (
	kindAny         = "any"
	kindObject      = "object"
	kindMap         = "map"
	kindArray       = "array"
	kindString      = "string"
	kindNumber      = "number"
	kindBool        = "bool"
	kindIntOrString = "int-or-string"
)

var (
	rawMessageType  = reflect.TypeOf(json.RawMessage(nil))
	rawExtType      = reflect.TypeOf(runtime.RawExtension{})
	quantityType    = reflect.TypeOf(resource.Quantity{})
	intOrStringType = reflect.TypeOf(intstr.IntOrString{})
	// Timestamps marshal as strings (or null).
	stringStructs = map[reflect.Type]bool{
		reflect.TypeOf(Time{}): true, reflect.TypeOf(MicroTime{}): true, quantityType: true,
		reflect.TypeOf(metav1.Time{}): true, reflect.TypeOf(metav1.MicroTime{}): true,
	}
)

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// jsonKind is the JSON shape a Go type marshals to.
func jsonKind(t reflect.Type) string {
	t = deref(t)
	switch {
	case t == rawMessageType || t == rawExtType || t.Kind() == reflect.Interface:
		return kindAny
	case stringStructs[t]:
		return kindString
	case t == intOrStringType:
		return kindIntOrString
	}
	switch t.Kind() {
	case reflect.Struct:
		return kindObject
	case reflect.Map:
		return kindMap
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return kindString // base64
		}
		return kindArray
	case reflect.String:
		return kindString
	case reflect.Bool:
		return kindBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return kindNumber
	}
	return t.Kind().String()
}

// jsonField is one field as encoding/json sees it: its name and the index
// path through inlined (anonymous, unnamed) structs.
type jsonField struct {
	name  string
	index []int
	typ   reflect.Type
}

// jsonFields lists the JSON fields of struct type t, inlined structs flattened.
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" && f.Anonymous && deref(f.Type).Kind() == reflect.Struct {
			for _, sub := range jsonFields(deref(f.Type)) {
				sub.index = append([]int{i}, sub.index...)
				out = append(out, sub)
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name: name, index: []int{i}, typ: f.Type})
	}
	return out
}

// walkStatic compares the JSON fields of ours with theirs recursively and
// reports each field of ours that theirs lacks or shapes differently.
func walkStatic(path string, ours, theirs reflect.Type, report func(string)) {
	ours, theirs = deref(ours), deref(theirs)
	ok, tk := jsonKind(ours), jsonKind(theirs)
	if ok == kindAny || tk == kindAny {
		return
	}
	if ok != tk {
		report(fmt.Sprintf("%s: ours is %s (%s), Kubernetes' is %s (%s)", path, ok, ours, tk, theirs))
		return
	}
	switch ok {
	case kindObject:
		theirFields := map[string]jsonField{}
		for _, f := range jsonFields(theirs) {
			theirFields[f.name] = f
		}
		for _, f := range jsonFields(ours) {
			tf, found := theirFields[f.name]
			if !found {
				report(fmt.Sprintf("%s.%s: not a field of %s", path, f.name, theirs))
				continue
			}
			walkStatic(path+"."+f.name, f.typ, tf.typ, report)
		}
	case kindMap:
		walkStatic(path+"[key]", ours.Elem(), theirs.Elem(), report)
	case kindArray:
		walkStatic(path+"[]", ours.Elem(), theirs.Elem(), report)
	}
}

func TestJSONNamesMatchKubernetes(t *testing.T) {
	for _, p := range k8sPairs {
		ours, theirs := reflect.TypeOf(p.ours), reflect.TypeOf(p.theirs)
		t.Run(deref(ours).Name(), func(t *testing.T) {
			walkStatic(deref(theirs).Name(), ours, theirs, func(msg string) { t.Error(msg) })
		})
	}
}

// fill sets every field reachable from v to a non-zero value: one element
// per slice and map, a valid value for the types with their own JSON form.
func fill(v reflect.Value, depth int) {
	if depth > 30 {
		return
	}
	switch v.Type() {
	case reflect.TypeOf(Time{}):
		v.Set(reflect.ValueOf(NewTime(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC))))
		return
	case reflect.TypeOf(MicroTime{}):
		v.Set(reflect.ValueOf(MicroTime{time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)}))
		return
	case quantityType:
		v.Set(reflect.ValueOf(resource.MustParse("250m")))
		return
	case intOrStringType:
		v.Set(reflect.ValueOf(intstr.FromString("http")))
		return
	case rawMessageType:
		v.Set(reflect.ValueOf(json.RawMessage(`{"manager":"m","operation":"Update"}`)))
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k := reflect.New(v.Type().Key()).Elem()
		fill(k, depth+1)
		e := reflect.New(v.Type().Elem()).Elem()
		fill(e, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Interface:
		v.Set(reflect.ValueOf("cell"))
	case reflect.String:
		v.SetString("v")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(7)
	}
}

// lostPaths lists the paths of a (generic JSON) that b lacks or holds a
// different value at.
func lostPaths(path string, a, b any) []string {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %v became %v", path, a, b)}
		}
		var out []string
		for k, x := range av {
			y, found := bv[k]
			if !found {
				out = append(out, path+"."+k+": lost")
				continue
			}
			out = append(out, lostPaths(path+"."+k, x, y)...)
		}
		return out
	case []any:
		bv, ok := b.([]any)
		if !ok || len(bv) != len(av) {
			return []string{fmt.Sprintf("%s: %v became %v", path, a, b)}
		}
		var out []string
		for i := range av {
			out = append(out, lostPaths(fmt.Sprintf("%s[%d]", path, i), av[i], bv[i])...)
		}
		return out
	default:
		if !reflect.DeepEqual(a, b) {
			return []string{fmt.Sprintf("%s: %v became %v", path, a, b)}
		}
		return nil
	}
}

func TestJSONRoundTripThroughKubernetesTypes(t *testing.T) {
	for _, p := range k8sPairs {
		name := deref(reflect.TypeOf(p.ours)).Name()
		t.Run(name, func(t *testing.T) {
			ours := reflect.New(deref(reflect.TypeOf(p.ours)))
			fill(ours.Elem(), 0)
			a, err := json.Marshal(ours.Interface())
			if err != nil {
				t.Fatalf("marshal ours: %v", err)
			}
			theirs := reflect.New(deref(reflect.TypeOf(p.theirs))).Interface()
			if err := json.Unmarshal(a, theirs); err != nil {
				t.Fatalf("unmarshal into %T: %v\n%s", theirs, err, a)
			}
			b, err := json.Marshal(theirs)
			if err != nil {
				t.Fatalf("marshal %T: %v", theirs, err)
			}
			var ga, gb any
			if err := json.Unmarshal(a, &ga); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &gb); err != nil {
				t.Fatal(err)
			}
			lost := lostPaths(name, ga, gb)
			sort.Strings(lost)
			for _, l := range lost {
				t.Error(l)
			}
		})
	}
}

// TestFillReachesEveryField guards the round trip: a field fill left zero
// would be dropped by omitempty and never compared.
func TestFillReachesEveryField(t *testing.T) {
	var pod Pod
	fill(reflect.ValueOf(&pod).Elem(), 0)
	b, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"lastState":{`, `"exitCode":7`, `"creationTimestamp":"2024-05-06T07:08:09Z"`, `"port":"http"`, `"sizeLimit":"250m"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("filled pod lacks %s:\n%s", want, b)
		}
	}
}

// TestStaticAuditCatchesMismatches guards the audit itself: a renamed
// field, a field of another JSON kind and a nested one are all reported.
func TestStaticAuditCatchesMismatches(t *testing.T) {
	type badStatus struct {
		LastState ContainerState `json:"lastTerminationState"`
		Ready     string         `json:"ready"`
		State     struct {
			Terminated *struct {
				ExitCode int32 `json:"exitcode"`
			} `json:"terminated"`
		} `json:"state"`
	}
	var got []string
	walkStatic("ContainerStatus", reflect.TypeOf(badStatus{}), reflect.TypeOf(corev1.ContainerStatus{}), func(m string) { got = append(got, m) })
	want := []string{
		"ContainerStatus.lastTerminationState: not a field of v1.ContainerStatus",
		"ContainerStatus.ready: ours is string (string), Kubernetes' is bool (bool)",
		"ContainerStatus.state.terminated.exitcode: not a field of v1.ContainerStateTerminated",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("reports:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

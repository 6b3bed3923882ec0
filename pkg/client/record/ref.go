package record

import (
	"reflect"

	"minik8s/pkg/api"
)

// fieldPathObject is an object with the field path an event is about.
type fieldPathObject struct {
	api.Object
	fieldPath string
}

// WithFieldPath returns obj annotated with a field path (as
// "spec.containers{web}"), which events about it carry in
// involvedObject.fieldPath.
func WithFieldPath(obj api.Object, fieldPath string) api.Object {
	return fieldPathObject{Object: obj, fieldPath: fieldPath}
}

// Reference is the object reference events about obj carry. Kind and
// apiVersion come from the object's TypeMeta, else from its registered type.
func Reference(obj api.Object) api.ObjectReference {
	fieldPath := ""
	if fp, ok := obj.(fieldPathObject); ok {
		obj, fieldPath = fp.Object, fp.fieldPath
	}
	tm, m := obj.GetTypeMeta(), obj.GetObjectMeta()
	ref := api.ObjectReference{
		Kind: tm.Kind, APIVersion: tm.APIVersion,
		Namespace: m.Namespace, Name: m.Name, UID: m.UID,
		ResourceVersion: m.ResourceVersion, FieldPath: fieldPath,
	}
	if ref.Kind == "" || ref.APIVersion == "" {
		want := reflect.TypeOf(obj)
		for _, r := range api.Resources {
			if reflect.TypeOf(r.New()) == want {
				ref.Kind, ref.APIVersion = r.Kind, r.APIVersion()
				break
			}
		}
	}
	return ref
}

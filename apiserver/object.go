package apiserver

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"strconv"

	"minik8s/apiserver/storage"
	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
)

// This file holds the pure steps of create and update: what the server
// sets, keeps and resets on an object. The handlers do the I/O.

// toMap converts an object to its generic JSON form.
func toMap(obj any) (map[string]any, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encoding object: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decoding object: %w", err)
	}
	return m, nil
}

// fromMap converts the generic JSON form back into a typed object.
func fromMap(info *api.ResourceInfo, m map[string]any) (api.Object, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encoding object: %w", err)
	}
	obj := api.NewFor(info)
	if err := json.Unmarshal(b, obj); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", info.Kind, err)
	}
	return obj, nil
}

// encodeStored is the etcd form of an object: no resourceVersion (etcd's
// mod_revision is the truth) and no selfLink.
func encodeStored(obj api.Object) ([]byte, error) {
	m := obj.GetObjectMeta()
	rv, sl := m.ResourceVersion, m.SelfLink
	m.ResourceVersion, m.SelfLink = "", ""
	defer func() { m.ResourceVersion, m.SelfLink = rv, sl }()
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encoding %s %s: %w", obj.GetTypeMeta().Kind, m.Name, err)
	}
	return b, nil
}

// listStored lists and decodes the stored objects of info in namespace
// ("" for all), as T.
func listStored[T api.Object](ctx context.Context, st storage.Interface, info *api.ResourceInfo, namespace string) ([]T, error) {
	kvs, _, err := st.List(ctx, storagePrefix(info, namespace))
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(kvs))
	for _, kv := range kvs {
		obj, err := decodeStored(info, kv.Value, kv.ModRevision)
		if err != nil {
			return nil, err
		}
		out = append(out, obj.(T))
	}
	return out, nil
}

// decodeStored reads the etcd form and sets resourceVersion to rev.
func decodeStored(info *api.ResourceInfo, value []byte, rev int64) (api.Object, error) {
	obj := api.NewFor(info)
	if err := json.Unmarshal(value, obj); err != nil {
		return nil, fmt.Errorf("decoding stored %s: %w", info.Kind, err)
	}
	// Defaults apply on the way out of storage too, as Kubernetes' decode
	// does: an object stored by an older minik8s gets the fields defaulted
	// since, so an update that sends it back is not a change of them.
	validation.Default(obj)
	tm := obj.GetTypeMeta()
	tm.APIVersion, tm.Kind = info.APIVersion(), info.Kind
	obj.GetObjectMeta().ResourceVersion = strconv.FormatInt(rev, 10)
	return obj, nil
}

// checkTypeAndNamespace applies the URL's kind and namespace to a decoded
// body: empty kind/apiVersion/namespace are filled in, different ones are
// a bad request. For a cluster-scoped kind the namespace is cleared.
func checkTypeAndNamespace(info *api.ResourceInfo, obj api.Object, namespace string) error {
	tm := obj.GetTypeMeta()
	if (tm.Kind != "" && tm.Kind != info.Kind) || (tm.APIVersion != "" && tm.APIVersion != info.APIVersion()) {
		return errBadRequest(fmt.Sprintf("the API version in the data (%s) and kind (%s) do not match the resource %s (want %s %s)",
			tm.APIVersion, tm.Kind, info.GroupResource(), info.APIVersion(), info.Kind))
	}
	tm.APIVersion, tm.Kind = info.APIVersion(), info.Kind
	m := obj.GetObjectMeta()
	if !info.Namespaced {
		m.Namespace = ""
		return nil
	}
	if m.Namespace == "" {
		m.Namespace = namespace
	} else if m.Namespace != namespace {
		return errBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	return nil
}

// nameChars are the characters of generated name suffixes (no vowels, as
// Kubernetes does, so no words are formed).
const nameChars = "bcdfghjklmnpqrstvwxz2456789"

// generateName returns base plus five random characters.
func generateName(base string) string {
	const maxBase = 63 - 5
	if len(base) > maxBase {
		base = base[:maxBase]
	}
	b := []byte(base)
	for i := 0; i < 5; i++ {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(nameChars))))
		b = append(b, nameChars[n.Int64()])
	}
	return string(b)
}

// newUID returns a random RFC 4122 version 4 UUID.
func newUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// prepareCreate sets the server-owned metadata of a new object; the
// resource's strategy then resets what else it owns (status).
func prepareCreate(obj api.Object, now api.Time, uid string) {
	m := obj.GetObjectMeta()
	m.UID = uid
	m.CreationTimestamp = now
	m.ResourceVersion = ""
	m.SelfLink = ""
	m.Generation = 1
	m.DeletionTimestamp = nil
	m.DeletionGracePeriodSeconds = nil
}

// prepareUpdate merges an update into the stored object. For the main
// resource of a kind with a status subresource the stored status is kept;
// for sub "status" only the status is taken from newObj. Server-owned
// metadata is kept, defaults are applied and generation grows when the
// (defaulted) spec changes.
func prepareUpdate(info *api.ResourceInfo, sub string, newObj, oldObj api.Object) (api.Object, error) {
	nm, err := toMap(newObj)
	if err != nil {
		return nil, err
	}
	om, err := toMap(oldObj)
	if err != nil {
		return nil, err
	}
	var res map[string]any
	switch {
	case sub == "status":
		// The status keeps the stored metadata, but a changed uid is
		// refused as on the main resource (ValidateObjectMetaUpdate).
		if nu, ou := newObj.GetObjectMeta().UID, oldObj.GetObjectMeta().UID; nu != "" && nu != ou {
			return nil, errInvalid(info, oldObj.GetObjectMeta().Name, validation.ErrorList{
				validation.Invalid("metadata.uid", nu, "field is immutable")})
		}
		res = om
		if st, ok := nm["status"]; ok {
			res["status"] = st
		} else {
			delete(res, "status")
		}
	case info.HasStatus:
		res = nm
		if st, ok := om["status"]; ok {
			res["status"] = st
		} else {
			delete(res, "status")
		}
	default:
		res = nm
	}
	out, err := fromMap(info, res)
	if err != nil {
		return nil, err
	}
	validation.Default(out) // like Kubernetes, defaults apply to every write
	o, n := oldObj.GetObjectMeta(), out.GetObjectMeta()
	n.Name, n.Namespace = o.Name, o.Namespace
	// As Kubernetes' rest.BeforeUpdate: an empty uid keeps the stored one,
	// creationTimestamp is reset, a deletionTimestamp or grace period once
	// set cannot be removed; any other change of uid or of the deletion
	// fields is left for ValidateUpdate to refuse (field is immutable).
	if n.UID == "" {
		n.UID = o.UID
	}
	n.CreationTimestamp = o.CreationTimestamp
	if o.DeletionTimestamp != nil {
		n.DeletionTimestamp = o.DeletionTimestamp
	}
	if o.DeletionGracePeriodSeconds != nil && n.DeletionGracePeriodSeconds == nil {
		n.DeletionGracePeriodSeconds = o.DeletionGracePeriodSeconds
	}
	n.GenerateName = o.GenerateName
	n.SelfLink = ""
	n.Generation = o.Generation
	if n.Generation == 0 {
		n.Generation = 1
	}
	strategyFor(info).PrepareForUpdate(out, oldObj)
	outMap, err := toMap(out) // the spec as it will be stored
	if err != nil {
		return nil, err
	}
	if sub == "" && !reflect.DeepEqual(outMap["spec"], om["spec"]) {
		n.Generation++
	}
	return out, nil
}

// parseRV parses a resourceVersion ("" is 0).
func parseRV(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, errBadRequest(fmt.Sprintf("invalid resource version %q", s))
	}
	return v, nil
}

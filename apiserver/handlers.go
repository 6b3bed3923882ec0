package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"minik8s/apiserver/storage"
	"minik8s/pkg/api"
	"minik8s/pkg/api/decode"
	"minik8s/pkg/api/validation"
	"minik8s/pkg/fields"
	"minik8s/pkg/labels"
)

// serveResource serves a resource path by verb; sr is the subresource
// the route names, if any.
func (s *Server) serveResource(w http.ResponseWriter, r *http.Request, rt route, sr *subresource) {
	r, err := withDryRun(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if sr != nil {
		if !slices.Contains(sr.methods, r.Method) {
			writeError(w, errMethodNotAllowed(r.Method, rt.info.Resource+"/"+rt.sub))
			return
		}
		if err := sr.serve(s, w, r, rt); err != nil {
			writeError(w, mapStoreError(err, rt))
		}
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		switch {
		case isWatch(r):
			s.watch(w, r, rt)
			return
		case rt.name == "":
			err = s.list(w, r, rt)
		default:
			err = s.get(w, r, rt)
		}
	case http.MethodPost:
		if rt.name != "" {
			err = errMethodNotAllowed(r.Method, rt.info.Resource+"/"+rt.name)
		} else {
			err = s.create(w, r, rt)
		}
	case http.MethodPut:
		if rt.name == "" {
			err = errMethodNotAllowed(r.Method, rt.info.Resource)
		} else {
			err = s.update(w, r, rt)
		}
	case http.MethodPatch:
		if rt.name == "" {
			err = errMethodNotAllowed(r.Method, rt.info.Resource)
		} else {
			err = s.patch(w, r, rt)
		}
	case http.MethodDelete:
		if rt.name == "" {
			err = s.deleteCollection(w, r, rt)
		} else {
			err = s.delete(w, r, rt)
		}
	default:
		err = errMethodNotAllowed(r.Method, rt.info.Resource)
	}
	if err != nil {
		writeError(w, mapStoreError(err, rt))
	}
}

// mapStoreError turns storage and context errors into Status errors.
func mapStoreError(err error, rt route) error {
	var se *statusError
	switch {
	case errors.As(err, &se):
		return se
	case errors.Is(err, storage.ErrNotFound):
		return errNotFound(rt.info, rt.name)
	case errors.Is(err, storage.ErrExists):
		return errAlreadyExists(rt.info, rt.name)
	case errors.Is(err, storage.ErrConflict):
		return errConflict(rt.info, rt.name, staleMessage)
	case errors.Is(err, storage.ErrTooLarge):
		// Kubernetes' 413, without the store's own words (its key).
		return errTooLarge(fmt.Sprintf("%s %q is too large to store", rt.info.GroupResource(), rt.name))
	case errors.Is(err, context.DeadlineExceeded):
		return newStatusError(http.StatusGatewayTimeout, reasonTimeout,
			"The request did not complete within the allowed duration", details(rt.info, rt.name))
	}
	return errInternal(err)
}

func isWatch(r *http.Request) bool {
	return queryBool(r.URL.Query().Get("watch"))
}

// readBody reads a request body up to the size limit.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errTooLarge(fmt.Sprintf("limit is %d", s.opts.MaxBodyBytes))
		}
		return nil, errBadRequest(fmt.Sprintf("reading request body: %v", err))
	}
	return b, nil
}

// bodyMediaTypes are the media types a create or update body may have, in
// the order Kubernetes lists them in its 415 message.
var bodyMediaTypes = []string{"application/json", "application/yaml", "application/vnd.kubernetes.protobuf"}

// checkBodyType accepts JSON, YAML and (for the real kubectl's typed
// clients) Kubernetes protobuf bodies; anything else is Kubernetes' 415
// (negotiation.NewUnsupportedMediaTypeError). Unlike Kubernetes, which
// reads a body without a Content-Type as JSON, a body without one is
// refused too: a web page can send such a body cross-origin without a
// preflight (docs/security/lockdown.md).
func checkBodyType(r *http.Request) (isProtobuf bool, err error) {
	ct := r.Header.Get("Content-Type")
	mt, _, perr := mime.ParseMediaType(ct)
	if perr != nil {
		mt = ct
	}
	switch mt {
	case "application/json", "application/yaml", "application/x-yaml", "text/yaml":
		return false, nil
	case "application/vnd.kubernetes.protobuf":
		return true, nil
	}
	return false, errUnsupportedMediaType(bodyMediaTypes)
}

// errUnsupportedMediaType is Kubernetes' 415 naming the accepted types.
func errUnsupportedMediaType(accepted []string) *statusError {
	return newStatusError(http.StatusUnsupportedMediaType, reasonUnsupportedMedia,
		"the body of the request was in an unknown format - accepted media types include: "+strings.Join(accepted, ", "), nil)
}

// decodeBody decodes a body into a new object of the route's kind under
// the request's field validation, and returns the warnings to send.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, rt route, options string) (api.Object, []string, error) {
	mode, err := fieldValidationOf(r, options)
	if err != nil {
		return nil, nil, err
	}
	isProto, err := checkBodyType(r)
	if err != nil {
		return nil, nil, err
	}
	b, err := s.readBody(w, r)
	if err != nil {
		return nil, nil, err
	}
	in := rt.served()
	if isProto {
		if b, err = protobufToJSON(in, b); err != nil {
			return nil, nil, err
		}
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil, nil, errBadRequest("the request body is empty")
	}
	// Kind and apiVersion first, so a wrong kind is reported as such
	// rather than as a list of unknown fields.
	var tm api.TypeMeta
	unmarshal := yaml.Unmarshal
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
		unmarshal = func(b []byte, v any, _ ...yaml.JSONOpt) error { return json.Unmarshal(b, v) }
	}
	if err := unmarshal(b, &tm); err != nil {
		return nil, nil, errBadRequest(fmt.Sprintf("invalid request body: %v", err))
	}
	obj := in.New()
	*obj.GetTypeMeta() = tm
	if err := checkTypeAndNamespace(in, obj, rt.namespace); err != nil {
		return nil, nil, err
	}
	warnings, err := decodeFields(in, b, obj, mode)
	if err != nil {
		return nil, nil, err
	}
	if err := checkTypeAndNamespace(in, obj, rt.namespace); err != nil {
		return nil, nil, err
	}
	if obj, err = rt.toStorage(obj); err != nil {
		return nil, nil, err
	}
	return obj, warnings, nil
}

// getObject reads one object from storage.
func (s *Server) getObject(ctx context.Context, info *api.ResourceInfo, namespace, name string) (api.Object, int64, error) {
	kv, err := s.store.Get(ctx, storageKey(info, namespace, name))
	if err != nil {
		return nil, 0, err
	}
	obj, err := decodeStored(info, kv.Value, kv.ModRevision)
	if err != nil {
		return nil, 0, err
	}
	return obj, kv.ModRevision, nil
}

func (s *Server) get(w http.ResponseWriter, r *http.Request, rt route) error {
	ro, err := parseGetOptions(r.URL.Query())
	if err != nil {
		return err
	}
	if err := s.waitForRevision(r.Context(), ro.rv); err != nil { // not older than (readoptions.go)
		return err
	}
	obj, _, err := s.getObject(r.Context(), rt.info, rt.namespace, rt.name)
	if err != nil {
		return err
	}
	return s.writeObject(w, r, rt, http.StatusOK, obj)
}

// selectors parses labelSelector and fieldSelector of a request.
type selectors struct {
	label labels.Selector
	field fields.Selector
}

func parseSelectors(info *api.ResourceInfo, q url.Values, name string) (selectors, error) {
	ls, err := labels.Parse(q.Get("labelSelector"))
	if err != nil {
		return selectors{}, errBadRequest(fmt.Sprintf("unable to parse requirement: %v", err))
	}
	fsText := q.Get("fieldSelector")
	if name != "" {
		if fsText != "" {
			fsText += ","
		}
		fsText += "metadata.name=" + name
	}
	fs, err := fields.Parse(fsText)
	if err != nil {
		return selectors{}, errBadRequest(fmt.Sprintf("invalid field selector: %v", err))
	}
	if err := fields.ValidateFor(info, fs); err != nil {
		return selectors{}, errBadRequest(err.Error())
	}
	return selectors{label: ls, field: fs}, nil
}

// matches: the zero selectors match everything.
func (sel selectors) matches(obj api.Object) bool {
	if sel.label != nil && !sel.label.Empty() && !sel.label.Matches(obj.GetObjectMeta().Labels) {
		return false
	}
	if sel.field != nil && !sel.field.Empty() && !sel.field.Matches(fields.ObjectFields(obj)) {
		return false
	}
	return true
}

// listObjects reads a collection, filtered, with the read revision.
func (s *Server) listObjects(ctx context.Context, info *api.ResourceInfo, namespace string, sel selectors) ([]api.Object, int64, error) {
	kvs, rev, err := s.store.List(ctx, storagePrefix(info, namespace))
	if err != nil {
		return nil, 0, err
	}
	objs := make([]api.Object, 0, len(kvs))
	for _, kv := range kvs {
		obj, err := decodeStored(info, kv.Value, kv.ModRevision)
		if err != nil {
			return nil, 0, err
		}
		if sel.matches(obj) {
			objs = append(objs, obj)
		}
	}
	return objs, rev, nil
}

// listBody is the JSON form of PodList, ServiceList, ...
type listBody struct {
	Kind       string       `json:"kind"`
	APIVersion string       `json:"apiVersion"`
	Metadata   api.ListMeta `json:"metadata"`
	Items      []api.Object `json:"items"`
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, rt route) error {
	ro, err := parseListOptions(r.URL.Query(), false) // readoptions.go
	if err != nil {
		return err
	}
	sel, err := parseSelectors(rt.info, r.URL.Query(), "")
	if err != nil {
		return err
	}
	limit, token, err := pagingParams(r)
	if err != nil {
		return err
	}
	if !ro.exact {
		if err := s.waitForRevision(r.Context(), ro.rv); err != nil {
			return err
		}
	}
	meta := api.ListMeta{}
	var objs []api.Object
	if limit == 0 && token == "" && !ro.exact {
		var rev int64
		if objs, rev, err = s.listObjects(r.Context(), rt.info, rt.namespace, sel); err != nil {
			return err
		}
		meta.ResourceVersion = strconv.FormatInt(rev, 10)
	} else {
		var atRev int64
		if ro.exact {
			atRev = ro.rv
		}
		page, err := s.listPaged(r.Context(), rt.info, rt.namespace, sel, limit, token, atRev)
		if err != nil {
			return err
		}
		objs = page.items
		if objs == nil {
			objs = []api.Object{}
		}
		meta = api.ListMeta{ResourceVersion: strconv.FormatInt(page.rev, 10), Continue: page.cont, RemainingItemCount: page.remaining}
	}
	if wantTable(r) {
		return s.writeTable(w, r, rt, objs, meta)
	}
	if objs, err = rt.toServedAll(objs); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listBody{Kind: rt.served().ListKind(), APIVersion: rt.served().APIVersion(), Metadata: meta, Items: objs})
	return nil
}

// checkNamespaceOpen answers 404 for a missing namespace and 403 for one
// being deleted.
func (s *Server) checkNamespaceOpen(ctx context.Context, info *api.ResourceInfo, ns, name string) error {
	if !info.Namespaced {
		return nil
	}
	if phase, ok := s.namespaces.lookup(ns); ok {
		if phase == api.NamespaceTerminating {
			return errForbidden(info, name, fmt.Sprintf("unable to create new content in namespace %s because it is being terminated", ns))
		}
		return nil
	}
	nsObj, _, err := s.getObject(ctx, namespaceInfo(), "", ns)
	if errors.Is(err, storage.ErrNotFound) {
		return errNamespaceNotFound(ns)
	}
	if err != nil {
		return err
	}
	if nsObj.(*api.Namespace).Status.Phase == api.NamespaceTerminating {
		return errForbidden(info, name, fmt.Sprintf("unable to create new content in namespace %s because it is being terminated", ns))
	}
	return nil
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, rt route) error {
	if rt.info.Namespaced && rt.namespace == "" {
		return errMethodNotAllowed(r.Method, rt.info.Resource+" across all namespaces")
	}
	obj, warnings, err := s.decodeBody(w, r, rt, "CreateOptions")
	if err != nil {
		return err
	}
	created, err := s.createObject(r.Context(), rt.info, obj)
	if err != nil {
		return err
	}
	addWarnings(w, append(warnings, admissionWarnings(r.Context())...))
	return s.writeObject(w, r, rt, http.StatusCreated, created)
}

// createObject defaults, validates, sets server fields and stores a new
// object. It is also used for the system namespaces.
func (s *Server) createObject(ctx context.Context, info *api.ResourceInfo, obj api.Object) (api.Object, error) {
	m := obj.GetObjectMeta()
	if m.Name == "" && m.GenerateName == "" {
		return nil, errInvalid(info, "", validation.ErrorList{{Field: "metadata.name", Type: validation.TypeRequired,
			Detail: "name or generateName is required"}})
	}
	generated := m.Name == ""
	if generated {
		m.Name = generateName(m.GenerateName)
	}
	rt := route{info: info, namespace: m.Namespace, name: m.Name}
	if err := s.checkNamespaceOpen(ctx, info, m.Namespace, m.Name); err != nil {
		return nil, err
	}
	st := strategyFor(info)
	prepareCreate(obj, api.Now(), newUID())
	st.PrepareForCreate(info, obj)
	validation.Default(obj)
	if errs := st.Validate(obj); len(errs) > 0 {
		return nil, errInvalid(info, m.Name, errs)
	}
	if err := admitNodeRestriction(ctx, info, "", obj, nil); err != nil { // noderestriction.go
		return nil, err
	}
	if err := s.admitPodSecurity(ctx, info, "", obj, nil); err != nil { // admission_podsecurity.go
		return nil, err
	}
	finish, err := st.BeginCreate(ctx, s, obj)
	if err != nil {
		return nil, err
	}
	written := false
	defer func() { runFinish(finish, written) }()
	for attempt := 0; ; attempt++ {
		b, err := encodeStored(obj)
		if err != nil {
			return nil, err
		}
		rev, err := s.store.Create(ctx, storageKey(info, m.Namespace, m.Name), b)
		if errors.Is(err, storage.ErrExists) && generated && attempt < 5 {
			m.Name = generateName(m.GenerateName)
			continue
		}
		if err != nil {
			rt.name = m.Name
			return nil, mapStoreError(err, rt)
		}
		written = true
		m.ResourceVersion = strconv.FormatInt(rev, 10)
		return obj, nil
	}
}

func (s *Server) update(w http.ResponseWriter, r *http.Request, rt route) error {
	obj, warnings, err := s.decodeBody(w, r, rt, "UpdateOptions")
	if err != nil {
		return err
	}
	if n := obj.GetObjectMeta().Name; n != rt.name {
		return errBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", n, rt.name))
	}
	out, err := s.updateObject(r.Context(), rt, obj)
	if err != nil {
		return err
	}
	addWarnings(w, append(warnings, admissionWarnings(r.Context())...))
	return s.writeObject(w, r, rt, http.StatusOK, out)
}

// updateObject stores obj over the current object. A resourceVersion in
// obj is a precondition (409 if stale); without one the update is
// unconditional and retried on concurrent writes.
func (s *Server) updateObject(ctx context.Context, rt route, obj api.Object) (api.Object, error) {
	want, err := parseRV(obj.GetObjectMeta().ResourceVersion)
	if err != nil {
		return nil, err
	}
	return s.guaranteedUpdate(ctx, rt.info, rt.namespace, rt.name, func(cur api.Object, rev int64) (api.Object, finishFunc, error) {
		if err := preconditionRV(rt, want, rev); err != nil {
			return nil, nil, err
		}
		return s.updateFrom(ctx, rt, obj, cur)
	})
}

// deleteOptions reads the optional DeleteOptions body (or query):
// deleteoptions.go.
func (s *Server) deleteOptions(w http.ResponseWriter, r *http.Request) (*api.DeleteOptions, error) {
	b, err := s.readBody(w, r)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(b, protobufMagic) {
		if b, err = deleteOptionsFromProtobuf(b); err != nil {
			return nil, err
		}
	}
	return decodeDeleteOptions(b, r.URL.Query())
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request, rt route) error {
	opts, err := s.deleteOptions(w, r)
	if err != nil {
		return err
	}
	ctx, err := deleteDryRun(r.Context(), opts)
	if err != nil {
		return err
	}
	obj, err := strategyFor(rt.info).Delete(ctx, s, rt, opts, r.URL.Query())
	if err != nil {
		return err
	}
	return s.writeObject(w, r, rt, http.StatusOK, obj)
}

func (s *Server) deleteCollection(w http.ResponseWriter, r *http.Request, rt route) error {
	st := strategyFor(rt.info)
	if !st.AllowDeleteCollection() {
		return errMethodNotAllowed(r.Method, rt.info.Resource+" collection")
	}
	sel, err := parseSelectors(rt.info, r.URL.Query(), "")
	if err != nil {
		return err
	}
	opts, err := s.deleteOptions(w, r)
	if err != nil {
		return err
	}
	opts.Preconditions = nil
	objs, _, err := s.listObjects(r.Context(), rt.info, rt.namespace, sel)
	if err != nil {
		return err
	}
	deleted := make([]api.Object, 0, len(objs))
	var lastRV string
	for _, o := range objs {
		m := o.GetObjectMeta()
		ort := route{info: rt.info, namespace: m.Namespace, name: m.Name}
		d, err := st.Delete(r.Context(), s, ort, opts, r.URL.Query())
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		lastRV = d.GetObjectMeta().ResourceVersion
		deleted = append(deleted, d)
	}
	if deleted, err = rt.toServedAll(deleted); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listBody{Kind: rt.served().ListKind(), APIVersion: rt.served().APIVersion(),
		Metadata: api.ListMeta{ResourceVersion: lastRV}, Items: deleted})
	return nil
}

// bind handles POST pods/{name}/binding: it sets spec.nodeName of an
// unbound pod and marks it scheduled.
func (s *Server) bind(w http.ResponseWriter, r *http.Request, rt route) error {
	if _, err := checkBodyType(r); err != nil {
		return err
	}
	b, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	var binding api.Binding
	if err := decode.DecodeInto(b, &binding); err != nil {
		return errBadRequest(fmt.Sprintf("strict decoding error: %v", err))
	}
	if binding.Kind != "" && binding.Kind != "Binding" {
		return errBadRequest(fmt.Sprintf("expected kind Binding, got %s", binding.Kind))
	}
	if binding.Name != "" && binding.Name != rt.name {
		return errBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", binding.Name, rt.name))
	}
	if errs := validation.ValidatePodBinding(&binding); len(errs) > 0 {
		return errInvalid(rt.info, rt.name, errs)
	}
	wantRV, err := parseRV(binding.ResourceVersion)
	if err != nil {
		return err
	}
	brt := route{info: rt.info, namespace: rt.namespace, name: rt.name}
	_, err = s.guaranteedUpdate(r.Context(), rt.info, rt.namespace, rt.name, func(obj api.Object, rev int64) (api.Object, finishFunc, error) {
		pod := obj.(*api.Pod)
		// Kubernetes' preconditions: the binding's uid and
		// resourceVersion, if set, are the pod's.
		if binding.UID != "" && binding.UID != pod.UID {
			return nil, nil, errConflict(rt.info, rt.name, "Precondition failed: UID in precondition does not match the pod")
		}
		if err := preconditionRV(brt, wantRV, rev); err != nil {
			return nil, nil, err
		}
		if pod.DeletionTimestamp != nil {
			return nil, nil, bindingConflict(rt, fmt.Sprintf("pod %s is being deleted, cannot be assigned to a host", rt.name))
		}
		if pod.Spec.NodeName != "" {
			return nil, nil, bindingConflict(rt, fmt.Sprintf("pod %s is already assigned to node %q", rt.name, pod.Spec.NodeName))
		}
		pod.Spec.NodeName = binding.Target.Name
		for k, v := range binding.Annotations {
			if pod.Annotations == nil {
				pod.Annotations = map[string]string{}
			}
			pod.Annotations[k] = v
		}
		// The binding's annotations are valid on their own; together
		// with the pod's they must still fit the pod's limit.
		if errs := validation.ValidateAnnotations(pod.Annotations, "metadata.annotations"); len(errs) > 0 {
			return nil, nil, errInvalid(rt.info, rt.name, errs)
		}
		setPodCondition(&pod.Status, api.PodCondition{Type: api.PodScheduled, Status: api.ConditionTrue, LastTransitionTime: api.Now()})
		return pod, nil, nil
	})
	if err != nil {
		return mapStoreError(err, brt)
	}
	writeJSON(w, http.StatusCreated, api.Status{TypeMeta: api.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: "Success", Code: http.StatusCreated})
	return nil
}

// bindingConflict is Kubernetes' 409 of pods/binding (NewConflict on
// pods/binding wrapping the reason).
func bindingConflict(rt route, why string) error {
	return newStatusError(http.StatusConflict, reasonConflict,
		fmt.Sprintf("Operation cannot be fulfilled on pods/binding %q: %s", rt.name, why), details(rt.info, rt.name))
}

func setPodCondition(st *api.PodStatus, c api.PodCondition) {
	for i := range st.Conditions {
		if st.Conditions[i].Type == c.Type {
			if st.Conditions[i].Status == c.Status {
				c.LastTransitionTime = st.Conditions[i].LastTransitionTime
			}
			st.Conditions[i] = c
			return
		}
	}
	st.Conditions = append(st.Conditions, c)
}

// writeObject answers one stored object in the request's version, as a
// one-row Table if asked.
func (s *Server) writeObject(w http.ResponseWriter, r *http.Request, rt route, code int, obj api.Object) error {
	if wantTable(r) && r.Method == http.MethodGet {
		return s.writeTable(w, r, rt, []api.Object{obj}, api.ListMeta{ResourceVersion: obj.GetObjectMeta().ResourceVersion})
	}
	out, err := rt.toServed(obj)
	if err != nil {
		return err
	}
	writeJSON(w, code, out)
	return nil
}

func namespaceInfo() *api.ResourceInfo {
	info, _ := api.ForResource("", "v1", "namespaces")
	return info
}

// queryBool parses a boolean query parameter as Kubernetes does: "true",
// "1", and "True" (what the Python client sends) are true.
func queryBool(v string) bool {
	b, err := strconv.ParseBool(v)
	return err == nil && b
}

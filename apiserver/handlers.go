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

// serveResource dispatches a resource request by verb and subresource.
func (s *Server) serveResource(w http.ResponseWriter, r *http.Request, rt route) {
	r, err := withDryRun(r)
	if err != nil {
		writeError(w, err)
		return
	}
	switch rt.sub {
	case "":
	case "status":
		if !rt.info.HasStatus {
			writeError(w, errNoResource())
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodPut && r.Method != http.MethodPatch {
			writeError(w, errMethodNotAllowed(r.Method, rt.info.Resource+"/status"))
			return
		}
	case "binding":
		if rt.info.Resource != "pods" {
			writeError(w, errNoResource())
			return
		}
		if r.Method != http.MethodPost {
			writeError(w, errMethodNotAllowed(r.Method, "pods/binding"))
			return
		}
		err = s.bind(w, r, rt)
		if err != nil {
			writeError(w, err)
		}
		return
	case "log":
		if rt.info.Resource != "pods" || rt.info.Group != "" {
			writeError(w, errNoResource())
			return
		}
		if r.Method != http.MethodGet {
			writeError(w, errMethodNotAllowed(r.Method, "pods/log"))
			return
		}
		if err := s.servePodLog(w, r, rt); err != nil {
			writeError(w, err)
		}
		return
	case "exec":
		if rt.info.Resource != "pods" || rt.info.Group != "" {
			writeError(w, errNoResource())
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			writeError(w, errMethodNotAllowed(r.Method, "pods/exec"))
			return
		}
		if err := s.servePodExec(w, r, rt); err != nil {
			writeError(w, err)
		}
		return
	case "finalize":
		if err := s.serveNamespaceFinalize(w, r, rt); err != nil {
			writeError(w, err)
		}
		return
	case "scale":
		if !hasScale(rt.info) {
			writeError(w, errNoResource())
			return
		}
		if err := s.serveScale(w, r, rt); err != nil {
			writeError(w, mapStoreError(err, rt))
		}
		return
	default:
		writeError(w, errNoResource())
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
			return nil, newStatusError(http.StatusRequestEntityTooLarge, reasonTooLarge,
				fmt.Sprintf("Request entity too large: limit is %d", s.opts.MaxBodyBytes), nil)
		}
		return nil, errBadRequest(fmt.Sprintf("reading request body: %v", err))
	}
	return b, nil
}

// checkBodyType accepts JSON, YAML and (for the real kubectl's typed
// clients) Kubernetes protobuf bodies; anything else is 415.
func checkBodyType(r *http.Request) (isProtobuf bool, err error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return false, nil
	}
	mt, _, perr := mime.ParseMediaType(ct)
	if perr != nil {
		mt = ct
	}
	switch mt {
	case "application/json", "application/yaml", "application/x-yaml", "text/yaml", "*/*":
		return false, nil
	case "application/vnd.kubernetes.protobuf":
		return true, nil
	}
	return false, newStatusError(http.StatusUnsupportedMediaType, reasonUnsupportedMedia,
		fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got %s)", mt), nil)
}

// decodeBody strictly decodes a body into a new object of the route's kind.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, rt route) (api.Object, error) {
	isProto, err := checkBodyType(r)
	if err != nil {
		return nil, err
	}
	b, err := s.readBody(w, r)
	if err != nil {
		return nil, err
	}
	if isProto {
		if b, err = protobufToJSON(rt.info, b); err != nil {
			return nil, err
		}
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil, errBadRequest("the request body is empty")
	}
	// Kind and apiVersion first, so a wrong kind is reported as such
	// rather than as a list of unknown fields.
	var tm api.TypeMeta
	unmarshal := yaml.Unmarshal
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
		unmarshal = func(b []byte, v any, _ ...yaml.JSONOpt) error { return json.Unmarshal(b, v) }
	}
	if err := unmarshal(b, &tm); err != nil {
		return nil, errBadRequest(fmt.Sprintf("invalid request body: %v", err))
	}
	obj := rt.info.New()
	*obj.GetTypeMeta() = tm
	if err := checkTypeAndNamespace(rt.info, obj, rt.namespace); err != nil {
		return nil, err
	}
	if err := decode.DecodeInto(b, obj); err != nil {
		return nil, errBadRequest(fmt.Sprintf("strict decoding error: %v", err))
	}
	if err := checkTypeAndNamespace(rt.info, obj, rt.namespace); err != nil {
		return nil, err
	}
	return obj, nil
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
	obj, _, err := s.getObject(r.Context(), rt.info, rt.namespace, rt.name)
	if err != nil {
		return err
	}
	return s.writeObject(w, r, rt.info, http.StatusOK, obj)
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

func (sel selectors) matches(obj api.Object) bool {
	if !sel.label.Empty() && !sel.label.Matches(obj.GetObjectMeta().Labels) {
		return false
	}
	if !sel.field.Empty() && !sel.field.Matches(fields.ObjectFields(obj)) {
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
	sel, err := parseSelectors(rt.info, r.URL.Query(), "")
	if err != nil {
		return err
	}
	objs, rev, err := s.listObjects(r.Context(), rt.info, rt.namespace, sel)
	if err != nil {
		return err
	}
	if wantTable(r) {
		return s.writeTable(w, r, rt.info, objs, strconv.FormatInt(rev, 10))
	}
	writeJSON(w, http.StatusOK, listBody{Kind: rt.info.ListKind(), APIVersion: rt.info.APIVersion(),
		Metadata: api.ListMeta{ResourceVersion: strconv.FormatInt(rev, 10)}, Items: objs})
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
	obj, err := s.decodeBody(w, r, rt)
	if err != nil {
		return err
	}
	created, err := s.createObject(r.Context(), rt.info, obj)
	if err != nil {
		return err
	}
	return s.writeObject(w, r, rt.info, http.StatusCreated, created)
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
	prepareCreate(info, obj, api.Now(), newUID())
	validation.Default(obj)
	if errs := validation.Validate(obj); len(errs) > 0 {
		return nil, errInvalid(info, m.Name, errs)
	}
	if svc, ok := obj.(*api.Service); ok {
		s.svcMu.Lock()
		defer s.svcMu.Unlock()
		if err := s.allocateService(ctx, svc, nil); err != nil {
			return nil, err
		}
	}
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
			if svc, ok := obj.(*api.Service); ok {
				s.releaseAllocations(ctx, svc, nil)
			}
			rt.name = m.Name
			return nil, mapStoreError(err, rt)
		}
		m.ResourceVersion = strconv.FormatInt(rev, 10)
		return obj, nil
	}
}

func (s *Server) update(w http.ResponseWriter, r *http.Request, rt route) error {
	obj, err := s.decodeBody(w, r, rt)
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
	return s.writeObject(w, r, rt.info, http.StatusOK, out)
}

// updateObject stores obj over the current object. A resourceVersion in
// obj is a precondition (409 if stale); without one the update is
// unconditional and retried on concurrent writes.
func (s *Server) updateObject(ctx context.Context, rt route, obj api.Object) (api.Object, error) {
	want, err := parseRV(obj.GetObjectMeta().ResourceVersion)
	if err != nil {
		return nil, err
	}
	for attempt := 0; attempt < 10; attempt++ {
		old, rev, err := s.getObject(ctx, rt.info, rt.namespace, rt.name)
		if err != nil {
			return nil, err
		}
		if want != 0 && want != rev {
			return nil, errConflict(rt.info, rt.name, staleMessage)
		}
		merged, err := prepareUpdate(rt.info, rt.sub, obj, old)
		if err != nil {
			return nil, err
		}
		if errs := append(validation.Validate(merged), validation.ValidateUpdate(merged, old)...); len(errs) > 0 {
			return nil, errInvalid(rt.info, rt.name, errs)
		}
		var unlock func()
		if svc, ok := merged.(*api.Service); ok && rt.sub == "" {
			s.svcMu.Lock()
			unlock = s.svcMu.Unlock
			if err := s.allocateService(ctx, svc, old.(*api.Service)); err != nil {
				unlock()
				return nil, err
			}
		}
		b, err := encodeStored(merged)
		if err != nil {
			if unlock != nil {
				s.releaseAllocations(ctx, merged.(*api.Service), old.(*api.Service))
				unlock()
			}
			return nil, err
		}
		newRev, err := s.store.Update(ctx, storageKey(rt.info, rt.namespace, rt.name), b, rev)
		if unlock != nil {
			if err != nil {
				s.releaseAllocations(ctx, merged.(*api.Service), old.(*api.Service))
			} else {
				s.releaseAllocations(ctx, old.(*api.Service), merged.(*api.Service))
			}
			unlock()
		}
		if errors.Is(err, storage.ErrConflict) {
			if want != 0 {
				return nil, errConflict(rt.info, rt.name, staleMessage)
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		merged.GetObjectMeta().ResourceVersion = strconv.FormatInt(newRev, 10)
		if ns, ok := merged.(*api.Namespace); ok {
			s.removeNamespaceIfFinalized(ctx, ns, newRev)
		}
		return merged, nil
	}
	return nil, errConflict(rt.info, rt.name, staleMessage)
}

// deleteOptions reads the optional DeleteOptions body (or query).
func (s *Server) deleteOptions(w http.ResponseWriter, r *http.Request) (*api.DeleteOptions, error) {
	b, err := s.readBody(w, r)
	if err != nil {
		return nil, err
	}
	opts := &api.DeleteOptions{}
	if len(strings.TrimSpace(string(b))) > 0 {
		d := json.NewDecoder(strings.NewReader(string(b)))
		if err := d.Decode(opts); err != nil {
			return nil, errBadRequest(fmt.Sprintf("invalid DeleteOptions: %v", err))
		}
	}
	return opts, nil
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
	if rt.info.Resource == "namespaces" {
		ns, err := s.beginNamespaceDeletion(ctx, rt.name)
		if err != nil {
			return err
		}
		return s.writeObject(w, r, rt.info, http.StatusOK, ns)
	}
	var obj api.Object
	if rt.info.Resource == "pods" && rt.info.Group == "" {
		obj, err = s.deletePod(ctx, rt, opts, r.URL.Query())
	} else {
		obj, err = s.deleteObject(ctx, rt, opts.Preconditions)
	}
	if err != nil {
		return err
	}
	return s.writeObject(w, r, rt.info, http.StatusOK, obj)
}

// deleteObject removes one object, honouring preconditions, and returns it
// with the resourceVersion of the deletion.
func (s *Server) deleteObject(ctx context.Context, rt route, pre *api.Preconditions) (api.Object, error) {
	for attempt := 0; attempt < 10; attempt++ {
		old, rev, err := s.getObject(ctx, rt.info, rt.namespace, rt.name)
		if err != nil {
			return nil, err
		}
		if pre != nil && pre.UID != nil && *pre.UID != old.GetObjectMeta().UID {
			return nil, errConflict(rt.info, rt.name, fmt.Sprintf("Precondition failed: UID in precondition: %s, UID in object meta: %s", *pre.UID, old.GetObjectMeta().UID))
		}
		if pre != nil && pre.ResourceVersion != nil && *pre.ResourceVersion != old.GetObjectMeta().ResourceVersion {
			return nil, errConflict(rt.info, rt.name, fmt.Sprintf("Precondition failed: ResourceVersion in precondition: %s, ResourceVersion in object meta: %s", *pre.ResourceVersion, old.GetObjectMeta().ResourceVersion))
		}
		kv, err := s.store.Delete(ctx, storageKey(rt.info, rt.namespace, rt.name), rev)
		if errors.Is(err, storage.ErrConflict) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if svc, ok := old.(*api.Service); ok {
			s.releaseAllocations(ctx, svc, nil)
		}
		old.GetObjectMeta().ResourceVersion = strconv.FormatInt(kv.ModRevision, 10)
		return old, nil
	}
	return nil, errConflict(rt.info, rt.name, staleMessage)
}

func (s *Server) deleteCollection(w http.ResponseWriter, r *http.Request, rt route) error {
	if rt.info.Resource == "namespaces" {
		return errMethodNotAllowed(r.Method, "namespaces collection")
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
		var d api.Object
		if rt.info.Resource == "pods" && rt.info.Group == "" {
			d, err = s.deletePod(r.Context(), ort, opts, r.URL.Query())
		} else {
			d, err = s.deleteObject(r.Context(), ort, nil)
		}
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		lastRV = d.GetObjectMeta().ResourceVersion
		deleted = append(deleted, d)
	}
	writeJSON(w, http.StatusOK, listBody{Kind: rt.info.ListKind(), APIVersion: rt.info.APIVersion(),
		Metadata: api.ListMeta{ResourceVersion: lastRV}, Items: deleted})
	return nil
}

// bind handles POST pods/{name}/binding: it sets spec.nodeName of an
// unbound pod and marks it scheduled.
func (s *Server) bind(w http.ResponseWriter, r *http.Request, rt route) error {
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
	if binding.Target.Name == "" {
		return errInvalid(rt.info, rt.name, validation.ErrorList{{Field: "target.name", Type: validation.TypeRequired}})
	}
	brt := route{info: rt.info, namespace: rt.namespace, name: rt.name}
	for attempt := 0; attempt < 10; attempt++ {
		obj, rev, err := s.getObject(r.Context(), rt.info, rt.namespace, rt.name)
		if err != nil {
			return mapStoreError(err, brt)
		}
		pod := obj.(*api.Pod)
		if binding.UID != "" && binding.UID != pod.UID {
			return errConflict(rt.info, rt.name, "Precondition failed: UID in precondition does not match the pod")
		}
		if pod.Spec.NodeName != "" {
			return newStatusError(http.StatusConflict, reasonConflict,
				fmt.Sprintf("Operation cannot be fulfilled on pods/binding %q: pod %s is already assigned to node %q", rt.name, rt.name, pod.Spec.NodeName),
				details(rt.info, rt.name))
		}
		pod.Spec.NodeName = binding.Target.Name
		for k, v := range binding.Annotations {
			if pod.Annotations == nil {
				pod.Annotations = map[string]string{}
			}
			pod.Annotations[k] = v
		}
		setPodCondition(&pod.Status, api.PodCondition{Type: api.PodScheduled, Status: api.ConditionTrue, LastTransitionTime: api.Now()})
		data, err := encodeStored(pod)
		if err != nil {
			return err
		}
		_, err = s.store.Update(r.Context(), storageKey(rt.info, rt.namespace, rt.name), data, rev)
		if errors.Is(err, storage.ErrConflict) {
			continue
		}
		if err != nil {
			return mapStoreError(err, brt)
		}
		writeJSON(w, http.StatusCreated, api.Status{TypeMeta: api.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: "Success", Code: http.StatusCreated})
		return nil
	}
	return errConflict(rt.info, rt.name, staleMessage)
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

// writeObject answers one object, as a one-row Table if asked.
func (s *Server) writeObject(w http.ResponseWriter, r *http.Request, info *api.ResourceInfo, code int, obj api.Object) error {
	if wantTable(r) && r.Method == http.MethodGet {
		return s.writeTable(w, r, info, []api.Object{obj}, obj.GetObjectMeta().ResourceVersion)
	}
	writeJSON(w, code, obj)
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

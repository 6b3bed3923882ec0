package apiserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"minik8s/apiserver/audit"
	"minik8s/apiserver/request"
	"minik8s/pkg/api"
	"minik8s/pkg/auth/authorizer"
	"minik8s/pkg/auth/user"
)

// startAudit opens the audit log (--audit-log-path, --audit-policy-file)
// and has the authorizer record its decision on each audited request.
func (s *Server) startAudit() error {
	l, err := audit.Open(s.opts.AuditLogPath, s.opts.AuditPolicyFile)
	if err != nil {
		return err
	}
	if l == nil {
		if s.opts.AuditLogPath != "" {
			log.Printf("apiserver: --audit-log-path without --audit-policy-file: no audit events are recorded")
		}
		return nil
	}
	s.audit = l
	s.authz = auditedAuthorizer{s.authz}
	return nil
}

// auditRequest starts the audit of a request authenticated as u, as
// Kubernetes' WithAudit (after authentication, before impersonation and
// authorization): it answers the Audit-ID header, evaluates the policy for
// u, records RequestReceived, and replaces *ctx (carrying the audit context
// that authorization and admission annotate) and *w (seeing the response).
// The returned function, deferred by the caller, records ResponseComplete
// (or Panic), with impersonatedUser when the user *ctx ends up carrying is
// another. Use: `defer s.auditRequest(r, u, &ctx, &w)()`.
func (s *Server) auditRequest(r *http.Request, u *user.Info, ctx *context.Context, w *http.ResponseWriter) func() {
	id := r.Header.Get("Audit-ID")
	if id == "" {
		id = newUID()
	}
	(*w).Header().Set("Audit-ID", id)
	if s.audit == nil {
		return func() {}
	}
	info, _ := request.RequestInfoFrom(*ctx)
	if info == nil {
		info = request.NewRequestInfo(r)
	}
	level, omit := s.audit.Policy.LevelAndStages(attributesOf(u, info))
	if level == audit.LevelNone {
		return func() {}
	}
	ev := newAuditEvent(r, info, u, level, id)
	ac := &audit.Context{}
	*ctx = audit.WithContext(*ctx, ac)
	long := isLongRunning(info)
	emit := func(stage audit.Stage) {
		if slices.Contains(omit, stage) {
			return
		}
		e := *ev
		e.Stage, e.StageTimestamp = stage, audit.MicroTime(time.Now())
		e.Annotations = ac.Annotations()
		for k, v := range auditAnnotations(*ctx) { // admission's (admission_context.go: Pod Security)
			if e.Annotations == nil {
				e.Annotations = map[string]string{}
			}
			e.Annotations[k] = v
		}
		if err := s.audit.Write(&e); err != nil {
			log.Printf("apiserver: writing audit event %s: %v", id, err)
		}
	}
	emit(audit.StageRequestReceived)

	var reqBody *cappedBuffer
	if r.Body != nil && r.Body != http.NoBody && (r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch) {
		reqBody = &cappedBuffer{limit: s.opts.MaxBodyBytes}
		r.Body = teeBody{io.TeeReader(r.Body, reqBody), r.Body}
	}
	aw := &auditWriter{ResponseWriter: *w, captureAll: level == audit.LevelRequestResponse && !long, limit: s.opts.MaxBodyBytes}
	if long {
		aw.onHeader = func(code int) {
			ev.ResponseStatus = &audit.ResponseStatus{Code: int32(code)}
			emit(audit.StageResponseStarted)
		}
	}
	*w = aw
	orig := u
	return func() {
		stage := audit.StageResponseComplete
		p := recover()
		if p != nil {
			stage = audit.StagePanic
			ev.ResponseStatus = &audit.ResponseStatus{Code: http.StatusInternalServerError, Status: "Failure",
				Message: fmt.Sprintf("APIServer panic'd: %v", p)}
		} else {
			ev.ResponseStatus = aw.status()
		}
		if cur, ok := user.From(*ctx); ok && cur != orig && orig != nil && cur.Name != orig.Name {
			ev.ImpersonatedUser = cur
		}
		if reqBody != nil && !reqBody.over {
			if body := requestJSON(info, reqBody.Bytes()); body != nil {
				completeObjectRef(ev, body)
				if level.AtLeast(audit.LevelRequest) {
					ev.RequestObject = body
				}
			}
		}
		if level == audit.LevelRequestResponse && aw.captureAll && !aw.body.over && json.Valid(aw.body.Bytes()) {
			ev.ResponseObject = compactJSON(aw.body.Bytes())
		}
		emit(stage)
		if p != nil {
			panic(p)
		}
	}
}

// auditFailedAuthentication records a request that failed authentication
// (the 401 that follows), as Kubernetes' WithFailedAuthenticationAudit:
// the policy evaluated with no user, one event at stage ResponseStarted
// (unless the policy omits it) with code 401 and which credentials were
// tried. It answers the Audit-ID header too.
func (s *Server) auditFailedAuthentication(w http.ResponseWriter, r *http.Request, info *request.RequestInfo) {
	id := r.Header.Get("Audit-ID")
	if id == "" {
		id = newUID()
	}
	w.Header().Set("Audit-ID", id)
	if s.audit == nil {
		return
	}
	level, omit := s.audit.Policy.LevelAndStages(attributesOf(nil, info))
	if level == audit.LevelNone || slices.Contains(omit, audit.StageResponseStarted) {
		return
	}
	ev := newAuditEvent(r, info, nil, level, id)
	ev.Stage, ev.StageTimestamp = audit.StageResponseStarted, audit.MicroTime(time.Now())
	ev.ResponseStatus = &audit.ResponseStatus{Code: http.StatusUnauthorized, Message: authMethods(r)}
	if err := s.audit.Write(ev); err != nil {
		log.Printf("apiserver: writing audit event %s: %v", id, err)
	}
}

// authMethods says which credentials a request that failed authentication
// carried, in Kubernetes' words (its getAuthMethods).
func authMethods(r *http.Request) string {
	var methods []string
	if _, _, ok := r.BasicAuth(); ok {
		methods = append(methods, "basic")
	}
	if parts := strings.Fields(r.Header.Get("Authorization")); len(parts) > 1 && strings.EqualFold(parts[0], "bearer") {
		methods = append(methods, "bearer")
	}
	if strings.TrimSpace(r.URL.Query().Get("access_token")) != "" {
		methods = append(methods, "access_token")
	}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		methods = append(methods, "x509")
	}
	if len(methods) == 0 {
		return "Authentication failed, no credentials provided"
	}
	return "Authentication failed, attempted: " + strings.Join(methods, ", ")
}

func newAuditEvent(r *http.Request, info *request.RequestInfo, u *user.Info, level audit.Level, id string) *audit.Event {
	ev := &audit.Event{
		Kind: "Event", APIVersion: "audit.k8s.io/v1", Level: level, AuditID: id,
		RequestURI: r.URL.RequestURI(), Verb: info.Verb, SourceIPs: sourceIPs(r), UserAgent: r.UserAgent(),
		RequestReceivedTimestamp: audit.MicroTime(time.Now()),
	}
	if u != nil {
		ev.User = *u
	}
	if info.IsResourceRequest {
		ev.ObjectRef = &audit.ObjectReference{
			Resource: info.Resource, Namespace: info.Namespace, Name: info.Name,
			APIGroup: info.APIGroup, APIVersion: info.APIVersion, Subresource: info.Subresource,
		}
	}
	return ev
}

// completeObjectRef fills the name, namespace, uid and resourceVersion the
// URL does not carry (a create) from the request object, as Kubernetes'
// LogRequestObject.
func completeObjectRef(ev *audit.Event, body []byte) {
	if ev.ObjectRef == nil {
		return
	}
	var obj struct {
		Metadata struct {
			Name, Namespace, UID, ResourceVersion string
		} `json:"metadata"`
	}
	if json.Unmarshal(body, &obj) != nil {
		return
	}
	ref, m := ev.ObjectRef, obj.Metadata
	for _, f := range []struct {
		dst *string
		v   string
	}{
		{&ref.Name, m.Name}, {&ref.Namespace, m.Namespace}, {&ref.UID, m.UID}, {&ref.ResourceVersion, m.ResourceVersion},
	} {
		if *f.dst == "" {
			*f.dst = f.v
		}
	}
}

// requestJSON is a request body as compact JSON: JSON as is, protobuf
// (what kubectl sends for built-in kinds) converted; nil otherwise.
func requestJSON(info *request.RequestInfo, body []byte) json.RawMessage {
	if bytes.HasPrefix(body, protobufMagic) {
		ri, ok := api.ForResource(info.APIGroup, info.APIVersion, info.Resource)
		if !ok || info.Subresource != "" {
			return nil
		}
		js, err := protobufToJSON(ri, body)
		if err != nil {
			return nil
		}
		body = js
	}
	if !json.Valid(body) {
		return nil
	}
	return compactJSON(body)
}

func compactJSON(b []byte) json.RawMessage {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return nil
	}
	return buf.Bytes()
}

// isLongRunning is Kubernetes' default long-running check: watches,
// proxies, exec, attach, port-forward and logs.
func isLongRunning(info *request.RequestInfo) bool {
	switch {
	case info.Verb == "watch" || info.Verb == "proxy":
		return true
	case info.IsResourceRequest:
		switch info.Subresource {
		case "attach", "exec", "proxy", "log", "portforward":
			return true
		}
	}
	return false
}

// sourceIPs is Kubernetes' utilnet.SourceIPs: X-Forwarded-For, then
// X-Real-Ip, then the connection's address.
func sourceIPs(r *http.Request) []string {
	var ips []string
	add := func(s string) {
		if ip := net.ParseIP(strings.TrimSpace(s)); ip != nil && !slices.Contains(ips, ip.String()) {
			ips = append(ips, ip.String())
		}
	}
	if fwd := r.Header.Get("X-Forwarded-For"); fwd != "" {
		for _, p := range strings.Split(fwd, ",") {
			add(p)
		}
	}
	add(r.Header.Get("X-Real-Ip"))
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	add(host)
	return ips
}

// cappedBuffer keeps up to limit bytes and notes whether more came.
type cappedBuffer struct {
	bytes.Buffer
	limit int64
	over  bool
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if !c.over {
		if int64(c.Len()+len(p)) > c.limit {
			c.over = true
			c.Reset()
		} else {
			c.Buffer.Write(p)
		}
	}
	return len(p), nil
}

type teeBody struct {
	io.Reader
	io.Closer
}

// auditWriter sees a response's code and, when asked, its body.
type auditWriter struct {
	http.ResponseWriter
	mu         sync.Mutex
	code       int
	captureAll bool
	capture    bool
	limit      int64
	body       cappedBuffer
	onHeader   func(code int)
}

func (a *auditWriter) WriteHeader(code int) {
	a.mu.Lock()
	first := a.code == 0
	if first {
		a.code = code
		// Failures' Status bodies are recorded at every level.
		a.capture = a.captureAll || code >= 300
		a.body.limit = a.limit
	}
	a.mu.Unlock()
	if first && a.onHeader != nil {
		a.onHeader(code)
	}
	a.ResponseWriter.WriteHeader(code)
}

func (a *auditWriter) Write(b []byte) (int, error) {
	a.mu.Lock()
	wrote := a.code != 0
	a.mu.Unlock()
	if !wrote {
		a.WriteHeader(http.StatusOK)
	}
	a.mu.Lock()
	if a.capture {
		a.body.Write(b)
	}
	a.mu.Unlock()
	return a.ResponseWriter.Write(b)
}

func (a *auditWriter) Flush() {
	a.mu.Lock()
	wrote := a.code != 0
	a.mu.Unlock()
	if !wrote {
		a.WriteHeader(http.StatusOK)
	}
	if f, ok := a.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (a *auditWriter) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// Hijack takes over the connection (exec, attach, port-forward upgrades):
// the response is 101 Switching Protocols.
func (a *auditWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	a.mu.Lock()
	first := a.code == 0
	if first {
		a.code = http.StatusSwitchingProtocols
	}
	a.mu.Unlock()
	if first && a.onHeader != nil {
		a.onHeader(http.StatusSwitchingProtocols)
	}
	return http.NewResponseController(a.ResponseWriter).Hijack()
}

// status is the event's responseStatus: the code, and a Status body's
// status, message, reason and details.
func (a *auditWriter) status() *audit.ResponseStatus {
	a.mu.Lock()
	defer a.mu.Unlock()
	code := a.code
	if code == 0 {
		code = http.StatusOK
	}
	st := &audit.ResponseStatus{Code: int32(code)}
	if !a.capture || a.body.over {
		return st
	}
	var s struct {
		Kind    string          `json:"kind"`
		Status  string          `json:"status"`
		Message string          `json:"message"`
		Reason  string          `json:"reason"`
		Details json.RawMessage `json:"details"`
	}
	if json.Unmarshal(a.body.Bytes(), &s) == nil && s.Kind == "Status" {
		st.Status, st.Message, st.Reason, st.Details = s.Status, s.Message, s.Reason, s.Details
	}
	return st
}

// auditedAuthorizer records the decision on the request being served
// (authorization.k8s.io/decision and reason annotations), as Kubernetes'
// WithAuthorization does; checks of other attributes (impersonation,
// access reviews) are not the request's decision and are not recorded.
type auditedAuthorizer struct{ authorizer.Authorizer }

func (a auditedAuthorizer) Authorize(ctx context.Context, attrs authorizer.Attributes) (authorizer.Decision, string, error) {
	d, reason, err := a.Authorizer.Authorize(ctx, attrs)
	if info, ok := request.RequestInfoFrom(ctx); ok && sameRequest(attrs, info) {
		switch {
		case d == authorizer.DecisionAllow:
			audit.AddAnnotation(ctx, audit.DecisionAnnotation, audit.DecisionAllow)
			audit.AddAnnotation(ctx, audit.ReasonAnnotation, reason)
		case err != nil:
			audit.AddAnnotation(ctx, audit.ReasonAnnotation, "internal error")
		default:
			audit.AddAnnotation(ctx, audit.DecisionAnnotation, audit.DecisionForbid)
			audit.AddAnnotation(ctx, audit.ReasonAnnotation, reason)
		}
	}
	return d, reason, err
}

func sameRequest(a authorizer.Attributes, info *request.RequestInfo) bool {
	return a.Verb == info.Verb && a.Path == info.Path && a.ResourceRequest == info.IsResourceRequest &&
		a.Resource == info.Resource && a.Subresource == info.Subresource && a.Namespace == info.Namespace &&
		a.Name == info.Name && a.APIGroup == info.APIGroup
}

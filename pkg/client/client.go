package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"minik8s/pkg/api"
)

// TableAccept is the Accept header that asks the apiserver for a
// server-side Table (meta.k8s.io/v1), falling back to plain JSON.
const TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io, application/json"

// PatchType is the Content-Type of a PATCH body.
type PatchType string

// Patch types the apiserver accepts.
const (
	JSONPatchType           PatchType = "application/json-patch+json"
	MergePatchType          PatchType = "application/merge-patch+json"
	StrategicMergePatchType PatchType = "application/strategic-merge-patch+json"
)

// ListOptions select objects of a list or watch.
type ListOptions struct {
	LabelSelector       string
	FieldSelector       string
	ResourceVersion     string
	TimeoutSeconds      int64 // watch only; 0 means the server's default
	AllowWatchBookmarks bool  // watch only
	Limit               int64
}

func (o ListOptions) query() url.Values {
	q := url.Values{}
	if o.LabelSelector != "" {
		q.Set("labelSelector", o.LabelSelector)
	}
	if o.FieldSelector != "" {
		q.Set("fieldSelector", o.FieldSelector)
	}
	if o.ResourceVersion != "" {
		q.Set("resourceVersion", o.ResourceVersion)
	}
	if o.TimeoutSeconds > 0 {
		q.Set("timeoutSeconds", strconv.FormatInt(o.TimeoutSeconds, 10))
	}
	if o.AllowWatchBookmarks {
		q.Set("allowWatchBookmarks", "true")
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.FormatInt(o.Limit, 10))
	}
	return q
}

// Client is a REST client of one apiserver. It is safe for concurrent use.
type Client struct {
	cfg    Config
	base   *url.URL
	http   *http.Client // requests with cfg.Timeout
	stream *http.Client // watches: no overall timeout
	tls    *tls.Config  // nil for http://
	token  *tokenSource // nil without a bearer token
	// failover moves between the apiservers of cfg.Servers (nil with one).
	failover *failoverTransport
}

// New returns a client for cfg.
func New(cfg *Config) (*Client, error) {
	server := cfg.Server
	if server == "" {
		server = DefaultServer
	}
	u, err := url.Parse(normalizeServer(server))
	if err != nil {
		return nil, fmt.Errorf("invalid server URL %q: %w", server, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("invalid server URL %q: scheme must be http or https", server)
	}
	rt, tc, ts, fo, err := newTransport(cfg, u)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: *cfg, base: u, tls: tc, token: ts, failover: fo}
	c.cfg.Server = u.String()
	if cfg.WrapTransport != nil {
		rt = cfg.WrapTransport(rt)
	}
	c.http = &http.Client{Timeout: cfg.Timeout, Transport: rt}
	c.stream = &http.Client{Transport: rt}
	return c, nil
}

// Config returns the client's configuration.
func (c *Client) Config() Config { return c.cfg }

// Server returns the base URL of the apiserver.
func (c *Client) Server() string { return c.cfg.Server }

// CurrentServer is the base URL of the apiserver requests go to now: the
// configured one, or with several (failover) the one the last request
// failed over to. Upgraded connections (exec, attach, cp, port-forward),
// which do not go through the transport, dial it: after their pod lookup
// it is one that answered.
func (c *Client) CurrentServer() string {
	if c.failover == nil {
		return c.cfg.Server
	}
	u := *c.base
	cur := c.failover.Current()
	u.Scheme, u.Host = cur.Scheme, cur.Host
	return u.String()
}

func (c *Client) url(path string, q url.Values) string {
	u := *c.base
	u.Path = strings.TrimRight(c.base.Path, "/") + path
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func (c *Client) newRequest(ctx context.Context, method, path string, q url.Values, body []byte, headers map[string]string) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url(path, q), r)
	if err != nil {
		return nil, fmt.Errorf("build request %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	ua := c.cfg.UserAgent
	if ua == "" {
		ua = "minik8s-client"
	}
	req.Header.Set("User-Agent", ua)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return req, nil
}

// Do sends one request (path may carry a query) and returns the response
// body of a 2xx answer; any other answer becomes a *StatusError.
func (c *Client) Do(ctx context.Context, method, path string, body []byte, headers map[string]string) ([]byte, error) {
	var q url.Values
	if p, raw, ok := strings.Cut(path, "?"); ok {
		path = p
		var err error
		if q, err = url.ParseQuery(raw); err != nil {
			return nil, fmt.Errorf("invalid query %q: %w", raw, err)
		}
	}
	return c.do(ctx, method, path, q, body, headers)
}

// maxRetries is how many times a request the apiserver asked to retry
// later is sent again (client-go's rest.Request default: 10).
const maxRetries = 10

// retryAfter is client-go's checkWait: a 429, or any 5xx, that carries a
// Retry-After of whole seconds asks the client to send the request again
// after that long.
func retryAfter(resp *http.Response) (time.Duration, bool) {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode < 500 {
		return 0, false
	}
	h := resp.Header.Get("Retry-After")
	if h == "" {
		return 0, false
	}
	n, err := strconv.Atoi(h)
	if err != nil || n < 0 {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

// do sends a request and returns the body of a 2xx answer. An answer that
// asks to retry later (429, or 5xx with Retry-After: the apiserver's
// in-flight limit) is retried after the time it names, up to maxRetries
// times, as client-go does; the body is a byte slice, so it can always be
// sent again.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body []byte, headers map[string]string) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		data, wait, err := c.doOnce(ctx, method, path, q, body, headers)
		if wait < 0 || attempt >= maxRetries {
			return data, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%s %s: waiting to retry: %w (last answer: %w)", method, path, ctx.Err(), err)
		case <-t.C:
		}
	}
}

// doOnce sends the request once; wait >= 0 when the answer asks for a
// retry after that long (err is then the answer's StatusError).
func (c *Client) doOnce(ctx context.Context, method, path string, q url.Values, body []byte, headers map[string]string) (data []byte, wait time.Duration, err error) {
	req, err := c.newRequest(ctx, method, path, q, body, headers)
	if err != nil {
		return nil, -1, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, -1, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err = io.ReadAll(resp.Body)
	if err != nil {
		return nil, -1, fmt.Errorf("%s %s: read response: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		wait, ok := retryAfter(resp)
		if !ok {
			wait = -1
		}
		return nil, wait, NewStatusError(resp.StatusCode, data)
	}
	return data, -1, nil
}

// decodeObject decodes a JSON object of info's kind and sets its apiVersion/kind.
func decodeObject(info *api.ResourceInfo, data []byte) (api.Object, error) {
	obj := api.NewFor(info)
	if err := json.Unmarshal(data, obj); err != nil {
		return nil, fmt.Errorf("decode %s: %w", info.Kind, err)
	}
	tm := obj.GetTypeMeta()
	tm.APIVersion, tm.Kind = info.APIVersion(), info.Kind
	return obj, nil
}

func (c *Client) doObject(ctx context.Context, info *api.ResourceInfo, method, path string, q url.Values, body []byte, headers map[string]string) (api.Object, error) {
	data, err := c.do(ctx, method, path, q, body, headers)
	if err != nil {
		return nil, err
	}
	return decodeObject(info, data)
}

func encode(obj any) ([]byte, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return b, nil
}

// objectNamespace is ns, or the object's own namespace when ns is empty.
func objectNamespace(info *api.ResourceInfo, ns string, obj api.Object) string {
	if !info.Namespaced {
		return ""
	}
	if ns == "" {
		ns = obj.GetObjectMeta().Namespace
	}
	return ns
}

// Get reads one object.
func (c *Client) Get(ctx context.Context, info *api.ResourceInfo, ns, name string) (api.Object, error) {
	if name == "" {
		return nil, fmt.Errorf("get %s: a name is required", info.Resource)
	}
	return c.doObject(ctx, info, http.MethodGet, info.Path(ns, name), nil, nil, nil)
}

// List reads the objects selected by opts (ns "" = all namespaces) and the
// resourceVersion the list was read at.
func (c *Client) List(ctx context.Context, info *api.ResourceInfo, ns string, opts ListOptions) ([]api.Object, string, error) {
	data, err := c.do(ctx, http.MethodGet, info.Path(ns, ""), opts.query(), nil, nil)
	if err != nil {
		return nil, "", err
	}
	var list struct {
		Metadata api.ListMeta      `json:"metadata"`
		Items    []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, "", fmt.Errorf("decode %s: %w", info.ListKind(), err)
	}
	out := make([]api.Object, 0, len(list.Items))
	for _, raw := range list.Items {
		obj, err := decodeObject(info, raw)
		if err != nil {
			return nil, "", err
		}
		out = append(out, obj)
	}
	return out, list.Metadata.ResourceVersion, nil
}

// Create creates obj in ns (or in obj's namespace when ns is empty).
func (c *Client) Create(ctx context.Context, info *api.ResourceInfo, ns string, obj api.Object) (api.Object, error) {
	body, err := encode(obj)
	if err != nil {
		return nil, err
	}
	return c.doObject(ctx, info, http.MethodPost, info.Path(objectNamespace(info, ns, obj), ""), nil, body, nil)
}

// Update replaces obj (PUT); obj's resourceVersion, if set, must be current.
func (c *Client) Update(ctx context.Context, info *api.ResourceInfo, ns string, obj api.Object) (api.Object, error) {
	return c.put(ctx, info, ns, obj, "")
}

// UpdateStatus replaces obj's status through the /status subresource.
func (c *Client) UpdateStatus(ctx context.Context, info *api.ResourceInfo, ns string, obj api.Object) (api.Object, error) {
	return c.put(ctx, info, ns, obj, "/status")
}

func (c *Client) put(ctx context.Context, info *api.ResourceInfo, ns string, obj api.Object, sub string) (api.Object, error) {
	name := obj.GetObjectMeta().Name
	if name == "" {
		return nil, fmt.Errorf("update %s: the object has no name", info.Resource)
	}
	body, err := encode(obj)
	if err != nil {
		return nil, err
	}
	return c.doObject(ctx, info, http.MethodPut, info.Path(objectNamespace(info, ns, obj), name)+sub, nil, body, nil)
}

// Patch patches one object; subresource is "" or e.g. "status".
func (c *Client) Patch(ctx context.Context, info *api.ResourceInfo, ns, name string, pt PatchType, data []byte, subresource ...string) (api.Object, error) {
	path := info.Path(ns, name)
	for _, s := range subresource {
		if s != "" {
			path += "/" + s
		}
	}
	return c.doObject(ctx, info, http.MethodPatch, path, nil, data, map[string]string{"Content-Type": string(pt)})
}

// Delete deletes one object; opts may be nil.
func (c *Client) Delete(ctx context.Context, info *api.ResourceInfo, ns, name string, opts *api.DeleteOptions) error {
	if name == "" {
		return fmt.Errorf("delete %s: a name is required", info.Resource)
	}
	var body []byte
	if opts != nil {
		o := *opts
		o.APIVersion, o.Kind = "v1", "DeleteOptions"
		var err error
		if body, err = encode(o); err != nil {
			return err
		}
	}
	_, err := c.do(ctx, http.MethodDelete, info.Path(ns, name), nil, body, nil)
	return err
}

// DeleteCollection deletes every object selected by opts in ns.
func (c *Client) DeleteCollection(ctx context.Context, info *api.ResourceInfo, ns string, opts ListOptions) error {
	_, err := c.do(ctx, http.MethodDelete, info.Path(ns, ""), opts.query(), nil, nil)
	return err
}

// Bind assigns pod ns/pod to node through the pods/binding subresource.
func (c *Client) Bind(ctx context.Context, ns, pod, node string) error {
	b := api.Binding{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Binding"},
		ObjectMeta: api.ObjectMeta{Name: pod, Namespace: ns},
		Target:     api.ObjectReference{APIVersion: "v1", Kind: "Node", Name: node},
	}
	body, err := encode(b)
	if err != nil {
		return err
	}
	info, _ := api.ForResource("", "v1", "pods")
	_, err = c.do(ctx, http.MethodPost, info.Path(ns, pod)+"/binding", nil, body, nil)
	return err
}

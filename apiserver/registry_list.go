package apiserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"

	"minik8s/apiserver/storage"
	"minik8s/pkg/api"
)

// List paging (limit and continue), as Kubernetes' etcd3 store does it:
// a page is read from etcd at one revision, items are filtered by the
// selectors before they count towards the limit, and the continue token
// carries that revision and the key after the last one examined, so the
// next page is read at the same revision (a consistent snapshot) until etcd
// compacts it (410 Expired).

// continueToken is k8s.io/apiserver's storage continue token.
type continueToken struct {
	APIVersion      string `json:"v"`
	ResourceVersion int64  `json:"rv"`
	StartKey        string `json:"start"`
}

// encodeContinue makes the token for a list that goes on at key (an
// absolute storage key under prefix) at revision rev.
func encodeContinue(key, prefix string, rev int64) (string, error) {
	next, ok := strings.CutPrefix(key, prefix)
	if !ok {
		return "", fmt.Errorf("unable to encode next field: the key (%s) and key prefix (%s) do not match", key, prefix)
	}
	b, err := json.Marshal(continueToken{APIVersion: "meta.k8s.io/v1", ResourceVersion: rev, StartKey: next})
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// decodeContinue reads a token back into a storage key under prefix and
// the revision; the key cannot leave the prefix.
func decodeContinue(token, prefix string) (string, int64, error) {
	data, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", 0, fmt.Errorf("continue key is not valid: %v", err)
	}
	var c continueToken
	if err := json.Unmarshal(data, &c); err != nil {
		return "", 0, fmt.Errorf("continue key is not valid: %v", err)
	}
	if c.APIVersion != "meta.k8s.io/v1" {
		return "", 0, fmt.Errorf("continue key is not valid: server does not recognize this encoded version %q", c.APIVersion)
	}
	if c.ResourceVersion == 0 {
		return "", 0, errors.New("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
	}
	if c.StartKey == "" {
		return "", 0, errors.New("continue key is not valid: encoded start key empty (version meta.k8s.io/v1)")
	}
	key := c.StartKey
	if !strings.HasPrefix(key, "/") {
		key = "/" + key
	}
	if cleaned := path.Clean(key); cleaned != key {
		return "", 0, fmt.Errorf("continue key is not valid: %s", c.StartKey)
	}
	return prefix + key[1:], c.ResourceVersion, nil
}

// listPage is one page of a list.
type listPage struct {
	items     []api.Object
	rev       int64
	cont      string
	remaining *int64
}

// expiredContinue is Kubernetes' answer to a continue token whose
// revision etcd has compacted.
func expiredContinue() *statusError {
	return newStatusError(http.StatusGone, "Expired",
		"The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.", nil)
}

// expiredList is Kubernetes' answer to an exact list at a compacted
// resourceVersion (etcd3 interpretListError).
func expiredList() *statusError {
	return newStatusError(http.StatusGone, "Expired", "The resourceVersion for the provided list is too old.", nil)
}

// listPaged reads one page of at most limit matching objects (limit 0:
// all) from the position and revision of token, else from the start at
// revision atRev (0: now).
func (s *Server) listPaged(ctx context.Context, info *api.ResourceInfo, namespace string, sel selectors, limit int64, token string, atRev int64) (listPage, error) {
	prefix := storagePrefix(info, namespace)
	start, rev := "", atRev
	if atRev > 0 {
		// A revision etcd has not reached is Kubernetes' immediate 504.
		if err := s.exactRevisionError(ctx, atRev); err != nil {
			return listPage{}, err
		}
	}
	if token != "" {
		var err error
		if start, rev, err = decodeContinue(token, prefix); err != nil {
			return listPage{}, errBadRequest("invalid continue token: " + err.Error())
		}
	}
	filtered := !sel.label.Empty() || !sel.field.Empty()
	var page listPage
	batch := limit
	for {
		kvs, readRev, remaining, err := s.store.ListPage(ctx, prefix, start, rev, batch)
		if errors.Is(err, storage.ErrGone) {
			if token == "" {
				return listPage{}, expiredList()
			}
			return listPage{}, expiredContinue()
		}
		if err != nil && rev > 0 { // a forged continue token in the future
			if ferr := s.exactRevisionError(ctx, rev); ferr != nil {
				return listPage{}, ferr
			}
		}
		if err != nil {
			return listPage{}, err
		}
		rev = readRev
		for i, kv := range kvs {
			obj, err := decodeStored(info, kv.Value, kv.ModRevision)
			if err != nil {
				return listPage{}, err
			}
			if !sel.matches(obj) {
				continue
			}
			page.items = append(page.items, obj)
			if limit > 0 && int64(len(page.items)) == limit {
				left := remaining + int64(len(kvs)-i-1)
				if left > 0 {
					if page.cont, err = encodeContinue(kv.Key+"\x00", prefix, rev); err != nil {
						return listPage{}, err
					}
					if !filtered {
						page.remaining = &left
					}
				}
				page.rev = rev
				return page, nil
			}
		}
		if remaining == 0 || len(kvs) == 0 {
			page.rev = rev
			return page, nil
		}
		start = kvs[len(kvs)-1].Key + "\x00"
		// Filtering: read bigger batches, as Kubernetes does.
		batch = min(2*batch, 10000)
	}
}

// pagingParams reads limit and continue; a continue token excludes a
// resourceVersion, as in Kubernetes.
func pagingParams(r *http.Request) (int64, string, error) {
	q := r.URL.Query()
	var limit int64
	if v := q.Get("limit"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, "", errBadRequest(fmt.Sprintf("invalid limit %q", v))
		}
		limit = max(n, 0)
	}
	token := q.Get("continue")
	if rv := q.Get("resourceVersion"); token != "" && rv != "" && rv != "0" {
		return 0, "", errBadRequest("specifying resource version is not allowed when using continue")
	}
	return limit, token, nil
}

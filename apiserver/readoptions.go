package apiserver

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
)

// The resourceVersion parameters of GET, LIST and WATCH, as Kubernetes
// reads them (k8s.io/apiserver: the handlers decode ListOptions from the
// query, metainternalversion validation.ValidateListOptions checks them,
// storage.APIObjectVersioner.ParseResourceVersion parses the version, and
// the watch cache waits up to 3 s for a version it has not reached yet).
//
// Semantics, with the store always read fresh from etcd:
//   - "" (most recent) and "0" (any): read now;
//   - N, NotOlderThan (GET; LIST without limit; resourceVersionMatch=
//     NotOlderThan): read now once the store has reached N, waiting up to
//     3 s for it, else 504 "Too large resource version" with Retry-After 1;
//   - N, Exact (LIST with limit, or resourceVersionMatch=Exact): read at
//     revision N (410 Expired if compacted, 504 at once if in the future).

// listOptionsInfo and deleteOptionsInfo name the options kinds in a 422,
// as Kubernetes' NewInvalid(schema.GroupKind{Group: "meta.k8s.io", ...}, "").
var (
	listOptionsInfo   = &api.ResourceInfo{Group: metav1.GroupName, Kind: "ListOptions"}
	deleteOptionsInfo = &api.ResourceInfo{Group: metav1.GroupName, Kind: "DeleteOptions"}
)

// Kubernetes' watch cache timings (storage/cacher/watch_cache.go).
const (
	freshnessTimeout          = 3 * time.Second           // blockTimeout
	tooLargeRVRetrySeconds    = 1                         // resourceVersionTooHighRetrySeconds
	freshnessPollInterval     = 100 * time.Millisecond    // one etcd count-only read each
	causeResourceVersionLarge = "ResourceVersionTooLarge" // metav1.CauseTypeResourceVersionTooLarge
)

// readOptions are the parsed resourceVersion parameters of a read.
type readOptions struct {
	rv    int64 // 0: "" or "0"
	exact bool  // read at rv itself (LIST only)
	list  metav1.ListOptions
}

// parseListOptions decodes and validates the ListOptions of a LIST (watch
// false) or WATCH request: conversion errors are 400 with the
// conversion's message, invalid combinations Kubernetes' 422.
func parseListOptions(q url.Values, watch bool) (readOptions, error) {
	var lo metav1.ListOptions
	if err := metav1.Convert_url_Values_To_v1_ListOptions(&q, &lo, nil); err != nil {
		return readOptions{}, errBadRequest(err.Error())
	}
	if errs := validateListOptions(&lo, watch); len(errs) > 0 {
		return readOptions{}, errInvalid(listOptionsInfo, "", errs)
	}
	rv, err := parseResourceVersion(lo.ResourceVersion)
	if err != nil {
		return readOptions{}, err
	}
	exact := lo.ResourceVersionMatch == metav1.ResourceVersionMatchExact ||
		(lo.ResourceVersionMatch == "" && lo.Limit > 0 && lo.Continue == "")
	return readOptions{rv: rv, exact: exact && rv > 0, list: lo}, nil
}

// parseGetOptions reads the resourceVersion of a GET.
func parseGetOptions(q url.Values) (readOptions, error) {
	rv, err := parseResourceVersion(q.Get("resourceVersion"))
	return readOptions{rv: rv}, err
}

// validateListOptions is metainternalversion validation.ValidateListOptions
// for a server without the WatchList feature (sendInitialEvents).
func validateListOptions(o *metav1.ListOptions, watch bool) validation.ErrorList {
	var errs validation.ErrorList
	match := o.ResourceVersionMatch
	const matchPath = validation.Path("resourceVersionMatch")
	if watch {
		if o.SendInitialEvents != nil {
			if match != metav1.ResourceVersionMatchNotOlderThan {
				errs = append(errs, validation.Forbidden(matchPath, fmt.Sprintf("sendInitialEvents requires setting resourceVersionMatch to %s", metav1.ResourceVersionMatchNotOlderThan)))
			}
			errs = append(errs, validation.Forbidden("sendInitialEvents", "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled"))
		}
		if match != "" {
			if o.SendInitialEvents == nil {
				errs = append(errs, validation.Forbidden(matchPath, "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"))
			}
			if match != metav1.ResourceVersionMatchNotOlderThan {
				errs = append(errs, validation.NotSupported(matchPath, string(match), []string{string(metav1.ResourceVersionMatchNotOlderThan)}))
			}
			if o.Continue != "" {
				errs = append(errs, validation.Forbidden(matchPath, "resourceVersionMatch is forbidden when continue is provided"))
			}
		}
		return errs
	}
	if match != "" {
		if o.ResourceVersion == "" {
			errs = append(errs, validation.Forbidden(matchPath, "resourceVersionMatch is forbidden unless resourceVersion is provided"))
		}
		if o.Continue != "" {
			errs = append(errs, validation.Forbidden(matchPath, "resourceVersionMatch is forbidden when continue is provided"))
		}
		if match != metav1.ResourceVersionMatchExact && match != metav1.ResourceVersionMatchNotOlderThan {
			errs = append(errs, validation.NotSupported(matchPath, string(match),
				[]string{string(metav1.ResourceVersionMatchExact), string(metav1.ResourceVersionMatchNotOlderThan), ""}))
		}
		if match == metav1.ResourceVersionMatchExact && o.ResourceVersion == "0" {
			errs = append(errs, validation.Forbidden(matchPath, `resourceVersionMatch "exact" is forbidden for resourceVersion "0"`))
		}
	}
	if o.SendInitialEvents != nil {
		errs = append(errs, validation.Forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"))
	}
	return errs
}

// parseResourceVersion is APIObjectVersioner.ParseResourceVersion: "" and
// "0" are 0, anything but an unsigned decimal is an error naming the
// field. Kubernetes answers that error as a 500; it is the client's, so
// it is a 400 here (kubernetes/kubernetes#139485). A version beyond int64
// is one etcd can never reach: it saturates, and so stays in the future.
func parseResourceVersion(s string) (int64, error) {
	if s == "" || s == "0" {
		return 0, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, errBadRequest(validation.Invalid("resourceVersion", s, err.Error()).Error())
	}
	return int64(min(v, math.MaxInt64)), nil
}

// errTooLargeRV is storage.NewTooLargeResourceVersionError: 504 Timeout
// with a ResourceVersionTooLarge cause; retry > 0 adds Retry-After.
func errTooLargeRV(rv, current int64, retry int32) *statusError {
	se := newStatusError(http.StatusGatewayTimeout, reasonTimeout,
		fmt.Sprintf("Timeout: Too large resource version: %d, current: %d", rv, current), &api.StatusDetails{
			Causes:            []api.StatusCause{{Type: causeResourceVersionLarge, Message: "Too large resource version"}},
			RetryAfterSeconds: retry,
		})
	return se
}

// waitForRevision returns once the store has reached revision rv (0: at
// once), or after freshnessTimeout with errTooLargeRV, as the watch
// cache's waitUntilFreshAndBlock.
func (s *Server) waitForRevision(ctx context.Context, rv int64) error {
	if rv == 0 {
		return nil
	}
	deadline := time.Now().Add(freshnessTimeout)
	for {
		cur, err := s.store.Revision(ctx)
		if err != nil {
			return err
		}
		if cur >= rv {
			return nil
		}
		if !time.Now().Before(deadline) {
			return errTooLargeRV(rv, cur, tooLargeRVRetrySeconds)
		}
		t := time.NewTimer(min(freshnessPollInterval, time.Until(deadline)))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// exactRevisionError maps a read at revision rv that failed as in the
// future to Kubernetes' immediate 504 (etcd3 store listReadError: retry 0).
func (s *Server) exactRevisionError(ctx context.Context, rv int64) error {
	cur, err := s.store.Revision(ctx)
	if err != nil {
		return err
	}
	if rv > cur {
		return errTooLargeRV(rv, cur, 0)
	}
	return nil
}

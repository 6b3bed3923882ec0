package apiserver

import "net/url"

// watchFromRevision reads and checks the ListOptions of a watch
// (readoptions.go): a garbage resourceVersion is a 400, resourceVersionMatch
// and sendInitialEvents are Kubernetes' 422 without the WatchList feature.
// A future resourceVersion is accepted, as Kubernetes' cacher accepts it
// (only watch-list requests wait for the cache to be fresh): the watch
// delivers the changes after it once the store gets there.
func watchFromRevision(q url.Values) (int64, error) {
	ro, err := parseListOptions(q, true)
	if err != nil {
		return 0, err
	}
	return ro.rv, nil
}

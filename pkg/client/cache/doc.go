// Package cache owns the informer: list, then watch from the list's
// resourceVersion, keeping a thread-safe local Store of the objects and
// calling event handlers (add, update, delete) as they change. It resyncs
// periodically, reconnects a dropped watch from the last resourceVersion it
// saw (bookmarks included) and relists on 410 Gone, delivering the
// differences so that handlers converge.
package cache

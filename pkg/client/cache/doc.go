// Package cache owns the informers: list, then watch from the list's
// resourceVersion, keeping a thread-safe local Store of the objects (with
// optional indexes) and calling event handlers (add, update, delete) as they
// change. A reflector reconnects a dropped watch from the last
// resourceVersion it saw (bookmarks included) and relists on 410 Gone,
// delivering the differences so that handlers converge.
//
// SharedInformerFactory makes one SharedInformer per resource per process,
// shared by every controller in it; each handler runs behind its own
// unbounded queue, so a slow handler never stalls the watch or the others,
// and a handler added late gets the whole store first (client-go's
// SharedInformerFactory, sharedIndexInformer and processorListener).
// Informer is the older single-consumer informer whose handlers run on the
// watch goroutine.
package cache

// Package stats is the kubelet's resource usage: it reads cumulative CPU
// time and memory of the node, of each pod and of each container from
// their cgroups (cgroup v1/hybrid and v2, as cAdvisor does), samples them
// in the background to derive CPU rates, and builds the Summary API
// (stats/v1alpha1) the kubelet serves at /stats/summary.
//
// Where the numbers come from:
//   - CPU time: v1 cpuacct.usage (ns); v2 cpu.stat usage_usec (x1000).
//   - Memory usage: v1 memory.usage_in_bytes; v2 memory.current (the v2
//     root has none: MemTotal-MemFree of /proc/meminfo, as runc does).
//   - Working set: usage minus inactive file pages (v1 memory.stat
//     total_inactive_file, v2 inactive_file), floored at 0, as cAdvisor.
//   - RSS: v1 total_rss, v2 anon; page faults: pgfault and pgmajfault.
//
// Pod cgroups are <cgroup-root>/pod<UID>, container cgroups
// <cgroup-root>/pod<UID>/<container ID> (the containerd runtime's layout).
//
// Files: parse.go (pure parsing of the cgroup files), cgroup.go (the
// cgroup Provider: hierarchy layout and file reads), provider.go (the
// Provider seam and a Provider over any runtime's ContainerStats, used
// with the fake runtime), collector.go (the background sampler and the
// summary of a request), summary.go (the pure Summary builder).
package stats

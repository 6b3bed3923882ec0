// Package containerd implements runtime.Runtime on containerd (1.6 or
// later, through its Go client) in one containerd namespace per node:
//
//   - a pod sandbox is a pause container with its own network, IPC and UTS
//     namespaces; the network namespace is created by runc for the pause
//     and wired with CNI (kubelet/runtime/cni) through /proc/<pid>/ns/net;
//   - app containers join the pause's namespaces, get the pod's hosts,
//     hostname and resolv.conf files (under RootDir/sandboxes/<id>), cgroup
//     limits under the pod's cgroup parent, and write stdout and stderr as
//     plain text to their LogPath (shim-side, so logs survive a kubelet
//     restart);
//   - all state lives in containerd: labels name the pod and record what a
//     restarted kubelet needs (IP, start time, exit code, finish time,
//     reason), and an exited task is "reaped" into labels then deleted
//     (ReapContainer, called once per exit by the kubelet's relist, or
//     StopContainer); listing has no side effects.
//
// Why no bind-mounted /run/netns/cni-* namespace: the kubelet runs under
// `ip netns exec`, which gives it a private, slave mount namespace, so a
// bind mount it makes is invisible to runc. The pause process owns the
// namespace instead (as dockershim did); CNI DEL runs before it is killed.
//
// spec.go holds the pure decisions (command line, cgroup values, status
// from task and labels, sandbox files), table-tested. The rest acts, one
// concern a file: runtime.go (options, connection), images.go,
// sandbox.go, containers.go, reap.go (exits, OOM kills), list.go,
// stats.go, exec.go, cgroupfs.go.
package containerd

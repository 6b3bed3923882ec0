package containerd

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"minik8s/kubelet/runtime"
)

func TestCommandLine(t *testing.T) {
	ep, cmd := []string{"/entry"}, []string{"--default"}
	for _, tc := range []struct {
		name          string
		command, args []string
		want          []string
	}{
		{"image defaults", nil, nil, []string{"/entry", "--default"}},
		{"command replaces entrypoint and drops cmd", []string{"sh", "-c"}, nil, []string{"sh", "-c"}},
		{"args replace cmd", nil, []string{"--flag"}, []string{"/entry", "--flag"}},
		{"both", []string{"sh", "-c"}, []string{"echo hi"}, []string{"sh", "-c", "echo hi"}},
	} {
		if got := CommandLine(ep, cmd, tc.command, tc.args); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := CommandLine(nil, nil, nil, []string{"x"}); !reflect.DeepEqual(got, []string{"x"}) {
		t.Errorf("args without entrypoint: %q", got)
	}
}

func TestLinuxResources(t *testing.T) {
	if LinuxResources(runtime.Resources{}) != nil {
		t.Error("no resources should give nil")
	}
	r := LinuxResources(runtime.Resources{CPUShares: 512, CPUQuota: 50000, CPUPeriod: 100000, MemoryLimit: 32 << 20})
	if *r.CPU.Shares != 512 || *r.CPU.Quota != 50000 || *r.CPU.Period != 100000 || *r.Memory.Limit != 32<<20 {
		t.Errorf("resources = %+v %+v", r.CPU, r.Memory)
	}
	r = LinuxResources(runtime.Resources{CPUShares: 1, CPUQuota: 500})
	if *r.CPU.Shares != 2 || *r.CPU.Quota != 1000 || *r.CPU.Period != 100000 {
		t.Errorf("minimums: shares %d quota %d period %d", *r.CPU.Shares, *r.CPU.Quota, *r.CPU.Period)
	}
	r = LinuxResources(runtime.Resources{MemoryLimit: 1 << 20})
	if r.CPU != nil || *r.Memory.Limit != 1<<20 {
		t.Errorf("memory only = %+v", r)
	}
}

func TestContainerFromRecord(t *testing.T) {
	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	started := created.Add(time.Second)
	finished := started.Add(time.Minute)
	base := map[string]string{
		LabelSandboxID: "sb", runtime.LabelPodUID: "u", runtime.LabelContainerName: "app",
		runtime.LabelAttempt: "3", LabelImage: "busybox", LabelImageRef: "docker.io/library/busybox:latest@sha256:aa",
	}
	with := func(extra map[string]string) map[string]string { return mergeLabels(base, extra) }
	startedL := map[string]string{LabelStartedAt: started.Format(time.RFC3339Nano)}
	for _, tc := range []struct {
		name   string
		labels map[string]string
		task   *taskInfo
		state  runtime.ContainerState
		code   int32
		reason string
		fin    time.Time
	}{
		{"created, no task", base, nil, runtime.ContainerCreated, 0, "", time.Time{}},
		{"running", with(startedL), &taskInfo{Status: "running", Pid: 9}, runtime.ContainerRunning, 0, "", time.Time{}},
		{"stopped task not reaped", with(startedL), &taskInfo{Status: "stopped", ExitCode: 2, ExitedAt: finished}, runtime.ContainerExited, 2, "Error", finished},
		{"stopped task exit 0", with(startedL), &taskInfo{Status: "stopped", ExitedAt: finished}, runtime.ContainerExited, 0, "Completed", finished},
		{"reaped OOM", with(mergeLabels(startedL, exitLabels(137, finished, ReasonOOMKilled))), nil, runtime.ContainerExited, 137, "OOMKilled", finished},
		{"start error", with(exitLabels(128, finished, ReasonStartError)), nil, runtime.ContainerExited, 128, "StartError", finished},
		{"task lost", with(startedL), nil, runtime.ContainerExited, 255, "Error", time.Time{}},
		{"created task", base, &taskInfo{Status: "created"}, runtime.ContainerCreated, 0, "", time.Time{}},
		{"odd task", base, &taskInfo{Status: "unknown"}, runtime.ContainerUnknown, 0, "", time.Time{}},
	} {
		c := containerFromRecord("id", tc.labels, created, tc.task)
		if c.State != tc.state || c.ExitCode != tc.code || c.Reason != tc.reason || !c.FinishedAt.Equal(tc.fin) {
			t.Errorf("%s: state %s code %d reason %q finished %v", tc.name, c.State, c.ExitCode, c.Reason, c.FinishedAt)
		}
		if c.Attempt != 3 || c.SandboxID != "sb" || c.PodUID != "u" || c.Name != "app" || c.Image != "busybox" || !c.CreatedAt.Equal(created) {
			t.Errorf("%s: identity %+v", tc.name, c)
		}
	}
}

func TestSandboxFromRecord(t *testing.T) {
	l := map[string]string{runtime.LabelPodName: "web", runtime.LabelPodNamespace: "default", runtime.LabelPodUID: "u", LabelSandboxIP: "10.244.1.5"}
	sb := sandboxFromRecord("sb", l, time.Time{}, &taskInfo{Status: "running", Pid: 42})
	if sb.State != runtime.SandboxReady || sb.IP != "10.244.1.5" || sb.NetNSPath != "/proc/42/ns/net" || sb.Name != "web" || sb.Namespace != "default" {
		t.Errorf("running sandbox = %+v", sb)
	}
	if sb := sandboxFromRecord("sb", l, time.Time{}, nil); sb.State != runtime.SandboxNotReady || sb.NetNSPath != "" {
		t.Errorf("stopped sandbox = %+v", sb)
	}
	noIP := map[string]string{runtime.LabelPodName: "web"} // pause up, network not yet set up
	if sb := sandboxFromRecord("sb", noIP, time.Time{}, &taskInfo{Status: "running", Pid: 1}); sb.State != runtime.SandboxNotReady {
		t.Errorf("sandbox without IP = %+v", sb)
	}
	host := mergeLabels(l, map[string]string{LabelHostNetwork: "true"})
	if sb := sandboxFromRecord("sb", host, time.Time{}, &taskInfo{Status: "running", Pid: 1}); sb.State != runtime.SandboxReady || sb.NetNSPath != "" {
		t.Errorf("hostNetwork sandbox = %+v", sb)
	}
}

const localhostLines = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n"

// TestHostsFile follows Kubernetes' TestManagedHostsFileContent and
// TestNodeHostsFileContent.
func TestHostsFile(t *testing.T) {
	aliases := []runtime.HostAlias{{IP: "123.45.67.89", Hostnames: []string{"foo", "bar", "baz"}}, {IP: "456.78.90.123", Hostnames: []string{"park", "doo", "boo"}}}
	aliasLines := "\n# Entries added by HostAliases.\n123.45.67.89\tfoo\n123.45.67.89\tbar\n123.45.67.89\tbaz\n456.78.90.123\tpark\n456.78.90.123\tdoo\n456.78.90.123\tboo\n"
	for _, tc := range []struct {
		desc, ip, hostname, domain string
		aliases                    []runtime.HostAlias
		want                       string
	}{
		{"hostname", "123.45.67.89", "podFoo", "", nil,
			"# Kubernetes-managed hosts file.\n" + localhostLines + "123.45.67.89\tpodFoo\n"},
		{"hostname and subdomain", "203.0.113.1", "podFoo", "domainFoo", nil,
			"# Kubernetes-managed hosts file.\n" + localhostLines + "203.0.113.1\tpodFoo.domainFoo\tpodFoo\n"},
		{"hostAliases", "203.0.113.1", "podFoo", "", aliases,
			"# Kubernetes-managed hosts file.\n" + localhostLines + "203.0.113.1\tpodFoo\n" + aliasLines},
		{"hostname.subdomain.ns.svc and hostAliases", "10.244.1.5", "web-0", "web.default.svc.cluster.local", aliases[:1],
			"# Kubernetes-managed hosts file.\n" + localhostLines + "10.244.1.5\tweb-0.web.default.svc.cluster.local\tweb-0\n" +
				"\n# Entries added by HostAliases.\n123.45.67.89\tfoo\n123.45.67.89\tbar\n123.45.67.89\tbaz\n"},
		{"no IP yet", "", "podFoo", "", nil, "# Kubernetes-managed hosts file.\n" + localhostLines},
	} {
		if got := string(HostsFile(tc.ip, tc.hostname, tc.domain, tc.aliases)); got != tc.want {
			t.Errorf("%s:\n%s\nwant\n%s", tc.desc, got, tc.want)
		}
	}
	node := "127.0.0.1\tlocalhost\n192.168.97.1\tlab-host\n"
	for _, tc := range []struct {
		desc    string
		aliases []runtime.HostAlias
		want    string
	}{
		{"host network", nil, "# Kubernetes-managed hosts file (host network).\n" + node},
		{"host network with hostAliases", aliases, "# Kubernetes-managed hosts file (host network).\n" + node + aliasLines},
	} {
		if got := string(NodeHostsFile([]byte(node), tc.aliases)); got != tc.want {
			t.Errorf("%s:\n%s\nwant\n%s", tc.desc, got, tc.want)
		}
	}
}

func TestResolvConf(t *testing.T) {
	host := "nameserver 1.1.1.1\n"
	for _, tc := range []struct {
		desc string
		dns  *runtime.DNSConfig
		want string
	}{
		{"ClusterFirst, as in the seeds", &runtime.DNSConfig{Nameservers: []string{"10.96.0.10"}, Searches: []string{"default.svc.cluster.local", "svc.cluster.local", "cluster.local", "hz.ali.com"}, Options: []string{"ndots:5"}},
			"nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local hz.ali.com\noptions ndots:5\n"},
		{"Default, as in the seeds", &runtime.DNSConfig{Nameservers: []string{"30.14.129.245", "30.14.128.82", "10.65.0.201"}, Searches: []string{"hz.ali.com"}},
			"nameserver 30.14.129.245\nnameserver 30.14.128.82\nnameserver 10.65.0.201\nsearch hz.ali.com\n"},
		{"options only", &runtime.DNSConfig{Options: []string{"ndots:2", "edns0"}}, "options ndots:2 edns0\n"},
		{"nil: the node's", nil, host},
		{"empty: the node's", &runtime.DNSConfig{}, host},
	} {
		if got := string(ResolvConf(tc.dns, []byte(host))); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.desc, got, tc.want)
		}
	}
}

func TestBindMounts(t *testing.T) {
	ms := bindMounts([]runtime.Mount{
		{HostPath: "/var/lib/pod/vol", ContainerPath: "/data"},
		{HostPath: "/cfg", ContainerPath: "/etc/hosts", ReadOnly: true},
	}, map[string]string{"/etc/hosts": "/sb/hosts", "/etc/resolv.conf": "/sb/resolv.conf"})
	var got []string
	for _, m := range ms {
		got = append(got, m.Source+">"+m.Destination+":"+strings.Join(m.Options, ","))
	}
	want := []string{
		"/var/lib/pod/vol>/data:rbind,rprivate,rw",
		"/cfg>/etc/hosts:rbind,rprivate,ro",
		"/sb/resolv.conf>/etc/resolv.conf:rbind,rprivate,rw",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mounts = %q, want %q", got, want)
	}
}

func TestParsing(t *testing.T) {
	if n := OOMKillCount([]byte("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")); n != 2 {
		t.Errorf("v1 oom_kill = %d", n)
	}
	if n := OOMKillCount([]byte("low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n")); n != 1 {
		t.Errorf("v2 oom_kill = %d", n)
	}
	if n := OOMKillCount([]byte("oom_kill_disable 0\n")); n != 0 {
		t.Errorf("old kernel = %d", n)
	}
	hs := ParseProcCgroup([]byte("12:memory:/a\n4:cpu,cpuacct:/\n1:name=systemd:/x\n0::/\n"))
	want := []Hierarchy{{"memory"}, {"cpu,cpuacct"}, {"name=systemd"}, {""}}
	if !reflect.DeepEqual(hs, want) {
		t.Errorf("hierarchies = %v", hs)
	}
	for in, want := range map[string]string{"busybox": "docker.io/library/busybox:latest", "minik8s/tools": "docker.io/minik8s/tools:latest", "localhost:5000/x:1": "localhost:5000/x:1"} {
		if got, err := NormalizeImage(in); err != nil || got != want {
			t.Errorf("NormalizeImage(%q) = %q %v", in, got, err)
		}
	}
	if _, err := NormalizeImage("bad image name"); err == nil {
		t.Error("invalid reference accepted")
	}
	if ExitReason(0, true) != "OOMKilled" || ExitReason(1, false) != "Error" || ExitReason(0, false) != "Completed" {
		t.Error("ExitReason")
	}
	if workingSet(10, 4) != 6 || workingSet(3, 4) != 0 {
		t.Error("workingSet")
	}
}

func TestEnsureMountSources(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "hw", "files")
	if err := ensureMountSources([]runtime.Mount{{HostPath: missing, ContainerPath: "/data"}, {HostPath: file, ContainerPath: "/f"}}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(missing); err != nil || !fi.IsDir() {
		t.Errorf("missing source not made a directory: %v %v", fi, err)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "x" {
		t.Errorf("an existing file source was changed: %q %v", b, err)
	}
}

package kubelet

import (
	"bufio"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"
)

// sysInfo is what the node reports about its machine.
type sysInfo struct {
	CPUs          int
	MemoryBytes   int64
	KernelVersion string
	OSImage       string
	MachineID     string
	BootID        string
	Arch          string
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// memTotal is MemTotal of /proc/meminfo, lowered to the memory cgroup's
// limit if the kubelet runs in a limited one.
func memTotal() int64 {
	var total int64
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) >= 2 && fs[0] == "MemTotal:" {
				kb, _ := strconv.ParseInt(fs[1], 10, 64)
				total = kb * 1024
				break
			}
		}
		f.Close()
	}
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if v, err := strconv.ParseInt(readTrim(p), 10, 64); err == nil && v > 0 && (total == 0 || v < total) {
			total = v
		}
	}
	return total
}

// osImage is PRETTY_NAME of /etc/os-release.
func osImage() string {
	for _, line := range strings.Split(readTrim("/etc/os-release"), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return "Linux"
}

func readSysInfo() sysInfo {
	return sysInfo{
		CPUs:          goruntime.NumCPU(),
		MemoryBytes:   memTotal(),
		KernelVersion: readTrim("/proc/sys/kernel/osrelease"),
		OSImage:       osImage(),
		MachineID:     readTrim("/etc/machine-id"),
		BootID:        readTrim("/proc/sys/kernel/random/boot_id"),
		Arch:          goruntime.GOARCH,
	}
}

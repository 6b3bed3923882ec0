package stats

import (
	"bytes"
	"fmt"
	"time"
)

// Usage is one cgroup's cumulative CPU time and its memory, read at Time.
type Usage struct {
	Time            time.Time
	CPUNanos        uint64 // cumulative CPU time, ns
	MemoryUsage     uint64 // bytes, page cache included
	WorkingSet      uint64 // bytes: usage minus inactive file, floored at 0
	RSS             uint64 // bytes: anonymous memory
	PageFaults      uint64
	MajorPageFaults uint64
}

// memoryStat is what minik8s reads of a memory.stat file.
type memoryStat struct {
	InactiveFile    uint64
	HasInactiveFile bool
	RSS             uint64
	PageFaults      uint64
	MajorPageFaults uint64
}

// workingSet is usage minus inactive file, floored at 0 (cAdvisor's
// setMemoryStats): usage itself when memory.stat has no inactive file.
func workingSet(usage uint64, st memoryStat) uint64 {
	if !st.HasInactiveFile {
		return usage
	}
	if st.InactiveFile > usage {
		return 0
	}
	return usage - st.InactiveFile
}

// parseUint parses a single-value cgroup file ("12345\n").
func parseUint(b []byte) (uint64, error) {
	v, ok := atou(bytes.TrimSpace(b))
	if !ok {
		return 0, fmt.Errorf("not a number: %q", bytes.TrimSpace(b))
	}
	return v, nil
}

// eachKeyed calls fn for every "key value" line of a flat keyed file
// (memory.stat, cpu.stat); lines that are not two fields with a number
// are skipped.
func eachKeyed(b []byte, fn func(key []byte, v uint64)) {
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte("\n"))
		sp := bytes.IndexByte(line, ' ')
		if sp <= 0 {
			continue
		}
		v, ok := atou(bytes.TrimSpace(line[sp+1:]))
		if !ok {
			continue
		}
		fn(line[:sp], v)
	}
}

// atou parses decimal digits without allocating.
func atou(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (^uint64(0)-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// parseMemoryStat reads memory.stat: on v1 the hierarchical totals
// (total_inactive_file, total_rss), on v2 inactive_file and anon; page
// faults are pgfault and pgmajfault on both (as cAdvisor reads them).
func parseMemoryStat(b []byte, v2 bool) memoryStat {
	inactive, rss := "total_inactive_file", "total_rss"
	if v2 {
		inactive, rss = "inactive_file", "anon"
	}
	var st memoryStat
	eachKeyed(b, func(k []byte, v uint64) {
		switch string(k) {
		case inactive:
			st.InactiveFile, st.HasInactiveFile = v, true
		case rss:
			st.RSS = v
		case "pgfault":
			st.PageFaults = v
		case "pgmajfault":
			st.MajorPageFaults = v
		}
	})
	return st
}

// parseCPUStatV2 is usage_usec of a v2 cpu.stat, in ns.
func parseCPUStatV2(b []byte) (uint64, error) {
	var usec uint64
	found := false
	eachKeyed(b, func(k []byte, v uint64) {
		if string(k) == "usage_usec" {
			usec, found = v, true
		}
	})
	if !found {
		return 0, fmt.Errorf("cpu.stat has no usage_usec")
	}
	return usec * 1000, nil
}

// parseMeminfo returns MemTotal and MemFree of /proc/meminfo, in bytes.
func parseMeminfo(b []byte) (total, free uint64, err error) {
	var gotTotal, gotFree bool
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte("\n"))
		k, rest, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) == 0 {
			continue
		}
		v, ok := atou(f[0])
		if !ok {
			continue
		}
		if len(f) > 1 && string(f[1]) == "kB" {
			v *= 1024
		}
		switch string(k) {
		case "MemTotal":
			total, gotTotal = v, true
		case "MemFree":
			free, gotFree = v, true
		}
	}
	if !gotTotal || !gotFree {
		return 0, 0, fmt.Errorf("meminfo has no MemTotal or MemFree")
	}
	return total, free, nil
}

// usageFrom is the Usage of a cgroup from its CPU time, memory usage
// and memory.stat.
func usageFrom(cpu, mem uint64, st memoryStat) Usage {
	return Usage{
		CPUNanos:        cpu,
		MemoryUsage:     mem,
		WorkingSet:      workingSet(mem, st),
		RSS:             st.RSS,
		PageFaults:      st.PageFaults,
		MajorPageFaults: st.MajorPageFaults,
	}
}

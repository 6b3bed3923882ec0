package stats

import "testing"

// A v1 memory.stat as the kernel writes it (abridged), and a v2 one.
const (
	v1MemoryStat = `cache 4096
rss 8192
pgfault 100
pgmajfault 3
inactive_file 1000
hierarchical_memory_limit 9223372036854771712
total_cache 40960
total_rss 81920
total_pgfault 1000
total_pgmajfault 30
total_inactive_file 10000
total_active_file 5000
`
	v2MemoryStat = `anon 65536
file 32768
kernel_stack 16384
inactive_anon 0
active_anon 65536
inactive_file 20000
active_file 12768
pgfault 250
pgmajfault 7
`
	v2CPUStat = `usage_usec 1234567
user_usec 1000000
system_usec 234567
nr_periods 0
`
)

func TestParseUint(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		err  bool
	}{
		{"123\n", 123, false},
		{"  18446744073709551615 \n", 18446744073709551615, false},
		{"18446744073709551616", 0, true}, // overflow
		{"", 0, true},
		{"max\n", 0, true},
		{"-1", 0, true},
	} {
		got, err := parseUint([]byte(tc.in))
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("parseUint(%q) = %d, %v; want %d, err %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParseMemoryStat(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		v2   bool
		want memoryStat
	}{
		{"v1 reads the hierarchical totals", v1MemoryStat, false,
			memoryStat{InactiveFile: 10000, HasInactiveFile: true, RSS: 81920, PageFaults: 100, MajorPageFaults: 3}},
		{"v2", v2MemoryStat, true,
			memoryStat{InactiveFile: 20000, HasInactiveFile: true, RSS: 65536, PageFaults: 250, MajorPageFaults: 7}},
		{"v1 keys are not v2's", v1MemoryStat, true,
			memoryStat{InactiveFile: 1000, HasInactiveFile: true, PageFaults: 100, MajorPageFaults: 3}},
		{"no inactive file", "anon 5\n", true, memoryStat{RSS: 5}},
		{"malformed lines are skipped", "anon x\n\ninactive_file\nanon 7", true, memoryStat{RSS: 7}},
		{"empty", "", false, memoryStat{}},
	} {
		if got := parseMemoryStat([]byte(tc.in), tc.v2); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestParseCPUStatV2(t *testing.T) {
	got, err := parseCPUStatV2([]byte(v2CPUStat))
	if err != nil || got != 1234567000 {
		t.Errorf("got %d, %v; want 1234567000 ns", got, err)
	}
	if _, err := parseCPUStatV2([]byte("user_usec 1\n")); err == nil {
		t.Error("cpu.stat without usage_usec: want an error")
	}
}

func TestParseMeminfo(t *testing.T) {
	in := "MemTotal:       16384000 kB\nMemFree:         4096000 kB\nMemAvailable:   8000000 kB\nHugePages_Total:       0\n"
	total, free, err := parseMeminfo([]byte(in))
	if err != nil || total != 16384000*1024 || free != 4096000*1024 {
		t.Errorf("got %d, %d, %v", total, free, err)
	}
	if _, _, err := parseMeminfo([]byte("MemTotal: 1 kB\n")); err == nil {
		t.Error("meminfo without MemFree: want an error")
	}
}

// TestWorkingSet follows cAdvisor: usage minus inactive file, floored at
// 0, and usage itself when memory.stat has no inactive file.
func TestWorkingSet(t *testing.T) {
	for _, tc := range []struct {
		usage uint64
		st    memoryStat
		want  uint64
	}{
		{100000, memoryStat{InactiveFile: 10000, HasInactiveFile: true}, 90000},
		{100000, memoryStat{InactiveFile: 100000, HasInactiveFile: true}, 0},
		{5000, memoryStat{InactiveFile: 10000, HasInactiveFile: true}, 0},
		{100000, memoryStat{}, 100000},
		{0, memoryStat{HasInactiveFile: true}, 0},
	} {
		if got := workingSet(tc.usage, tc.st); got != tc.want {
			t.Errorf("workingSet(%d, %+v) = %d, want %d", tc.usage, tc.st, got, tc.want)
		}
	}
}

package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Figures from Linux's /proc. The benchmark runs on Linux only (so do the control-plane binaries).

// clockTicks is USER_HZ, the unit of the CPU times in /proc/<pid>/stat: 100 on every Linux
// architecture Go supports.
const clockTicks = 100

// memory is a process's resident set now and at its peak, in bytes.
type memory struct {
	RSS, Peak uint64
}

// readMemory reads VmRSS and VmHWM (the peak RSS) of pid.
func readMemory(pid int) (memory, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return memory{}, err
	}
	return parseStatusMemory(data)
}

func parseStatusMemory(status []byte) (memory, error) {
	var m memory
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) != 2 || fields[1] != "kB" {
			return memory{}, fmt.Errorf("unexpected %s line %q", key, sc.Text())
		}
		kb, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			return memory{}, err
		}
		if key == "VmRSS" {
			m.RSS = kb * 1024
		} else {
			m.Peak = kb * 1024
		}
		found++
	}
	if found != 2 {
		return memory{}, fmt.Errorf("VmRSS or VmHWM missing from /proc status")
	}
	return m, nil
}

// procStat is what the benchmark reads from /proc/<pid>/stat.
type procStat struct {
	Comm    string
	PPID    int
	CPUSecs float64 // user + system
}

func readProcStat(pid int) (procStat, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, err
	}
	return parseProcStat(string(data))
}

// parseProcStat reads "pid (comm) state ppid ... utime stime ...". comm may hold spaces and
// parentheses, so the fields are counted from the last ')'.
func parseProcStat(line string) (procStat, error) {
	open, end := strings.IndexByte(line, '('), strings.LastIndexByte(line, ')')
	if open < 0 || end < open {
		return procStat{}, fmt.Errorf("malformed /proc stat %q", line)
	}
	fields := strings.Fields(line[end+1:])
	// fields[0] is the state (field 3); utime and stime are fields 14 and 15.
	if len(fields) < 13 {
		return procStat{}, fmt.Errorf("short /proc stat %q", line)
	}
	ppid, err := strconv.Atoi(fields[1])
	if err != nil {
		return procStat{}, err
	}
	utime, err := strconv.ParseUint(fields[11], 10, 64)
	if err != nil {
		return procStat{}, err
	}
	stime, err := strconv.ParseUint(fields[12], 10, 64)
	if err != nil {
		return procStat{}, err
	}
	return procStat{Comm: line[open+1 : end], PPID: ppid, CPUSecs: float64(utime+stime) / clockTicks}, nil
}

// childrenByName maps the command names of this process's children to their pids (the
// control-plane processes are started by package controlplane as our children).
func childrenByName() map[string]int {
	out := map[string]int{}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	self := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := readProcStat(pid)
		if err == nil && st.PPID == self {
			out[st.Comm] = pid
		}
	}
	return out
}

// cpuTotals is the machine's busy and total CPU time, in seconds, from /proc/stat.
type cpuTotals struct{ Busy, Total float64 }

func readCPUTotals() (cpuTotals, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTotals{}, err
	}
	return parseCPUTotals(string(data))
}

func parseCPUTotals(stat string) (cpuTotals, error) {
	line, _, _ := strings.Cut(stat, "\n")
	fields := strings.Fields(line)
	if len(fields) < 5 || fields[0] != "cpu" {
		return cpuTotals{}, fmt.Errorf("unexpected /proc/stat first line %q", line)
	}
	var t cpuTotals
	// user nice system idle iowait irq softirq steal (guest time is already in user).
	for i, f := range fields[1:] {
		if i >= 8 {
			break
		}
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return cpuTotals{}, err
		}
		secs := float64(v) / clockTicks
		t.Total += secs
		if i != 3 && i != 4 { // idle, iowait
			t.Busy += secs
		}
	}
	return t, nil
}

package bench

import (
	"errors"
	"os"

	"github.com/prometheus/procfs"
)

// Figures from Linux's /proc, read with prometheus/procfs. The benchmark runs on Linux only (so do
// the control-plane binaries).

// memory is a process's resident set now and at its peak, in bytes; Anon is the part that is its
// own memory (heap, stacks), File the pages of its binary and other mapped files.
type memory struct {
	RSS, Peak, Anon, File uint64
}

// readMemory reads VmRSS and VmHWM (the peak RSS) of pid.
func readMemory(pid int) (memory, error) {
	p, err := procfs.NewProc(pid)
	if err != nil {
		return memory{}, err
	}
	st, err := p.NewStatus()
	if err != nil {
		return memory{}, err
	}
	if st.VmRSS == 0 {
		return memory{}, errors.New("no VmRSS in /proc status (a kernel thread?)")
	}
	return memory{RSS: st.VmRSS, Peak: st.VmHWM, Anon: st.RssAnon, File: st.RssFile}, nil
}

// procStat is what the benchmark reads from /proc/<pid>/stat.
type procStat struct {
	Comm    string
	PPID    int
	CPUSecs float64 // user + system
}

func readProcStat(pid int) (procStat, error) {
	p, err := procfs.NewProc(pid)
	if err != nil {
		return procStat{}, err
	}
	st, err := p.Stat()
	if err != nil {
		return procStat{}, err
	}
	return procStat{Comm: st.Comm, PPID: st.PPID, CPUSecs: st.CPUTime()}, nil
}

// childrenByName maps the command names of this process's children to their pids (the
// control-plane processes are started by package controlplane as our children).
func childrenByName() map[string]int {
	out := map[string]int{}
	procs, err := procfs.AllProcs()
	if err != nil {
		return out
	}
	self := os.Getpid()
	for _, p := range procs {
		if st, err := p.Stat(); err == nil && st.PPID == self {
			out[st.Comm] = p.PID
		}
	}
	return out
}

// cpuTotals is the machine's busy and total CPU time, in seconds, from /proc/stat.
type cpuTotals struct{ Busy, Total float64 }

func readCPUTotals() (cpuTotals, error) {
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return cpuTotals{}, err
	}
	st, err := fs.Stat()
	if err != nil {
		return cpuTotals{}, err
	}
	return cpuTotalsOf(st.CPUTotal), nil
}

// cpuTotalsOf: busy is everything but idle and iowait; guest time is already counted in user.
func cpuTotalsOf(c procfs.CPUStat) cpuTotals {
	busy := c.User + c.Nice + c.System + c.IRQ + c.SoftIRQ + c.Steal
	return cpuTotals{Busy: busy, Total: busy + c.Idle + c.Iowait}
}

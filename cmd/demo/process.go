package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/procfs"
)

// The pid file records every process of a running demo (the demo itself, the control plane, the
// simulator and the operator) with its start time, so the next demo can stop whatever a crashed or
// killed one left behind, without ever signalling an unrelated process that reuses a pid.
const pidFileName = "pids"

// demoProcessName names the demo itself in the pid file.
const demoProcessName = "demo"

type pidEntry struct {
	pid   int
	start string // the kernel's start time of the process; "" where unknown
	name  string
}

func writePIDFile(dir string, entries []pidEntry) error {
	var b strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&b, "%d %s %s\n", e.pid, orDash(e.start), e.name)
	}
	path := filepath.Join(dir, pidFileName)
	if err := os.WriteFile(path+".tmp", []byte(b.String()), 0o600); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func readPIDFile(dir string) []pidEntry {
	data, err := os.ReadFile(filepath.Join(dir, pidFileName)) //nolint:gosec // the demo's own folder
	if err != nil {
		return nil
	}
	var entries []pidEntry
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		pid, err := strconv.Atoi(f[0])
		if err != nil || pid <= 1 {
			continue
		}
		start := f[1]
		if start == "-" {
			start = ""
		}
		entries = append(entries, pidEntry{pid: pid, start: start, name: strings.Join(f[2:], " ")})
	}
	return entries
}

// alive reports that the recorded process still runs (and is the same process: same start time).
func (e pidEntry) alive() bool {
	if syscall.Kill(e.pid, 0) != nil {
		return false
	}
	start := processStartTime(e.pid)
	return e.start == "" || start == "" || start == e.start
}

// stopLeftovers stops the processes a previous demo recorded and that still run: the demo first
// (it stops its own children), then anything left. It returns what it stopped.
func stopLeftovers(dir string) []string {
	entries := readPIDFile(dir)
	var stopped []string
	for _, e := range entries {
		if e.name != demoProcessName || e.pid == os.Getpid() || !e.alive() {
			continue
		}
		_ = syscall.Kill(e.pid, syscall.SIGTERM)
		if !waitGone(e, 20*time.Second) {
			_ = syscall.Kill(e.pid, syscall.SIGKILL)
			waitGone(e, 5*time.Second)
		}
		stopped = append(stopped, fmt.Sprintf("%s (pid %d)", e.name, e.pid))
	}
	for _, e := range entries {
		if e.name == demoProcessName || !e.alive() {
			continue
		}
		// Each child leads its own process group: kill the group, then the process.
		_ = syscall.Kill(-e.pid, syscall.SIGKILL)
		_ = syscall.Kill(e.pid, syscall.SIGKILL)
		waitGone(e, 5*time.Second)
		stopped = append(stopped, fmt.Sprintf("%s (pid %d)", e.name, e.pid))
	}
	return stopped
}

func waitGone(e pidEntry, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if !e.alive() || isZombie(e.pid) {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// childrenOf lists the processes whose parent is pid, with their names.
func childrenOf(pid int) []pidEntry {
	procs, err := procfs.AllProcs()
	if err != nil {
		return nil
	}
	var out []pidEntry
	for _, p := range procs {
		if st, err := p.Stat(); err == nil && st.PPID == pid {
			out = append(out, pidEntry{pid: p.PID, start: strconv.FormatUint(st.Starttime, 10), name: st.Comm})
		}
	}
	return out
}

// processStartTime is the kernel's start time of pid (clock ticks since boot), "" when unknown.
func processStartTime(pid int) string {
	if st, err := procStat(pid); err == nil {
		return strconv.FormatUint(st.Starttime, 10)
	}
	return ""
}

// isZombie reports a process that exited and waits to be reaped, or is gone (where /proc exists).
func isZombie(pid int) bool {
	st, err := procStat(pid)
	if err != nil {
		_, procErr := os.Stat("/proc/self")
		return errors.Is(err, os.ErrNotExist) && procErr == nil
	}
	return st.State == "Z"
}

func procStat(pid int) (procfs.ProcStat, error) {
	p, err := procfs.NewProc(pid)
	if err != nil {
		return procfs.ProcStat{}, err
	}
	return p.Stat()
}

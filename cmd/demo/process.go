package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// child is a process the demo started (the simulator or the operator). It runs in its own process
// group, so the terminal's Ctrl-C reaches only the demo, which then stops its children in order;
// and it gets a parent-death signal, so it dies with the demo even when the demo is killed.
type child struct {
	name string
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
	err  error
}

// startChild starts bin with args, its stdout and stderr going to logPath (unless stdout is
// given), and env added to the demo's own environment.
func startChild(name, logPath string, stdout io.Writer, env []string, bin string, args ...string) (*child, error) {
	logFile, err := os.Create(logPath) //nolint:gosec // a path under the demo's own folder
	if err != nil {
		return nil, err
	}
	// No context: the process outlives this call; stop ends it.
	cmd := exec.Command(bin, args...) //nolint:gosec,noctx // our own binaries from bin/
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if stdout != nil {
		cmd.Stdout = stdout
	}
	cmd.SysProcAttr = childAttributes()
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, log: logFile, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// startSimulator runs bin/litellm-sim on a free loopback port and returns its base URL, the first
// line it prints.
func startSimulator(bin, logPath, masterKey string, env []string) (*child, string, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, "", err
	}
	c, err := startChild("LiteLLM simulator", logPath, w, append(env, "LITELLM_MASTER_KEY="+masterKey), bin,
		"--listen", "127.0.0.1:0")
	_ = w.Close() // the child holds its own copy
	if err != nil {
		_ = r.Close()
		return nil, "", err
	}
	lines := make(chan string, 1)
	go func() {
		defer func() { _ = r.Close() }()
		br := bufio.NewReader(r)
		line, _ := br.ReadString('\n')
		lines <- strings.TrimSpace(line)
		_, _ = io.Copy(c.log, br) // keep the pipe drained
	}()
	select {
	case url := <-lines:
		if strings.HasPrefix(url, "http") {
			return c, url, nil
		}
		<-c.done
		return c, "", fmt.Errorf("the LiteLLM simulator did not start (%s):\n%s", exitStatus(c.err), c.tail())
	case <-time.After(30 * time.Second):
		return c, "", fmt.Errorf("the LiteLLM simulator printed no URL within 30s:\n%s", c.tail())
	}
}

// exitStatus describes how a process ended.
func exitStatus(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop asks the process group to terminate and kills it after the grace period.
func (c *child) stop(grace time.Duration) {
	defer func() { _ = c.log.Close() }()
	if c.exited() {
		return
	}
	_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-c.done:
		return
	case <-time.After(grace):
	}
	_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	<-c.done
}

// tail is the end of the process's log, for error messages.
func (c *child) tail() string { return tailOf(c.log.Name(), 1500) }

func tailOf(path string, n int) string {
	data, err := os.ReadFile(path) //nolint:gosec // a path under the demo's own folder
	if err != nil {
		return ""
	}
	if len(data) > n {
		data = data[len(data)-n:]
		if i := strings.IndexByte(string(data), '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	return strings.TrimRight(string(data), "\n")
}

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

// childrenOf lists the pids whose parent is pid, with their names (Linux; empty elsewhere).
func childrenOf(pid int) []pidEntry {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []pidEntry
	for _, d := range dirs {
		p, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		stat := procStat(p)
		if len(stat) < 20 || stat[1] != strconv.Itoa(pid) {
			continue
		}
		out = append(out, pidEntry{pid: p, start: stat[19], name: stat[0]})
	}
	return out
}

// procStat returns the fields of /proc/<pid>/stat after the command name, with the command name
// first: [comm, ppid, pgrp, ...]; index 19 is the start time.
func procStat(pid int) []string {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return nil
	}
	s := string(data)
	open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || closing < open {
		return nil
	}
	rest := strings.Fields(s[closing+1:]) // state, ppid, pgrp, ...
	if len(rest) < 20 {
		return nil
	}
	return append([]string{s[open+1 : closing]}, rest[1:]...)
}

func processStartTime(pid int) string {
	if f := procStat(pid); len(f) >= 20 {
		return f[19]
	}
	return ""
}

func isZombie(pid int) bool {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		// Gone, where /proc exists at all.
		_, procErr := os.Stat("/proc/self")
		return errors.Is(err, os.ErrNotExist) && procErr == nil
	}
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] == 'Z'
	}
	return false
}

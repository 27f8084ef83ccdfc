package harness

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Command describes a program to start.
type Command struct {
	// Name is how messages call the process, e.g. "kube-apiserver".
	Name string
	// Path is the binary.
	Path string
	Args []string
	// Env is added to this program's environment.
	Env []string
	// LogPath receives the process's stdout and stderr (appended to, so a restarted process
	// continues the same log).
	LogPath string
	// Stdout, when set, receives stdout instead of the log.
	Stdout io.Writer
}

// Process is a started program.
type Process struct {
	name string
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
	err  error
}

// Start starts c in its own process group. The process outlives the call: Stop or Kill ends it.
func Start(c Command) (*Process, error) {
	logFile, err := os.OpenFile(c.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600) //nolint:gosec // the caller's own folder
	if err != nil {
		return nil, err
	}
	// No context: the process must outlive the call that starts it; Stop ends it.
	cmd := exec.Command(c.Path, c.Args...) //nolint:gosec,noctx // the caller's own binaries
	cmd.Env = append(os.Environ(), c.Env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if c.Stdout != nil {
		cmd.Stdout = c.Stdout
	}
	cmd.SysProcAttr = childAttributes()
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", c.Name, err)
	}
	p := &Process{name: c.Name, cmd: cmd, log: logFile, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// StartPrintingURL starts a program that prints its base URL as the first line of stdout (as
// litellm-sim does with --listen 127.0.0.1:0) and returns that URL; the rest of stdout goes to the log.
func StartPrintingURL(c Command, timeout time.Duration) (*Process, string, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, "", err
	}
	c.Stdout = w
	p, err := Start(c)
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
		_, _ = io.Copy(p.log, br) // keep the pipe drained
	}()
	select {
	case url := <-lines:
		if strings.HasPrefix(url, "http") {
			return p, url, nil
		}
		<-p.done
		return nil, "", fmt.Errorf("%s did not start (%s):\n%s", c.Name, exitStatus(p.err), p.Tail(2000))
	case <-time.After(timeout):
		_ = p.Stop(5 * time.Second)
		return nil, "", fmt.Errorf("%s printed no URL within %s:\n%s", c.Name, timeout, p.Tail(2000))
	}
}

func exitStatus(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// ExitStatus says how the process ended, once Done is closed: "exit status 0", "signal: killed", ...
func (p *Process) ExitStatus() string { return exitStatus(p.err) }

// Name is the process's name in messages.
func (p *Process) Name() string { return p.name }

// Pid is the process's id (also its process group's).
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// LogPath is the file with the process's output.
func (p *Process) LogPath() string { return p.log.Name() }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop asks the process group to terminate (SIGTERM) and kills it (SIGKILL) when it has not exited
// after grace. It waits for the process and is safe to call more than once.
func (p *Process) Stop(grace time.Duration) error {
	defer func() { _ = p.log.Close() }()
	if p.Exited() {
		return nil
	}
	_ = syscall.Kill(-p.Pid(), syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(grace):
	}
	if err := syscall.Kill(-p.Pid(), syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("killing %s: %w", p.name, err)
	}
	<-p.done
	return nil
}

// Kill ends the process group with SIGKILL, as a crash would, and waits for the process.
func (p *Process) Kill() {
	_ = syscall.Kill(-p.Pid(), syscall.SIGKILL)
	<-p.done
	_ = p.log.Close()
}

// Tail returns about the last n bytes of the process's log, from a line start, for error messages.
func (p *Process) Tail(n int) string { return Tail(p.LogPath(), n) }

// Tail returns about the last n bytes of a file, from a line start ("" when unreadable).
func Tail(path string, n int) string {
	data, err := os.ReadFile(path) //nolint:gosec // the caller's own log
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

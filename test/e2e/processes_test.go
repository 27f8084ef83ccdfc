package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// process is a binary the suite runs: in its own process group, killed with the test binary
// (parent-death signal) if the suite dies without stopping it.
type process struct {
	name string
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
	err  error
}

func startProcess(name, logPath string, stdout io.Writer, env []string, bin string, args ...string) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600) //nolint:gosec // the suite's folder
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...) //nolint:gosec // our own binaries
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if stdout != nil {
		cmd.Stdout = stdout
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logFile, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop ends the process with SIGTERM (SIGKILL after 15s) and waits for it.
func (p *process) stop() {
	if !p.exited() {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	}
	_ = p.log.Close()
}

// kill ends the process with SIGKILL, as a crash would, and waits for it.
func (p *process) kill() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
	_ = p.log.Close()
}

func tail(path string) string {
	data, _ := os.ReadFile(path) //nolint:gosec // the suite's folder
	if len(data) > 3000 {
		data = data[len(data)-3000:]
	}
	return string(data)
}

// simulator is the litellm-sim binary.
type simulator struct {
	proc *process
	url  string
}

func startSimulator(logPath string) (*simulator, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	proc, err := startProcess("litellm-sim", logPath, w, []string{"LITELLM_MASTER_KEY=" + masterKey},
		filepath.Join(env.root, "bin", "litellm-sim"), "--listen", "127.0.0.1:0")
	_ = w.Close()
	if err != nil {
		_ = r.Close()
		return nil, err
	}
	first := make(chan string, 1)
	go func() {
		br := bufio.NewReader(r)
		line, _ := br.ReadString('\n')
		first <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, br)
		_ = r.Close()
	}()
	select {
	case url := <-first:
		if !strings.HasPrefix(url, "http") {
			proc.stop()
			return nil, fmt.Errorf("litellm-sim printed no URL:\n%s", tail(logPath))
		}
		return &simulator{proc: proc, url: url}, nil
	case <-time.After(30 * time.Second):
		proc.stop()
		return nil, errors.New("litellm-sim printed no URL within 30s")
	}
}

// operatorProcess is bin/manager, run as in a cluster but against the local control plane.
type operatorProcess struct {
	proc                   *process
	probeAddr, metricsAddr string
	logPath                string
}

// startOperator starts bin/manager and waits until it is ready.
func startOperator() (*operatorProcess, error) {
	probe, err := freeAddress()
	if err != nil {
		return nil, err
	}
	metrics, err := freeAddress()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(env.dir, "operator.log")
	proc, err := startProcess("operator", logPath, nil,
		[]string{"KUBECONFIG=" + env.cp.KubeconfigPath(), "WATCH_NAMESPACE="},
		filepath.Join(env.root, "bin", "manager"),
		"--health-probe-bind-address="+probe, "--metrics-bind-address="+metrics, "--metrics-secure=false",
		"--resync-period="+resync.String(), "--max-concurrent-reconciles=8",
		"--kube-api-qps=200", "--kube-api-burst=400", "--litellm-timeout=10s")
	if err != nil {
		return nil, err
	}
	op := &operatorProcess{proc: proc, probeAddr: probe, metricsAddr: metrics, logPath: logPath}
	deadline := time.Now().Add(60 * time.Second)
	for !httpOK("http://" + probe + "/readyz") {
		if proc.exited() || time.Now().After(deadline) {
			proc.stop()
			return nil, fmt.Errorf("the operator did not become ready (exited: %t):\n%s", proc.exited(), tail(logPath))
		}
		time.Sleep(100 * time.Millisecond)
	}
	return op, nil
}

func (o *operatorProcess) stop() {
	if o != nil {
		o.proc.stop()
	}
}

// reconcileStats reads the virtualkey controller's metrics: reconciles finished since the process
// started, and whether its queue is idle (nothing queued, no reconcile running).
func (o *operatorProcess) reconcileStats() (total int, idle bool, err error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://"+o.metricsAddr+"/metrics", nil)
	if err != nil {
		return 0, false, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, false, err
	}
	defer func() { _ = resp.Body.Close() }()
	busy := 0.0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, `controller="virtualkey"`) {
			continue
		}
		fields := strings.Fields(line)
		value, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err != nil {
			continue
		}
		switch {
		case strings.HasPrefix(line, "controller_runtime_reconcile_total{"):
			total += int(value)
		case strings.HasPrefix(line, "workqueue_depth{"), strings.HasPrefix(line, "controller_runtime_active_workers{"):
			busy += value
		}
	}
	return total, busy == 0, sc.Err()
}

func freeAddress() (string, error) {
	l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String(), nil
}

func httpOK(url string) bool {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// operatorArgs are the manager flags a phase chooses.
type operatorArgs struct {
	Namespace string
	Workers   int
	Resync    time.Duration
	QPS       float64
	Burst     int
}

func (a operatorArgs) flags(metricsAddr, probeAddr string) []string {
	return []string{
		"--metrics-bind-address=" + metricsAddr,
		"--metrics-secure=false",
		"--health-probe-bind-address=" + probeAddr,
		// Only the phase's namespace: the objects of earlier phases stay in the cluster but are
		// not reconciled again.
		"--watch-namespaces=" + a.Namespace,
		"--max-concurrent-reconciles=" + strconv.Itoa(a.Workers),
		"--resync-period=" + a.Resync.String(),
		"--kube-api-qps=" + strconv.FormatFloat(a.QPS, 'f', -1, 64),
		"--kube-api-burst=" + strconv.Itoa(a.Burst),
		"--litellm-timeout=30s",
		"--graceful-shutdown-timeout=5s",
		"--zap-log-level=info",
	}
}

// operatorProcess is the manager binary running as a child of the benchmark: its memory must be
// its own to be measured.
type operatorProcess struct {
	cmd        *exec.Cmd
	log        *os.File
	metricsURL string
	readyURL   string
	http       *http.Client
	done       chan struct{}
	waitErr    error
}

// operatorMetricFamilies are the metric families the benchmark reads from the manager. The
// scrape asks for these only (name[]): the manager's per-object series are many at 10,000 keys.
var operatorMetricFamilies = []string{
	"controller_runtime_reconcile_total", "controller_runtime_reconcile_time_seconds",
	"controller_runtime_active_workers", "workqueue_depth", "workqueue_queue_duration_seconds",
	"rest_client_requests_total", "litellm_client_requests_total", "litellm_client_request_duration_seconds",
	"go_memstats_heap_inuse_bytes", "go_gc_heap_live_bytes", "process_resident_memory_bytes",
}

func keepOperatorMetric(name string) bool {
	for _, family := range operatorMetricFamilies {
		if strings.HasPrefix(name, family) {
			return true
		}
	}
	return false
}

func operatorMetricsURL(addr string) string {
	q := url.Values{"name[]": operatorMetricFamilies}
	return "http://" + addr + "/metrics?" + q.Encode()
}

// startOperator runs binary with KUBECONFIG set and its output in logPath, and waits until its
// probe endpoint answers.
func startOperator(ctx context.Context, binary, kubeconfig, logPath string, a operatorArgs) (*operatorProcess, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	metricsAddr := "127.0.0.1:" + strconv.Itoa(ports[0])
	probeAddr := "127.0.0.1:" + strconv.Itoa(ports[1])
	logFile, err := os.Create(logPath) //nolint:gosec // the path is the benchmark's own run folder
	if err != nil {
		return nil, err
	}
	// No context: the process is ended by stop, with a grace period, never by a cancelled context.
	cmd := exec.Command(binary, a.flags(metricsAddr, probeAddr)...) //nolint:gosec,noctx // our own manager binary
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = childAttributes()
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("starting the operator %s: %w", binary, err)
	}
	o := &operatorProcess{
		cmd: cmd, log: logFile,
		metricsURL: operatorMetricsURL(metricsAddr),
		readyURL:   "http://" + probeAddr + "/readyz",
		http:       &http.Client{Timeout: 10 * time.Second},
		done:       make(chan struct{}),
	}
	go func() {
		o.waitErr = cmd.Wait()
		close(o.done)
	}()
	if err := o.waitReady(ctx, time.Minute); err != nil {
		_ = o.stop()
		return nil, err
	}
	return o, nil
}

func (o *operatorProcess) pid() int { return o.cmd.Process.Pid }

func (o *operatorProcess) exited() bool {
	select {
	case <-o.done:
		return true
	default:
		return false
	}
}

func (o *operatorProcess) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.readyURL, nil)
		if err != nil {
			return err
		}
		if resp, err := o.http.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if o.exited() {
			return fmt.Errorf("the operator exited during start-up (see %s): %w", o.log.Name(), o.waitErr)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the operator was not ready within %s; see %s", timeout, o.log.Name())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (o *operatorProcess) metrics(ctx context.Context) (metricSet, error) {
	if o.exited() {
		return nil, fmt.Errorf("the operator exited (see %s): %w", o.log.Name(), o.waitErr)
	}
	return scrape(ctx, o.http, o.metricsURL, keepOperatorMetric)
}

func (o *operatorProcess) memory() (memory, error) { return readMemory(o.pid()) }

func (o *operatorProcess) cpuSeconds() float64 {
	st, err := readProcStat(o.pid())
	if err != nil {
		return 0
	}
	return st.CPUSecs
}

// waitIdle returns once the controller has finished at least minReconciles reconciles since the
// process started, and its queue is empty with no worker busy at two polls in a row.
func (o *operatorProcess) waitIdle(ctx context.Context, minReconciles float64, timeout time.Duration) (metricSet, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	quiet := 0
	for {
		m, err := o.metrics(ctx)
		if err != nil {
			return nil, err
		}
		if reconciles(m) >= minReconciles && m.Sum("workqueue_depth", controllerLabel) == 0 &&
			m.Sum("controller_runtime_active_workers", controllerLabel) == 0 {
			quiet++
		} else {
			quiet = 0
		}
		if quiet >= 2 {
			return m, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("the operator did not become idle within %s (reconciles %.0f of at least %.0f, queue %.0f): %w",
				timeout, reconciles(m), minReconciles, m.Sum("workqueue_depth", controllerLabel), ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM to the operator's process group and SIGKILL after a grace period.
func (o *operatorProcess) stop() error {
	defer func() { _ = o.log.Close() }()
	if o.exited() {
		return nil
	}
	pgid := -o.pid()
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-o.done:
		return nil
	case <-time.After(15 * time.Second):
	}
	if err := syscall.Kill(pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("killing the operator: %w", err)
	}
	<-o.done
	return nil
}

// controllerName is the VirtualKey controller's name in the manager's metrics.
const controllerName = "virtualkey"

// controllerLabel selects the VirtualKey controller's series.
var controllerLabel = map[string]string{"controller": controllerName}

func reconciles(m metricSet) float64 {
	return m.Sum("controller_runtime_reconcile_total", controllerLabel)
}

// reconcileResults counts the VirtualKey controller's reconciles by result (success, error,
// requeue, requeue_after).
func reconcileResults(m metricSet) map[string]float64 {
	return m.GroupBy("controller_runtime_reconcile_total",
		func(l map[string]string) bool { return l["controller"] == controllerName },
		func(l map[string]string) string { return l["result"] })
}

// kubeRequests counts the operator's requests to the API server by HTTP method.
func kubeRequests(m metricSet) map[string]float64 {
	return m.GroupBy("rest_client_requests_total", nil, func(l map[string]string) string { return l["method"] })
}

func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	listeners := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

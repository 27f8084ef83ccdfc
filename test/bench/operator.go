package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/litellm-operator/litellm-operator/test/harness"
)

// operatorProcess is an operator binary running as a child of the benchmark: its memory must be
// its own to be measured.
type operatorProcess struct {
	op         Operator
	proc       *harness.Process
	metricsURL string
	pprofURL   string // empty when the operator has no profiling endpoint
	http       *http.Client
	// controller is the VirtualKey controller's name in the metrics, found at the first scrape.
	controller string
}

// operatorMetricFamilies are the metric families the benchmark reads from an operator. The
// scrape asks for these only (name[]): per-object series are many at 10,000 keys.
var operatorMetricFamilies = []string{
	"controller_runtime_reconcile_total", "controller_runtime_reconcile_time_seconds",
	"controller_runtime_active_workers", "controller_runtime_max_concurrent_reconciles",
	"workqueue_depth", "workqueue_queue_duration_seconds",
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

// startOperator runs op with KUBECONFIG set and its output in logPath, and waits until its probe
// endpoint answers. s gives the placeholders but the addresses, which are chosen here.
func startOperator(ctx context.Context, op Operator, kubeconfig, logPath string, s startSettings) (*operatorProcess, error) {
	addrs, err := harness.FreeAddresses(3)
	if err != nil {
		return nil, err
	}
	s.Metrics, s.Probe, s.Pprof = addrs[0], addrs[1], addrs[2]
	proc, err := harness.Start(harness.Command{
		Name: op.Name, Path: op.Binary, Args: expand(op.Args, s),
		Env: append([]string{"KUBECONFIG=" + kubeconfig}, op.Env...), LogPath: logPath,
	})
	if err != nil {
		return nil, err
	}
	o := &operatorProcess{op: op, proc: proc, metricsURL: operatorMetricsURL(s.Metrics), http: &http.Client{Timeout: 30 * time.Second}}
	if op.uses("{pprof}") {
		o.pprofURL = "http://" + s.Pprof + "/debug/pprof/"
	}
	readyCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := harness.WaitHTTP(readyCtx, o.http, "http://"+s.Probe+"/readyz", proc); err != nil {
		_ = o.stop()
		return nil, fmt.Errorf("%s was not ready (log: %s): %w", op.Name, logPath, err)
	}
	return o, nil
}

func (o *operatorProcess) pid() int { return o.proc.Pid() }

// errNoController: the operator serves metrics but has not started its VirtualKey controller yet
// (it starts controllers once its caches are filled, which may be after it reports ready).
var errNoController = errors.New("no VirtualKey controller in its controller_runtime_reconcile_total series")

// metrics scrapes the operator; the first scrape finds its VirtualKey controller.
func (o *operatorProcess) metrics(ctx context.Context) (metricSet, error) {
	if o.proc.Exited() {
		return nil, fmt.Errorf("%s exited (%s; see %s)", o.op.Name, o.proc.ExitStatus(), o.proc.LogPath())
	}
	m, err := scrape(ctx, o.http, o.metricsURL, keepOperatorMetric)
	if err != nil {
		return nil, err
	}
	if o.controller == "" {
		if o.controller = virtualKeyController(m); o.controller == "" {
			return nil, fmt.Errorf("%s: %w", o.op.Name, errNoController)
		}
	}
	return m, nil
}

// virtualKeyController is the name of the controller whose name contains "virtualkey" (this
// repository calls it "virtualkey", a kubebuilder scaffold may call it "litellm-virtualkey").
func virtualKeyController(m metricSet) string {
	for _, s := range m {
		if s.Name == "controller_runtime_reconcile_total" && strings.Contains(strings.ToLower(s.Labels["controller"]), "virtualkey") {
			return s.Labels["controller"]
		}
	}
	return ""
}

func (o *operatorProcess) label() map[string]string {
	return map[string]string{"controller": o.controller}
}

// queueLabel selects the VirtualKey controller's work queue.
func (o *operatorProcess) queueLabel() map[string]string {
	return map[string]string{"name": o.controller}
}

// reconciles counts the VirtualKey controller's reconciles.
func (o *operatorProcess) reconciles(m metricSet) float64 {
	return m.Sum("controller_runtime_reconcile_total", o.label())
}

// reconcileResults counts the VirtualKey controller's reconciles by result (success, error,
// requeue, requeue_after).
func (o *operatorProcess) reconcileResults(m metricSet) map[string]float64 {
	return m.GroupBy("controller_runtime_reconcile_total",
		func(l map[string]string) bool { return l["controller"] == o.controller },
		func(l map[string]string) string { return l["result"] })
}

// idle: the VirtualKey controller's queue is empty and no worker is busy.
func (o *operatorProcess) idle(m metricSet) bool {
	return m.Sum("controller_runtime_active_workers", o.label()) == 0 &&
		m.Sum("workqueue_depth", o.queueLabel()) == 0
}

// workers is the VirtualKey controller's --max-concurrent-reconciles, as it reports it.
func (o *operatorProcess) workers(m metricSet) int {
	return int(m.Sum("controller_runtime_max_concurrent_reconciles", o.label()))
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
		switch {
		case errors.Is(err, errNoController) && ctx.Err() == nil:
			quiet = 0
		case err != nil:
			return nil, err
		case o.reconciles(m) >= minReconciles && o.idle(m):
			quiet++
		default:
			quiet = 0
		}
		if quiet >= 2 {
			return m, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s did not become idle within %s (reconciles %.0f of at least %.0f, queue %.0f): %w",
				o.op.Name, timeout, o.reconciles(m), minReconciles, m.Sum("workqueue_depth", o.queueLabel()), ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// waitReconciled returns once the controller has finished at least minReconciles reconciles since
// the process started and is idle, or, after that many, sideIdleWait has passed without it being
// idle: an operator whose requeues keep a reconcile running or due at every moment never is,
// whether or not it keeps up with them. idle reports which.
func (o *operatorProcess) waitReconciled(ctx context.Context, minReconciles float64, timeout time.Duration) (idle bool, err error) {
	waitCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		m, err := o.metrics(waitCtx)
		if err != nil && !errors.Is(err, errNoController) {
			return false, err
		}
		if err == nil && o.reconciles(m) >= minReconciles {
			break
		}
		if err := sleep(waitCtx, 250*time.Millisecond); err != nil {
			return false, fmt.Errorf("%s finished fewer than %.0f reconciles within %s: %w", o.op.Name, minReconciles, timeout, err)
		}
	}
	if _, err := o.waitIdle(ctx, minReconciles, sideIdleWait); err != nil {
		return false, ctx.Err()
	}
	return true, nil
}

// writeHeapProfile saves the operator's heap profile (after a collection, so it shows what is
// live) to path; an operator without a profiling endpoint writes none.
func (o *operatorProcess) writeHeapProfile(ctx context.Context, path string) error {
	return o.saveProfile(ctx, "heap?gc=1", path, 30*time.Second)
}

func (o *operatorProcess) saveProfile(ctx context.Context, query, path string, timeout time.Duration) error {
	if o.pprofURL == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.pprofURL+query, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req) //nolint:gosec // the operator's own loopback endpoint
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("heap profile: %s", resp.Status)
	}
	f, err := os.Create(path) //nolint:gosec // the benchmark's own work folder
	if err != nil {
		return err
	}
	_, err = io.Copy(f, resp.Body)
	return errors.Join(err, f.Close())
}

// writeCPUProfile saves a CPU profile of the next d (whole seconds) to path; an operator without
// a profiling endpoint writes none.
func (o *operatorProcess) writeCPUProfile(ctx context.Context, path string, d time.Duration) error {
	return o.saveProfile(ctx, fmt.Sprintf("profile?seconds=%d", max(1, int(d.Round(time.Second).Seconds()))), path, d+30*time.Second)
}

// stop sends SIGTERM to the operator's process group and SIGKILL after a grace period.
func (o *operatorProcess) stop() error { return o.proc.Stop(15 * time.Second) }

// kubeRequests counts the operator's requests to the API server by HTTP method.
func kubeRequests(m metricSet) map[string]float64 {
	return m.GroupBy("rest_client_requests_total", nil, func(l map[string]string) string { return l["method"] })
}

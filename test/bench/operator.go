package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/litellm-operator/litellm-operator/test/harness"
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
	proc       *harness.Process
	metricsURL string
	http       *http.Client
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
	addrs, err := harness.FreeAddresses(2)
	if err != nil {
		return nil, err
	}
	metricsAddr, probeAddr := addrs[0], addrs[1]
	proc, err := harness.Start(harness.Command{
		Name: "the operator", Path: binary, Args: a.flags(metricsAddr, probeAddr),
		Env: []string{"KUBECONFIG=" + kubeconfig}, LogPath: logPath,
	})
	if err != nil {
		return nil, err
	}
	o := &operatorProcess{proc: proc, metricsURL: operatorMetricsURL(metricsAddr), http: &http.Client{Timeout: 10 * time.Second}}
	readyCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := harness.WaitHTTP(readyCtx, o.http, "http://"+probeAddr+"/readyz", proc); err != nil {
		_ = o.stop()
		return nil, fmt.Errorf("the operator was not ready (log: %s): %w", logPath, err)
	}
	return o, nil
}

func (o *operatorProcess) pid() int { return o.proc.Pid() }

func (o *operatorProcess) metrics(ctx context.Context) (metricSet, error) {
	if o.proc.Exited() {
		return nil, fmt.Errorf("the operator exited (%s; see %s)", o.proc.ExitStatus(), o.proc.LogPath())
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
func (o *operatorProcess) stop() error { return o.proc.Stop(15 * time.Second) }

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

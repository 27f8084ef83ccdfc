package e2e

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/litellm-operator/litellm-operator/test/harness"
)

// simulator is the litellm-sim binary.
type simulator struct {
	proc *harness.Process
	url  string
}

func startSimulator(logPath string) (*simulator, error) {
	proc, url, err := harness.StartPrintingURL(harness.Command{
		Name: "litellm-sim", Path: filepath.Join(env.root, "bin", "litellm-sim"), Args: []string{"--listen", "127.0.0.1:0"},
		Env: []string{"LITELLM_MASTER_KEY=" + masterKey}, LogPath: logPath,
	}, 30*time.Second)
	if err != nil {
		return nil, err
	}
	return &simulator{proc: proc, url: url}, nil
}

// operatorProcess is bin/manager, run as in a cluster but against the local control plane.
type operatorProcess struct {
	proc                   *harness.Process
	probeAddr, metricsAddr string
}

// startOperator starts bin/manager and waits until it is ready.
func startOperator() (*operatorProcess, error) {
	addrs, err := harness.FreeAddresses(2)
	if err != nil {
		return nil, err
	}
	probe, metrics := addrs[0], addrs[1]
	proc, err := harness.Start(harness.Command{
		Name: "operator", Path: filepath.Join(env.root, "bin", "manager"),
		Args: []string{"--health-probe-bind-address=" + probe, "--metrics-bind-address=" + metrics, "--metrics-secure=false",
			"--resync-period=" + resync.String(), "--max-concurrent-reconciles=8",
			"--kube-api-qps=200", "--kube-api-burst=400", "--litellm-timeout=10s"},
		Env:     []string{"KUBECONFIG=" + env.cp.KubeconfigPath(), "WATCH_NAMESPACE="},
		LogPath: filepath.Join(env.dir, "operator.log"),
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := harness.WaitHTTP(ctx, nil, "http://"+probe+"/readyz", proc); err != nil {
		_ = proc.Stop(15 * time.Second)
		return nil, fmt.Errorf("the operator did not become ready: %w", err)
	}
	return &operatorProcess{proc: proc, probeAddr: probe, metricsAddr: metrics}, nil
}

func (o *operatorProcess) stop() {
	if o != nil {
		_ = o.proc.Stop(15 * time.Second)
	}
}

// virtualKeyController selects the VirtualKey controller's series.
var virtualKeyController = harness.LabelsMatch(map[string]string{"controller": "virtualkey"})

// reconcileStats reads the virtualkey controller's metrics: reconciles finished since the process
// started, and whether its queue is idle (nothing queued, no reconcile running).
func (o *operatorProcess) reconcileStats() (total int, idle bool, err error) {
	m, err := harness.ScrapeMetrics(context.Background(), http.DefaultClient, "http://"+o.metricsAddr+"/metrics")
	if err != nil {
		return 0, false, err
	}
	busy := m.Sum("workqueue_depth", virtualKeyController) + m.Sum("controller_runtime_active_workers", virtualKeyController)
	return int(m.Sum("controller_runtime_reconcile_total", virtualKeyController)), busy == 0, nil
}

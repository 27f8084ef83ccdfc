package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
	"github.com/litellm-operator/litellm-operator/pkg/operator"
	"github.com/litellm-operator/litellm-operator/test/controlplane"
)

const (
	simMasterKey = "sk-bench-master-0123456789abcdef"
	// longResync keeps periodic resyncs out of the phases that time creates.
	longResync = time.Hour
	// memorySettle lets the operator's heap and RSS come to rest before a memory reading.
	memorySettle      = 5 * time.Second
	calibrationRounds = 30
)

// runner holds what every phase shares.
type runner struct {
	cfg       Config
	cp        *controlplane.ControlPlane
	k8s       *cluster
	apiHTTP   *http.Client
	apiHost   string
	workDir   string
	sims      []*litellmsim.Simulator
	operators []*operatorProcess
	report    *Report
	phase     string
}

// Run starts a local control plane and runs every phase of the benchmark against the operator
// binary, stopping every process it started before it returns (also when ctx is cancelled).
func Run(ctx context.Context, cfg Config) (rep *Report, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	// The benchmark's watches use controller-runtime, which complains with a stack trace when no
	// logger is set; what they would log is of no use here.
	ctrllog.SetLogger(logr.Discard())
	started := time.Now()
	root := cfg.RepoRoot
	if root == "" {
		if root, err = repositoryRoot(); err != nil {
			return nil, err
		}
	}
	if cfg.ManagerBinary, err = filepath.Abs(cfg.ManagerBinary); err != nil {
		return nil, err
	}
	if _, err := os.Stat(cfg.ManagerBinary); err != nil {
		return nil, fmt.Errorf("operator binary: %w (run `make build`)", err)
	}
	r := &runner{cfg: cfg, workDir: cfg.WorkDir}
	if r.workDir == "" {
		if r.workDir, err = os.MkdirTemp("", "litellm-bench-"); err != nil {
			return nil, err
		}
		defer func() { _ = os.RemoveAll(r.workDir) }()
	} else if err := os.MkdirAll(r.workDir, 0o750); err != nil {
		return nil, err
	}
	// Stop the operators (their shutdown talks to the API server) and simulators first, then the
	// control plane.
	defer func() { err = errors.Join(err, r.cleanup()) }()

	r.progress("starting the control plane")
	r.cp, err = controlplane.Start(controlplane.Options{
		CRDDirectoryPaths: []string{filepath.Join(root, "config", "crd", "bases")},
	})
	if err != nil {
		return nil, fmt.Errorf("starting the control plane: %w", err)
	}
	if r.k8s, err = newCluster(r.cp.Config(), operator.NewScheme(v1alpha1.AddToScheme), cfg.CreateQPS); err != nil {
		return nil, err
	}
	apiCfg := r.cp.Config()
	r.apiHost = apiCfg.Host
	if r.apiHTTP, err = rest.HTTPClientFor(apiCfg); err != nil {
		return nil, err
	}

	r.report = &Report{Started: started.UTC(), Revision: revision(ctx, root), Machine: describeMachine(), Settings: settingsOf(cfg)}
	r.progress("measuring the API server's write latency")
	wl, err := r.k8s.writeLatency(ctx, "bench-calibration", calibrationRounds)
	if err != nil {
		return nil, fmt.Errorf("calibrating write latency: %w", err)
	}
	r.report.WriteLatency = Seconds(wl)

	for _, workers := range cfg.Concurrency {
		run, env, err := r.createPhase(ctx, fmt.Sprintf("sweep w=%d", workers), fmt.Sprintf("bench-w%d", workers), cfg.Keys, workers)
		if err != nil {
			return nil, err
		}
		if err := r.stopOperator(env.op); err != nil {
			return nil, err
		}
		r.report.Sweep = append(r.report.Sweep, run)
	}
	if cfg.RequestCosts > 0 {
		reads := r.report.Sweep[len(r.report.Sweep)-1].KubeReadsPerKey
		if r.report.RequestCosts, err = r.requestCosts(ctx, cfg.RequestCosts, reads); err != nil {
			return nil, err
		}
	}
	if r.report.Steady, err = r.steadyState(ctx); err != nil {
		return nil, err
	}
	if cfg.MemoryKeys > 0 {
		if r.report.Memory, err = r.memoryPhase(ctx); err != nil {
			return nil, err
		}
	}
	r.report.Duration = Seconds(time.Since(started))
	r.report.Targets = evaluateTargets(r.report)
	if err := r.writeOutputs(); err != nil {
		return r.report, err
	}
	return r.report, nil
}

func (r *runner) cleanup() error {
	var errs []error
	for _, op := range r.operators {
		errs = append(errs, op.stop())
	}
	for _, s := range r.sims {
		errs = append(errs, s.Close())
	}
	if r.cp != nil {
		r.progress("stopping the control plane")
		errs = append(errs, r.cp.Stop())
	}
	return errors.Join(errs...)
}

func (r *runner) progress(format string, args ...any) {
	if r.cfg.Progress != nil {
		r.cfg.Progress(fmt.Sprintf(format, args...), false)
	}
}

func (r *runner) milestone(format string, args ...any) {
	if r.cfg.Progress != nil {
		r.cfg.Progress(fmt.Sprintf(format, args...), true)
	}
}

func (r *runner) newSimulator() (*litellmsim.Simulator, error) {
	// The budget-reset job is off: it would only add background work to the measurements.
	sim, err := litellmsim.New(litellmsim.Options{MasterKey: simMasterKey})
	if err != nil {
		return nil, err
	}
	r.sims = append(r.sims, sim)
	if _, err := sim.Start("127.0.0.1:0"); err != nil {
		return nil, err
	}
	sim.SetLatency(r.cfg.Latency, 0)
	return sim, nil
}

func (r *runner) startOperator(ctx context.Context, ns string, workers int, resync time.Duration) (*operatorProcess, error) {
	n := len(r.operators)
	log := filepath.Join(r.workDir, fmt.Sprintf("operator-%02d-%s.log", n, ns))
	op, err := startOperator(ctx, r.cfg.ManagerBinary, r.cp.KubeconfigPath(), log, operatorArgs{
		Namespace: ns, Workers: workers, Resync: resync, QPS: r.cfg.KubeAPIQPS, Burst: r.cfg.KubeAPIBurst,
	})
	if err != nil {
		return nil, err
	}
	r.operators = append(r.operators, op)
	return op, nil
}

func (r *runner) stopOperator(op *operatorProcess) error {
	if op == nil {
		return nil
	}
	return op.stop()
}

// phaseEnv is what a create phase leaves running for the phases that build on it.
type phaseEnv struct {
	ns      string
	sim     *litellmsim.Simulator
	warmSim *litellmsim.Simulator
	op      *operatorProcess
	names   []string
}

// warmupKey is reconciled before the timed creates start, against its own simulator (so the
// measured simulator holds exactly the phase's keys): it proves the operator's caches are synced
// and its workers running.
const warmupKey = "warmup"

// createPhase creates keys VirtualKeys against an operator with the given workers and measures
// the time until all are Ready, and what it cost.
func (r *runner) createPhase(ctx context.Context, label, ns string, keys, workers int) (CreateRun, *phaseEnv, error) {
	r.phase = label
	env := &phaseEnv{ns: ns, names: keyNames(keys)}
	var err error
	if env.sim, err = r.newSimulator(); err != nil {
		return CreateRun{}, nil, err
	}
	if env.warmSim, err = r.newSimulator(); err != nil {
		return CreateRun{}, nil, err
	}
	if err := r.k8s.prepareNamespace(ctx, ns, env.sim.URL(), simMasterKey); err != nil {
		return CreateRun{}, nil, err
	}
	if err := r.k8s.createConnection(ctx, ns, warmupConnection, env.warmSim.URL(), simMasterKey); err != nil {
		return CreateRun{}, nil, err
	}
	r.progress("%s: starting the operator", label)
	if env.op, err = r.startOperator(ctx, ns, workers, longResync); err != nil {
		return CreateRun{}, nil, err
	}
	tr, err := startTracker(ctx, r.k8s, ns)
	if err != nil {
		return CreateRun{}, nil, err
	}
	defer tr.close()

	warm := newVirtualKey(ns, warmupKey)
	warm.Spec.ConnectionRef.SecretRef.Name = warmupConnection
	if err := r.k8s.client.Create(ctx, warm); err != nil {
		return CreateRun{}, nil, err
	}
	if err := tr.waitReady(ctx, []string{warmupKey}, 2*time.Minute, nil); err != nil {
		return CreateRun{}, nil, fmt.Errorf("%s: warm-up: %w", label, err)
	}
	before, err := r.snapshot(ctx, env.op, 1)
	if err != nil {
		return CreateRun{}, nil, err
	}
	env.sim.ResetCalls()

	var created atomic.Int64
	createDone := make(chan error, 1)
	createStart := time.Now()
	var createTime time.Duration
	// A failed create ends the wait for Ready at once, with the create's error.
	waitCtx, stopWaiting := context.WithCancelCause(ctx)
	defer stopWaiting(nil)
	go func() {
		err := r.k8s.createKeys(ctx, ns, env.names, r.cfg.Creators, tr.markSent, &created)
		createTime = time.Since(createStart)
		if err != nil {
			stopWaiting(err)
		}
		createDone <- err
	}()
	waitErr := tr.waitReady(waitCtx, env.names, r.cfg.ReadyTimeout, func(ready int) {
		r.progress("%s: created %d/%d, Ready %d/%d, %.1fs", label, created.Load(), keys, ready, keys, time.Since(createStart).Seconds())
	})
	if err := <-createDone; err != nil {
		return CreateRun{}, nil, fmt.Errorf("%s: %w", label, err)
	}
	if waitErr != nil {
		return CreateRun{}, nil, fmt.Errorf("%s: %w", label, waitErr)
	}
	after, err := r.snapshot(ctx, env.op, before.reconciles+float64(keys))
	if err != nil {
		return CreateRun{}, nil, err
	}
	lat, span := tr.latencies(env.names)
	run := r.createRun(label, ns, keys, workers, lat, span, createTime, before, after, env.sim)
	r.milestone("%s: %d keys Ready in %.1fs (%.0f keys/s)", label, keys, span.Seconds(), run.KeysPerSecond)
	return run, env, nil
}

// warmupConnection is the connection Secret of the warm-up key.
const warmupConnection = "litellm-warmup"

// snapshot is every counter a phase compares before and after.
type snapshot struct {
	at        time.Time
	operator  metricSet
	apiserver map[string]float64 // writes by "VERB resource[/subresource]"
	// apiWriteSeconds and apiWriteCount add up the API server's own handling time of the
	// operator's writes: to VirtualKeys (but their creates, which are the benchmark's) and Secrets.
	apiWriteSeconds, apiWriteCount float64
	cpu                            map[string]float64 // CPU seconds by process
	machine                        cpuTotals
	reconciles                     float64
}

// snapshot waits for the operator to be idle with at least minReconciles reconciles done, then
// reads every counter.
func (r *runner) snapshot(ctx context.Context, op *operatorProcess, minReconciles float64) (snapshot, error) {
	m, err := op.waitIdle(ctx, minReconciles, 2*time.Minute)
	if err != nil {
		return snapshot{}, fmt.Errorf("%s: %w", r.phase, err)
	}
	s := snapshot{at: time.Now(), operator: m, reconciles: reconciles(m)}
	if err := r.readAPIServer(ctx, &s); err != nil {
		return snapshot{}, err
	}
	s.cpu = r.cpuByProcess(op)
	s.machine, _ = readCPUTotals()
	return s, nil
}

// readAPIServer counts the API server's write requests by verb and resource (leases left out:
// the API server renews its own) and their handling time.
func (r *runner) readAPIServer(ctx context.Context, s *snapshot) error {
	m, err := scrape(ctx, r.apiHTTP, r.apiHost+"/metrics", func(name string) bool {
		return name == "apiserver_request_total" || name == "apiserver_request_duration_seconds_sum" ||
			name == "apiserver_request_duration_seconds_count"
	})
	if err != nil {
		return fmt.Errorf("reading the API server's metrics: %w", err)
	}
	s.apiserver = m.GroupBy("apiserver_request_total",
		func(l map[string]string) bool { return isWrite(l["verb"]) && l["resource"] != "leases" },
		func(l map[string]string) string {
			res := l["resource"]
			if l["subresource"] != "" {
				res += "/" + l["subresource"]
			}
			return l["verb"] + " " + res
		})
	operatorWrite := func(l map[string]string) bool {
		return isWrite(l["verb"]) && (l["resource"] == "virtualkeys" && l["verb"] != "POST" || l["resource"] == "secrets")
	}
	s.apiWriteSeconds = m.SumWhere("apiserver_request_duration_seconds_sum", operatorWrite)
	s.apiWriteCount = m.SumWhere("apiserver_request_duration_seconds_count", operatorWrite)
	return nil
}

func (r *runner) cpuByProcess(op *operatorProcess) map[string]float64 {
	out := map[string]float64{"operator": op.cpuSeconds()}
	if self, err := readProcStat(os.Getpid()); err == nil {
		out["benchmark+simulator"] = self.CPUSecs
	}
	for name, pid := range childrenByName() {
		if name == "etcd" || name == "kube-apiserver" {
			if st, err := readProcStat(pid); err == nil {
				out[name] = st.CPUSecs
			}
		}
	}
	return out
}

func (r *runner) createRun(label, ns string, keys, workers int, lat []time.Duration, span, createTime time.Duration,
	before, after snapshot, sim *litellmsim.Simulator) CreateRun {
	run := CreateRun{
		Label: label, Namespace: ns, Keys: keys, Workers: workers, Ready: len(lat),
		CreateTime: Seconds(createTime), Time: Seconds(span),
		P50: Seconds(percentile(lat, 50)), P95: Seconds(percentile(lat, 95)), P99: Seconds(percentile(lat, 99)),
		SimulatorKeys: len(sim.Keys()),
	}
	if span > 0 {
		run.KeysPerSecond = float64(len(lat)) / span.Seconds()
	}
	calls := map[string]float64{}
	for k, v := range sim.AllCalls() {
		calls[k] = float64(v)
	}
	run.LiteLLMCalls = perKey(calls, keys)
	run.LiteLLMCallsPerKey = total(calls) / float64(keys)

	// API-server side: every write but the benchmark's own creates of the VirtualKeys.
	writes := subtractCounts(after.apiserver, before.apiserver)
	writes["POST virtualkeys"] -= float64(keys)
	if writes["POST virtualkeys"] == 0 {
		delete(writes, "POST virtualkeys")
	}
	run.KubeWrites = perKey(writes, keys)
	reconcileWrites := 0.0
	for k, v := range writes {
		if !strings.HasSuffix(k, " events") {
			reconcileWrites += v
		}
	}
	run.KubeReconcileWritesPerKey = reconcileWrites / float64(keys)

	kube := subtractCounts(kubeRequests(after.operator), kubeRequests(before.operator))
	for method, v := range kube {
		if isWrite(method) {
			run.KubeWritesPerKey += v / float64(keys)
		} else {
			run.KubeReadsPerKey += v / float64(keys)
		}
	}
	run.ReconcilesPerKey = (after.reconciles - before.reconciles) / float64(keys)
	run.ReconcileErrors = reconcileResults(after.operator)["error"] - reconcileResults(before.operator)["error"]
	run.MeanReconcileTime = Seconds(meanOf(before.operator, after.operator, "controller_runtime_reconcile_time_seconds", controllerLabel))
	run.MeanAPIWriteTime = Seconds(time.Duration(ratio(after.apiWriteSeconds-before.apiWriteSeconds,
		after.apiWriteCount-before.apiWriteCount) * float64(time.Second)))
	run.MeanLiteLLMCallTime = Seconds(meanOf(before.operator, after.operator, "litellm_client_request_duration_seconds", nil))
	run.MeanQueueTime = Seconds(meanOf(before.operator, after.operator, "workqueue_queue_duration_seconds", map[string]string{"name": controllerName}))

	run.CPUSeconds = subtractCounts(after.cpu, before.cpu)
	busy := after.machine.Busy - before.machine.Busy
	run.MachineCPUBusy = ratio(busy, after.machine.Total-before.machine.Total)
	// Whatever else ran on the machine meanwhile: the figures are only as good as the machine
	// was quiet.
	run.OtherCPUSeconds = max(busy-total(run.CPUSeconds), 0)
	run.CPUPerKey = Seconds(time.Duration(total(run.CPUSeconds) / float64(keys) * float64(time.Second)))
	if perKey := run.CPUPerKey.D().Seconds(); perKey > 0 {
		run.CPUBoundKeysPerSecond = float64(runtime.NumCPU()) / perKey
	}
	requestsPerKey := run.KubeWritesPerKey + run.KubeReadsPerKey
	run.ClientRateLimitKeysPerSecond = ratio(r.cfg.KubeAPIQPS, requestsPerKey)
	run.Bound = newBound(keys, run.LiteLLMCallsPerKey, r.cfg.Latency, run.KubeReconcileWritesPerKey, r.report.WriteLatency.D(), workers, span)
	return run
}

// meanOf is the mean of a histogram's observations between two scrapes.
func meanOf(before, after metricSet, name string, match map[string]string) time.Duration {
	sum := after.Sum(name+"_sum", match) - before.Sum(name+"_sum", match)
	count := after.Sum(name+"_count", match) - before.Sum(name+"_count", match)
	return time.Duration(ratio(sum, count) * float64(time.Second))
}

// repositoryRoot walks up from the working directory to the folder with go.mod and config/crd.
func repositoryRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "config", "crd", "bases")); err == nil {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find the repository root (go.mod and config/crd/bases) above the working directory")
		}
		dir = parent
	}
}

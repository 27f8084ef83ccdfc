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
	cfg  Config
	ours Operator
	// plane is the control plane the current phases run on.
	plane   *plane
	workDir string
	// sims and operators were started on the current plane; stopping it stops them.
	sims      []*litellmsim.Simulator
	operators []*operatorProcess
	report    *Report
	phase     string
	// profiles and planes count the heap profiles kept and the control planes started, for file names.
	profiles, planes int
}

// plane is a running control plane and the benchmark's clients of it.
type plane struct {
	cp      *controlplane.ControlPlane
	k8s     *cluster
	apiHTTP *http.Client
	apiHost string
	// audit is the API server's log of Secret reads.
	audit *auditLog
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
	r := &runner{cfg: cfg, workDir: cfg.WorkDir}
	if r.ours, err = cfg.ourOperator(root); err != nil {
		return nil, err
	}
	if cfg.Peer.Binary != "" {
		if r.cfg.Peer, err = resolveOperator(cfg.Peer); err != nil {
			return nil, err
		}
	}
	removeWorkDir, err := r.makeWorkDir()
	if err != nil {
		return nil, err
	}
	defer removeWorkDir()
	// Stop the operators (their shutdown talks to the API server) and simulators first, then the
	// control plane.
	defer func() { err = errors.Join(err, r.stopPlane()) }()

	r.report = &Report{Started: started.UTC(), Revision: revision(ctx, root), Machine: describeMachine(), Settings: settingsOf(cfg)}
	if err := r.startPlane(r.ours.CRDDir); err != nil {
		return nil, err
	}
	r.progress("measuring the API server's write latency")
	wl, err := r.plane.k8s.writeLatency(ctx, "bench-calibration", calibrationRounds)
	if err != nil {
		return nil, fmt.Errorf("calibrating write latency: %w", err)
	}
	r.report.WriteLatency = Seconds(wl)

	if !cfg.skips(phaseSweep) {
		if r.report.Sweep, err = r.sweep(ctx); err != nil {
			return nil, err
		}
	}
	if r.report.RequestCosts, err = r.costsPhase(ctx); err != nil {
		return nil, err
	}
	if !cfg.skips(phaseSteady) {
		if r.report.Steady, err = r.steadyState(ctx); err != nil {
			return nil, err
		}
	}
	if cfg.MemoryKeys > 0 && !cfg.skips(phaseMemory) {
		if r.report.Memory, err = r.memoryPhase(ctx); err != nil {
			return nil, err
		}
	}
	if cfg.ScaleKeys > 0 {
		if r.report.Scale, err = r.scalePhase(ctx); err != nil {
			return nil, err
		}
	}
	if cfg.Peer.Binary != "" {
		if r.report.SideBySide, err = r.sideBySide(ctx); err != nil {
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

// costsPhase measures the API server's CPU per request kind, unless -request-costs is 0 or the
// phase is skipped; the direct reads are counted as many times per key as the last sweep point made.
func (r *runner) costsPhase(ctx context.Context) ([]RequestCost, error) {
	if r.cfg.RequestCosts == 0 || r.cfg.skips(phaseCosts) {
		return nil, nil
	}
	reads := 0.0
	if n := len(r.report.Sweep); n > 0 {
		reads = r.report.Sweep[n-1].KubeReadsPerKey
	}
	return r.requestCosts(ctx, r.cfg.RequestCosts, reads)
}

// makeWorkDir creates the folder for the operators' logs and profiles: a temporary one, removed
// by the returned func, unless -work-dir names one to keep.
func (r *runner) makeWorkDir() (func(), error) {
	if r.workDir != "" {
		return func() {}, os.MkdirAll(r.workDir, 0o750)
	}
	dir, err := os.MkdirTemp("", "litellm-bench-")
	if err != nil {
		return nil, err
	}
	r.workDir = dir
	return func() { _ = os.RemoveAll(dir) }, nil
}

// sweep creates the configured number of keys at each concurrency, each with a fresh operator.
func (r *runner) sweep(ctx context.Context) ([]CreateRun, error) {
	var runs []CreateRun
	for _, workers := range r.cfg.Concurrency {
		run, env, err := r.createPhase(ctx, fmt.Sprintf("sweep w=%d", workers), fmt.Sprintf("bench-w%d", workers), r.cfg.Keys, workers)
		if err != nil {
			return nil, err
		}
		if err := r.closePhase(env); err != nil {
			return nil, err
		}
		runs = append(runs, run)
	}
	return runs, nil
}

// startPlane stops the current control plane, if any, and starts a new one with the CRDs of
// crdDir: each operator of a side-by-side run gets its own, as both claim the same CRD names.
func (r *runner) startPlane(crdDir string) error {
	if err := r.stopPlane(); err != nil {
		return err
	}
	r.progress("starting a control plane")
	r.planes++
	dir := filepath.Join(r.workDir, fmt.Sprintf("control-plane-%02d", r.planes))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	flags, auditPath, err := auditFlags(dir)
	if err != nil {
		return err
	}
	cp, err := controlplane.Start(controlplane.Options{CRDDirectoryPaths: []string{crdDir}, APIServerFlags: flags})
	if err != nil {
		return fmt.Errorf("starting the control plane: %w", err)
	}
	p := &plane{cp: cp, audit: &auditLog{path: auditPath}}
	r.plane = p
	apiCfg := cp.Config()
	p.apiHost = apiCfg.Host
	if p.k8s, err = newCluster(apiCfg, operator.NewScheme(v1alpha1.AddToScheme), r.cfg.CreateQPS); err != nil {
		return err
	}
	if p.apiHTTP, err = rest.HTTPClientFor(apiCfg); err != nil {
		return err
	}
	return nil
}

// stopPlane stops every operator and simulator started on the current control plane, then the
// control plane.
func (r *runner) stopPlane() error {
	var errs []error
	for _, op := range r.operators {
		errs = append(errs, op.stop())
	}
	for _, s := range r.sims {
		errs = append(errs, s.Close())
	}
	r.operators, r.sims = nil, nil
	if r.plane != nil {
		r.progress("stopping the control plane")
		errs = append(errs, r.plane.cp.Stop())
		r.plane = nil
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

// startOperator starts op for namespace ns; its log is kept in the work folder.
func (r *runner) startOperator(ctx context.Context, op Operator, ns string, workers int, resync time.Duration) (*operatorProcess, error) {
	n := len(r.operators)
	log := filepath.Join(r.workDir, fmt.Sprintf("%s-%02d-%s.log", fileName(r.phase), n, ns))
	proc, err := startOperator(ctx, op, r.plane.cp.KubeconfigPath(), log, startSettings{
		Namespace: ns, Workers: workers, Resync: resync, QPS: r.cfg.KubeAPIQPS, Burst: r.cfg.KubeAPIBurst,
	})
	if err != nil {
		return nil, err
	}
	r.operators = append(r.operators, proc)
	return proc, nil
}

// fileName turns a phase label into a file name.
func fileName(label string) string {
	return strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' {
			return c
		}
		return '_'
	}, label)
}

func (r *runner) stopOperator(op *operatorProcess) error {
	if op == nil {
		return nil
	}
	return op.stop()
}

// phaseEnv is a namespace with its simulator, an operator and the benchmark's watch of its
// VirtualKeys: what a create phase leaves for the phases that build on it.
type phaseEnv struct {
	op      Operator
	ns      string
	workers int
	sim     *litellmsim.Simulator
	proc    *operatorProcess
	tracker *tracker
	// names are the measured VirtualKeys created so far (the warm-up key is not one).
	names []string
}

// warmupKey is reconciled before the timed creates start: it proves the operator's caches are
// synced and its workers running. It uses the phase's own simulator and connection, as an
// operator may bind itself to the first connection it sees.
const warmupKey = "warmup"

// setupPhase prepares namespace ns with a simulator and its connection Secret, starts op there
// and waits for the warm-up key to be Ready.
func (r *runner) setupPhase(ctx context.Context, op Operator, label, ns string, workers int) (*phaseEnv, error) {
	r.phase = label
	env := &phaseEnv{op: op, ns: ns, workers: workers}
	var err error
	if env.sim, err = r.newSimulator(); err != nil {
		return nil, err
	}
	if err := r.plane.k8s.prepareNamespace(ctx, ns, env.sim.URL(), simMasterKey); err != nil {
		return nil, err
	}
	r.progress("%s: starting %s", label, op.Name)
	if env.proc, err = r.startOperator(ctx, op, ns, workers, longResync); err != nil {
		return nil, err
	}
	if env.tracker, err = startTracker(ctx, r.plane.k8s, ns); err != nil {
		return nil, err
	}
	if err := r.plane.k8s.client.Create(ctx, newVirtualKey(ns, warmupKey)); err != nil {
		return env, err
	}
	if err := env.tracker.waitReady(ctx, []string{warmupKey}, 2*time.Minute, nil); err != nil {
		return env, fmt.Errorf("%s: warm-up: %w", label, err)
	}
	return env, nil
}

// closePhase stops the phase's operator and its watch.
func (r *runner) closePhase(env *phaseEnv) error {
	if env == nil {
		return nil
	}
	if env.tracker != nil {
		env.tracker.close()
		env.tracker = nil
	}
	return r.stopOperator(env.proc)
}

// createPhase creates keys VirtualKeys against this repository's operator with the given workers
// and measures the time until all are Ready, and what it cost.
func (r *runner) createPhase(ctx context.Context, label, ns string, keys, workers int) (CreateRun, *phaseEnv, error) {
	env, err := r.setupPhase(ctx, r.ours, label, ns, workers)
	if err != nil {
		return CreateRun{}, env, err
	}
	run, err := r.timedCreate(ctx, env, label, keyNames(0, keys), r.cfg.ReadyTimeout, true)
	return run, env, err
}

// timedCreate creates the named VirtualKeys in env and measures the time until all are Ready, and
// what it cost. The counters are read when the operator has nothing left to do, so every call
// counted belongs to these keys; without mustIdle, an operator that is not idle within
// sideIdleWait (one that requeues every object every minute may never be) is read as it is.
func (r *runner) timedCreate(ctx context.Context, env *phaseEnv, label string, names []string, timeout time.Duration, mustIdle bool) (CreateRun, error) {
	r.phase = label
	keys := len(names)
	before, err := r.snapshot(ctx, env.proc, 1, mustIdle)
	if err != nil {
		return CreateRun{}, err
	}
	env.sim.ResetCalls()
	if r.cfg.CPUProfiles {
		// Expected time at the target's 100 keys/s; the profile covers the creates' busiest part.
		path := filepath.Join(r.workDir, fmt.Sprintf("cpu-%s.pb.gz", fileName(label)))
		go func() { _ = env.proc.writeCPUProfile(ctx, path, time.Duration(keys)*10*time.Millisecond) }()
	}

	var created atomic.Int64
	createDone := make(chan error, 1)
	createStart := time.Now()
	var createTime time.Duration
	// A failed create ends the wait for Ready at once, with the create's error.
	waitCtx, stopWaiting := context.WithCancelCause(ctx)
	defer stopWaiting(nil)
	go func() {
		err := r.plane.k8s.createKeys(ctx, env.ns, names, r.cfg.Creators, env.tracker.markSent, &created)
		createTime = time.Since(createStart)
		if err != nil {
			stopWaiting(err)
		}
		createDone <- err
	}()
	waitErr := env.tracker.waitReady(waitCtx, names, timeout, func(ready int) {
		r.progress("%s: created %d/%d, Ready %d/%d, %.1fs", label, created.Load(), keys, ready, keys, time.Since(createStart).Seconds())
	})
	if err := <-createDone; err != nil {
		return CreateRun{}, fmt.Errorf("%s: %w", label, err)
	}
	if waitErr != nil {
		return CreateRun{}, fmt.Errorf("%s: %w", label, waitErr)
	}
	env.names = append(env.names, names...)
	after, err := r.snapshot(ctx, env.proc, before.reconciles+float64(keys), mustIdle)
	if err != nil {
		return CreateRun{}, err
	}
	lat, span := env.tracker.latencies(names)
	run := r.createRun(label, env, names, lat, span, createTime, before, after)
	r.milestone("%s: %d keys Ready in %.1fs (%.0f keys/s)", label, keys, span.Seconds(), run.KeysPerSecond)
	return run, nil
}

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
	// idle is false when the operator still had work queued when the counters were read.
	idle bool
	// secretReads are the direct reads of single Secrets since the previous snapshot, by name.
	secretReads map[string]float64
}

// snapshot waits for the operator to be idle with at least minReconciles reconciles done, then
// reads every counter. Without mustIdle it waits sideIdleWait at most and reads the counters as
// they are.
func (r *runner) snapshot(ctx context.Context, op *operatorProcess, minReconciles float64, mustIdle bool) (snapshot, error) {
	wait := 2 * time.Minute
	if !mustIdle {
		wait = sideIdleWait
	}
	m, err := op.waitIdle(ctx, minReconciles, wait)
	if err != nil && !mustIdle && ctx.Err() == nil {
		m, err = op.metrics(ctx)
	}
	if err != nil {
		return snapshot{}, fmt.Errorf("%s: %w", r.phase, err)
	}
	s := snapshot{at: time.Now(), operator: m, reconciles: op.reconciles(m), idle: op.idle(m)}
	if err := r.readAPIServer(ctx, &s); err != nil {
		return snapshot{}, err
	}
	if s.secretReads, err = r.plane.audit.secretReads(); err != nil {
		return snapshot{}, fmt.Errorf("reading the API server's audit log: %w", err)
	}
	s.cpu = r.cpuByProcess(op)
	s.machine, _ = readCPUTotals()
	return s, nil
}

// readAPIServer counts the API server's write requests by verb and resource (leases left out:
// the API server renews its own) and their handling time.
func (r *runner) readAPIServer(ctx context.Context, s *snapshot) error {
	m, err := scrape(ctx, r.plane.apiHTTP, r.plane.apiHost+"/metrics", func(name string) bool {
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

func (r *runner) createRun(label string, env *phaseEnv, names []string, lat []time.Duration, span, createTime time.Duration,
	before, after snapshot) CreateRun {
	keys := len(names)
	workers := env.workers
	if w := env.proc.workers(after.operator); w > 0 {
		workers = w // what the operator says it runs with
	}
	run := CreateRun{
		Operator: env.op.Name, Label: label, Namespace: env.ns, Keys: keys, Workers: workers, Ready: len(lat),
		CreateTime: Seconds(createTime), Time: Seconds(span),
		P50: Seconds(percentile(lat, 50)), P95: Seconds(percentile(lat, 95)), P99: Seconds(percentile(lat, 99)),
		SimulatorKeys: keysFor(env.sim, env.ns, names), Idle: after.idle,
	}
	if span > 0 {
		run.KeysPerSecond = float64(len(lat)) / span.Seconds()
	}
	calls := map[string]float64{}
	for k, v := range env.sim.AllCalls() {
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

	run.SecretReadsPerKey = total(after.secretReads) / float64(keys)
	run.KeySecretReadsPerKey = keySecretReads(after.secretReads, env.ns, names) / float64(keys)
	kube := subtractCounts(kubeRequests(after.operator), kubeRequests(before.operator))
	for method, v := range kube {
		if isWrite(method) {
			run.KubeWritesPerKey += v / float64(keys)
		} else {
			run.KubeReadsPerKey += v / float64(keys)
		}
	}
	run.ReconcilesPerKey = (after.reconciles - before.reconciles) / float64(keys)
	run.ReconcileErrors = env.proc.reconcileResults(after.operator)["error"] - env.proc.reconcileResults(before.operator)["error"]
	run.MeanReconcileTime = Seconds(meanOf(before.operator, after.operator, "controller_runtime_reconcile_time_seconds", env.proc.label()))
	run.MeanAPIWriteTime = Seconds(time.Duration(ratio(after.apiWriteSeconds-before.apiWriteSeconds,
		after.apiWriteCount-before.apiWriteCount) * float64(time.Second)))
	run.MeanLiteLLMCallTime = Seconds(meanOf(before.operator, after.operator, "litellm_client_request_duration_seconds", nil))
	run.MeanQueueTime = Seconds(meanOf(before.operator, after.operator, "workqueue_queue_duration_seconds", env.proc.queueLabel()))

	run.CPUSeconds = subtractCounts(after.cpu, before.cpu)
	busy := after.machine.Busy - before.machine.Busy
	run.MachineCPUBusy = ratio(busy, after.machine.Total-before.machine.Total)
	// Whatever else ran on the machine meanwhile: the figures are only as good as the machine
	// was quiet.
	run.OtherCPUSeconds = max(busy-total(run.CPUSeconds), 0)
	run.CPUPerKey = Seconds(time.Duration(total(run.CPUSeconds) / float64(keys) * float64(time.Second)))
	if perKey := run.CPUPerKey.D().Seconds(); perKey > 0 {
		run.CPUBoundKeysPerSecond = float64(runtime.NumCPU()) / perKey
		run.CPUBoundRatio = run.KeysPerSecond / run.CPUBoundKeysPerSecond
	}
	if env.op.uses("{qps}") {
		run.ClientRateLimitKeysPerSecond = ratio(r.cfg.KubeAPIQPS, run.KubeWritesPerKey+run.KubeReadsPerKey)
	}
	run.Bound = newBound(keys, run.LiteLLMCallsPerKey, r.cfg.Latency, run.KubeReconcileWritesPerKey, r.report.WriteLatency.D(), workers, span)
	return run
}

// keysFor counts the simulator's keys that belong to the named VirtualKeys of ns (by alias).
func keysFor(sim *litellmsim.Simulator, ns string, names []string) int {
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[newVirtualKey(ns, n).Spec.KeyAlias] = true
	}
	n := 0
	for _, k := range sim.Keys() {
		if want[k.KeyAlias] {
			n++
		}
	}
	return n
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

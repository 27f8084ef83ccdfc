package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/litellm-operator/litellm-operator/test/controlplane"
)

// Report is everything one run measured; it is written as JSON and as tables.
type Report struct {
	Started time.Time `json:"started"`
	// Revision is the repository's commit, "+changes" when the operator's sources differ from it.
	Revision string   `json:"revision,omitempty"`
	Duration Seconds  `json:"duration"`
	Machine  Machine  `json:"machine"`
	Settings Settings `json:"settings"`
	// WriteLatency is the mean latency of one operator-like write to the idle API server.
	WriteLatency Seconds     `json:"apiServerWriteLatency"`
	Sweep        []CreateRun `json:"sweep"`
	// RequestCosts is the API server's CPU per request of each kind a create causes.
	RequestCosts []RequestCost `json:"requestCosts,omitempty"`
	Steady       *SteadyState  `json:"steadyState,omitempty"`
	Memory       *MemoryResult `json:"memory,omitempty"`
	Scale        *ScaleResult  `json:"scale,omitempty"`
	SideBySide   *SideBySide   `json:"sideBySide,omitempty"`
	Targets      []Target      `json:"targets"`
}

type Machine struct {
	CPUs       int     `json:"cpus"`
	CPUModel   string  `json:"cpuModel"`
	MemoryGiB  float64 `json:"memoryGiB"`
	Kernel     string  `json:"kernel"`
	Go         string  `json:"go"`
	Kubernetes string  `json:"kubernetes"`
}

type Settings struct {
	Keys             int      `json:"keys"`
	Latency          Seconds  `json:"latency"`
	Concurrency      []int    `json:"concurrency"`
	Workers          int      `json:"workers"`
	ResyncPeriod     Seconds  `json:"resyncPeriod"`
	SteadyWindow     Seconds  `json:"steadyWindow"`
	MemoryKeys       int      `json:"memoryKeys"`
	UnrelatedSecrets int      `json:"unrelatedSecrets"`
	SecretBytes      int      `json:"secretBytes"`
	KubeAPIQPS       float64  `json:"kubeAPIQPS"`
	KubeAPIBurst     int      `json:"kubeAPIBurst"`
	CreateQPS        float64  `json:"createQPS"`
	Creators         int      `json:"creators"`
	ManagerArgs      []string `json:"managerArgs"`
	ManagerEnv       []string `json:"managerEnv,omitempty"`
	ScaleKeys        int      `json:"scaleKeys,omitempty"`
	ScaleStep        int      `json:"scaleStep,omitempty"`
}

// CreateRun is one timed creation of Keys VirtualKeys. Per-key figures are averages over the keys.
type CreateRun struct {
	// Operator names the operator that ran (this repository's unless side by side).
	Operator  string `json:"operator"`
	Label     string `json:"label"`
	Namespace string `json:"namespace"`
	Keys      int    `json:"keys"`
	Workers   int    `json:"workers"`
	// Ready counts the keys seen Ready; SimulatorKeys the keys in LiteLLM afterwards.
	Ready         int `json:"ready"`
	SimulatorKeys int `json:"simulatorKeys"`
	// CreateTime is how long the benchmark took to send every create; Time runs from the first
	// create request to the last key seen Ready.
	CreateTime    Seconds `json:"createTime"`
	Time          Seconds `json:"time"`
	KeysPerSecond float64 `json:"keysPerSecond"`
	// Create-to-Ready latency of single keys: from just before the create request to the watch
	// event that shows Ready and Synced True for the key's generation.
	P50 Seconds `json:"p50"`
	P95 Seconds `json:"p95"`
	P99 Seconds `json:"p99"`
	// LiteLLMCalls per key by "METHOD /path", as the simulator counted them.
	LiteLLMCalls       map[string]float64 `json:"litellmCallsPerKey"`
	LiteLLMCallsPerKey float64            `json:"litellmCallsPerKeyTotal"`
	// KubeWrites per key by "VERB resource", as the API server counted them (the benchmark's own
	// VirtualKey creates excluded); KubeReconcileWritesPerKey leaves out events, which are sent
	// in the background and are not on a reconcile's path.
	KubeWrites                map[string]float64 `json:"kubeWritesPerKeyByResource"`
	KubeReconcileWritesPerKey float64            `json:"kubeReconcileWritesPerKey"`
	// KubeWritesPerKey and KubeReadsPerKey are the operator's own client requests.
	KubeWritesPerKey float64 `json:"kubeWritesPerKey"`
	KubeReadsPerKey  float64 `json:"kubeReadsPerKey"`
	// SecretReadsPerKey are the direct reads of single Secrets the API server logged (the
	// connection Secret's included); KeySecretReadsPerKey those of the keys' own Secrets.
	SecretReadsPerKey    float64 `json:"secretReadsPerKey"`
	KeySecretReadsPerKey float64 `json:"keySecretReadsPerKey"`
	ReconcilesPerKey     float64 `json:"reconcilesPerKey"`
	ReconcileErrors      float64 `json:"reconcileErrors"`
	// MeanReconcileTime and MeanQueueTime come from the operator's histograms.
	MeanReconcileTime Seconds `json:"meanReconcileTime"`
	MeanQueueTime     Seconds `json:"meanQueueTime"`
	// MeanLiteLLMCallTime is a LiteLLM call as the operator saw it; MeanAPIWriteTime one of the
	// operator's writes (VirtualKey patches, Secret creates) as the API server handled it.
	MeanLiteLLMCallTime Seconds `json:"meanLiteLLMCallTime"`
	MeanAPIWriteTime    Seconds `json:"meanAPIServerWriteTime"`
	// CPUSeconds by process during the run, and the machine's busy fraction.
	CPUSeconds     map[string]float64 `json:"cpuSeconds"`
	MachineCPUBusy float64            `json:"machineCPUBusy"`
	// OtherCPUSeconds is the machine's busy time not spent by the benchmark's processes.
	OtherCPUSeconds float64 `json:"otherCPUSeconds"`
	// CPUPerKey is the CPU time of every process of the benchmark (API server, etcd, operator,
	// benchmark with simulator) per key; CPUBoundKeysPerSecond = CPUs ÷ CPUPerKey is what the
	// machine could do if nothing but those processes ran and no CPU stood idle.
	CPUPerKey             Seconds `json:"cpuPerKey"`
	CPUBoundKeysPerSecond float64 `json:"cpuBoundKeysPerSecond"`
	// CPUBoundRatio is the measured rate over the CPU bound: 1 means CPU was the limit.
	CPUBoundRatio float64 `json:"measuredOverCPUBound"`
	// Idle is false when the operator still had work queued at the last reading (its counters
	// then include some of that work).
	Idle bool `json:"idleAtEnd"`
	// ClientRateLimitKeysPerSecond is the ceiling the operator's --kube-api-qps sets:
	// QPS ÷ API requests per key.
	ClientRateLimitKeysPerSecond float64 `json:"clientRateLimitKeysPerSecond"`
	Bound                        Bound   `json:"bound"`
}

type SteadyState struct {
	Keys         int          `json:"objects"`
	Workers      int          `json:"workers"`
	ResyncPeriod Seconds      `json:"resyncPeriod"`
	Restart      ResyncWindow `json:"restart"`
	Periodic     ResyncWindow `json:"periodic"`
}

// ResyncWindow counts what the operator did while nothing changed. Per-resync figures divide by
// the reconciles in the window.
type ResyncWindow struct {
	Duration               Seconds            `json:"duration"`
	Reconciles             float64            `json:"reconciles"`
	ReconcileResults       map[string]float64 `json:"reconcileResults"`
	ReconcilesPerKey       float64            `json:"reconcilesPerObject"`
	ResyncsPerKeyExpected  float64            `json:"resyncsPerObjectExpected"`
	LiteLLMCalls           map[string]float64 `json:"litellmCalls"`
	LiteLLMReads           float64            `json:"litellmReads"`
	LiteLLMWrites          float64            `json:"litellmWrites"`
	LiteLLMReadsPerResync  float64            `json:"litellmReadsPerResync"`
	LiteLLMWritesPerResync float64            `json:"litellmWritesPerResync"`
	KubeWrites             float64            `json:"kubeWrites"`
	KubeReads              float64            `json:"kubeReads"`
	KubeWritesPerResync    float64            `json:"kubeWritesPerResync"`
}

type MemoryResult struct {
	Keys             int           `json:"keys"`
	UnrelatedSecrets int           `json:"unrelatedSecrets"`
	SecretBytes      int           `json:"secretBytes"`
	Create           CreateRun     `json:"create"`
	Points           []MemoryPoint `json:"points"`
	// PeakMiB is the highest VmHWM of any operator process of the phase.
	PeakMiB float64 `json:"peakMiB"`
	// GrowthMiB compares the two fresh starts, with and without the unrelated Secrets. Flat means:
	// RSS grew by no more than its noise between two starts (ToleranceMiB), and the live heap by
	// less than half the unrelated Secrets' data (LiveToleranceMiB): caching them would cost at
	// least all of it.
	GrowthMiB         float64 `json:"rssGrowthMiB"`
	HeapGrowthMiB     float64 `json:"heapGrowthMiB"`
	LiveHeapGrowthMiB float64 `json:"liveHeapGrowthMiB"`
	ToleranceMiB      float64 `json:"flatToleranceMiB"`
	LiveToleranceMiB  float64 `json:"flatLiveHeapToleranceMiB"`
	Flat              bool    `json:"flat"`
}

type MemoryPoint struct {
	Label            string  `json:"label"`
	Keys             int     `json:"keys"`
	UnrelatedSecrets int     `json:"unrelatedSecrets"`
	RSSMiB           float64 `json:"rssMiB"`
	PeakMiB          float64 `json:"peakMiB"`
	// AnonMiB and FileMiB split RSS: the process's own memory, and the mapped pages of its binary.
	AnonMiB      float64 `json:"rssAnonMiB"`
	FileMiB      float64 `json:"rssFileMiB"`
	HeapInuseMiB float64 `json:"heapInuseMiB"`
	// LiveHeapMiB is the heap the last garbage collection found reachable: what the objects the
	// operator holds take, without the garbage RSS also carries.
	LiveHeapMiB float64 `json:"liveHeapMiB"`
}

// Two fresh starts of the same operator differ in RSS by a few MiB through GC timing alone;
// caching the unrelated Secrets would add at least their data size (20 MiB by default) to the live
// heap.
const (
	flatToleranceMiB        = 5.0
	flatToleranceFraction   = 0.10
	flatLiveToleranceMiB    = 2.0
	flatLiveToleranceOfData = 0.5
)

func (m *MemoryResult) evaluate() {
	var without, with *MemoryPoint
	for i := range m.Points {
		p := &m.Points[i]
		m.PeakMiB = max(m.PeakMiB, p.PeakMiB)
		if strings.HasPrefix(p.Label, "fresh start") {
			if p.UnrelatedSecrets == 0 {
				without = p
			} else {
				with = p
			}
		}
	}
	if without == nil || with == nil {
		return
	}
	m.GrowthMiB = with.RSSMiB - without.RSSMiB
	m.HeapGrowthMiB = with.HeapInuseMiB - without.HeapInuseMiB
	m.LiveHeapGrowthMiB = with.LiveHeapMiB - without.LiveHeapMiB
	m.ToleranceMiB = max(flatToleranceMiB, flatToleranceFraction*without.RSSMiB)
	m.LiveToleranceMiB = max(flatLiveToleranceMiB, flatLiveToleranceOfData*mib(float64(m.UnrelatedSecrets*m.SecretBytes)))
	m.Flat = m.GrowthMiB <= m.ToleranceMiB && m.LiveHeapGrowthMiB <= m.LiveToleranceMiB
}

// Target is one line of the targets with the verdict.
type Target struct {
	Name     string `json:"name"`
	Goal     string `json:"goal"`
	Measured string `json:"measured"`
	Met      bool   `json:"met"`
	Note     string `json:"note,omitempty"`
}

// The targets of design.md.
const (
	targetKeysPerSecond = 100.0
	targetMaxWorkers    = 32
	targetBoundRatio    = 1.5
	targetLatency       = 20 * time.Millisecond
	targetCPUs          = 2
	targetMemoryKeys    = 10000
	targetRSSMiB        = 100.0
	targetPeakMiB       = 130.0
	targetCPUWorkers    = 32
	targetCPUPerKey     = 15 * time.Millisecond
	targetOperatorCPU   = 2 * time.Millisecond
)

func evaluateTargets(rep *Report) []Target {
	var out []Target
	conditions := ""
	if rep.Settings.Latency.D() != targetLatency || rep.Machine.CPUs != targetCPUs {
		conditions = fmt.Sprintf("measured at %s latency on %d CPUs, not the target's 20ms on 2", rep.Settings.Latency.D(), rep.Machine.CPUs)
	}
	var best *CreateRun
	for i := range rep.Sweep {
		run := &rep.Sweep[i]
		if run.Workers > targetMaxWorkers {
			continue
		}
		meets := func(r *CreateRun) bool {
			return r.KeysPerSecond >= targetKeysPerSecond && r.Bound.MeasuredRatio <= targetBoundRatio
		}
		if best == nil || (meets(run) && !meets(best)) || (meets(run) == meets(best) && run.KeysPerSecond > best.KeysPerSecond) {
			best = run
		}
	}
	switch {
	case len(rep.Sweep) == 0: // the sweep was skipped
	case best == nil:
		out = append(out, Target{Name: "throughput", Goal: "≥ 100 VirtualKeys/s to Ready with ≤ 32 workers", Measured: "no sweep point with ≤ 32 workers"})
	default:
		out = append(out,
			Target{
				Name: "throughput", Goal: "≥ 100 VirtualKeys/s to Ready against 20 ms latency, 2 cores, ≤ 32 workers",
				Measured: fmt.Sprintf("%.0f keys/s with %d workers", best.KeysPerSecond, best.Workers),
				Met:      best.KeysPerSecond >= targetKeysPerSecond, Note: conditions,
			},
			Target{
				Name: "bound", Goal: "within 1.5× of the bound at that concurrency (API-server writes included)",
				Measured: fmt.Sprintf("%.2f× the bound (%.0f keys/s) with %d workers", best.Bound.MeasuredRatio, best.Bound.KeysPerSecond, best.Workers),
				Met:      best.Bound.MeasuredRatio <= targetBoundRatio,
			})
	}
	for _, run := range rep.Sweep {
		if run.Workers != targetCPUWorkers {
			continue
		}
		operatorCPU := time.Duration(run.CPUSeconds["operator"] / float64(run.Keys) * float64(time.Second))
		out = append(out,
			Target{
				Name: "cpu per key", Goal: "total CPU per key ≤ 15 ms at 32 workers",
				Measured: fmt.Sprintf("%s (%s)", fmtDur(run.CPUPerKey.D()), fmtCPUSplit(run)), Met: run.CPUPerKey.D() <= targetCPUPerKey,
			},
			Target{
				Name: "operator cpu per key", Goal: "the operator's own CPU per key ≤ 2 ms at 32 workers",
				Measured: fmtDur(operatorCPU), Met: operatorCPU <= targetOperatorCPU,
			})
	}
	if st := rep.Steady; st != nil {
		writes := st.Restart.LiteLLMWrites + st.Restart.KubeWrites + st.Periodic.LiteLLMWrites + st.Periodic.KubeWrites
		out = append(out,
			Target{
				Name: "resync writes", Goal: "0 writes per object per resync (LiteLLM and Kubernetes)",
				Measured: fmt.Sprintf("%.0f LiteLLM and %.0f Kubernetes writes in %.0f resyncs", st.Restart.LiteLLMWrites+st.Periodic.LiteLLMWrites,
					st.Restart.KubeWrites+st.Periodic.KubeWrites, st.Restart.Reconciles+st.Periodic.Reconciles),
				Met: writes == 0,
			},
			Target{
				Name: "resync reads", Goal: "≤ 1 LiteLLM read per object per resync",
				Measured: fmt.Sprintf("%.2f on restart, %.2f periodic", st.Restart.LiteLLMReadsPerResync, st.Periodic.LiteLLMReadsPerResync),
				Met:      st.Restart.LiteLLMReadsPerResync <= 1 && st.Periodic.LiteLLMReadsPerResync <= 1 && st.Periodic.Reconciles > 0,
			})
	}
	if m := rep.Memory; m != nil {
		note := ""
		if m.Keys != targetMemoryKeys {
			note = fmt.Sprintf("measured at %d keys, not 10,000", m.Keys)
		}
		rss := 0.0
		for _, p := range m.Points {
			rss = max(rss, p.RSSMiB)
		}
		out = append(out,
			Target{
				Name: "memory", Goal: "operator RSS ≤ 100 MiB at 10,000 keys",
				Measured: fmt.Sprintf("%.1f MiB at most over %d readings at %d keys", rss, len(m.Points), m.Keys), Met: rss <= targetRSSMiB, Note: note,
			},
			Target{
				Name: "memory peak", Goal: "operator peak RSS ≤ 130 MiB at 10,000 keys",
				Measured: fmt.Sprintf("peak %.1f MiB at %d keys", m.PeakMiB, m.Keys), Met: m.PeakMiB <= targetPeakMiB, Note: note,
			})
		if m.UnrelatedSecrets > 0 {
			out = append(out, Target{
				Name: "memory flat", Goal: "RSS flat in the number of unrelated Secrets",
				Measured: fmt.Sprintf("%+.1f MiB RSS (tolerance %.1f) and %+.1f MiB live heap (tolerance %.1f) with %d unrelated Secrets of %d bytes",
					m.GrowthMiB, m.ToleranceMiB, m.LiveHeapGrowthMiB, m.LiveToleranceMiB, m.UnrelatedSecrets, m.SecretBytes),
				Met: m.Flat,
			})
		}
	}
	return out
}

func settingsOf(c Config) Settings {
	return Settings{
		Keys: c.Keys, Latency: Seconds(c.Latency), Concurrency: c.Concurrency, Workers: c.Workers,
		ResyncPeriod: Seconds(c.ResyncPeriod), SteadyWindow: Seconds(c.SteadyWindow),
		MemoryKeys: c.MemoryKeys, UnrelatedSecrets: c.UnrelatedSecrets, SecretBytes: c.SecretBytes,
		KubeAPIQPS: c.KubeAPIQPS, KubeAPIBurst: c.KubeAPIBurst, CreateQPS: c.CreateQPS, Creators: c.Creators,
		ManagerArgs: c.ManagerArgs, ManagerEnv: c.ManagerEnv, ScaleKeys: c.ScaleKeys, ScaleStep: c.ScaleStep,
	}
}

// fmtCPUSplit is a run's CPU per key by process, largest first.
func fmtCPUSplit(run CreateRun) string {
	names := slices.Collect(maps.Keys(run.CPUSeconds))
	slices.SortFunc(names, func(a, b string) int { return cmp.Compare(run.CPUSeconds[b], run.CPUSeconds[a]) })
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %.1f ms", n, run.CPUSeconds[n]/float64(run.Keys)*1000))
	}
	return strings.Join(parts, ", ")
}

func describeMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), Kubernetes: controlplane.KubernetesVersion}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				m.MemoryGiB = kb / (1 << 20)
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}
	return m
}

// revision describes the sources the operator was built from, when git is at hand.
func revision(ctx context.Context, root string) string {
	out, err := exec.CommandContext(ctx, "git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	rev := strings.TrimSpace(string(out))
	status, err := exec.CommandContext(ctx, "git", "-C", root, "status", "--porcelain", "--", "api", "cmd/manager", "controllers", "pkg").Output()
	if err == nil && len(bytes.TrimSpace(status)) > 0 {
		rev += "+changes"
	}
	return rev
}

func (r *runner) writeOutputs() error {
	if p := r.cfg.JSONPath; p != "" {
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			return err
		}
		data, err := json.MarshalIndent(r.report, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(p, append(data, '\n'), 0o644); err != nil { //nolint:gosec // a report meant to be read and committed
			return err
		}
	}
	// The chart draws the sweep: a run without one (-skip sweep) has none.
	if p := r.cfg.ChartPath; p != "" && len(r.report.Sweep) > 0 {
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			return err
		}
		if err := writeChart(p, r.report); err != nil {
			return fmt.Errorf("drawing the chart: %w", err)
		}
	}
	return nil
}

// WriteText writes the report as plain-text tables.
func (rep *Report) WriteText(out io.Writer) error {
	ew := &errWriter{w: out}
	m, s := rep.Machine, rep.Settings
	ew.printf("LiteLLM operator benchmark, %s, revision %s\n", rep.Started.Format(time.RFC3339), rep.Revision)
	ew.printf("Machine: %d CPUs (%s), %.1f GiB, Linux %s, %s, Kubernetes %s\n", m.CPUs, m.CPUModel, m.MemoryGiB, m.Kernel, m.Go, m.Kubernetes)
	ew.printf("Simulator latency %s per call; operator --kube-api-qps=%g --kube-api-burst=%d; benchmark client QPS %g with %d parallel creates\n",
		s.Latency.D(), s.KubeAPIQPS, s.KubeAPIBurst, s.CreateQPS, s.Creators)
	ew.printf("API-server write latency (idle, calibrated): %s\n\n", fmtDur(rep.WriteLatency.D()))

	runs := slices.Clone(rep.Sweep)
	if rep.Memory != nil {
		runs = append(runs, rep.Memory.Create)
	}
	if len(runs) > 0 {
		ew.printf("Creates: time from the first create request to the last key Ready\n")
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
		ew.fprintf(tw, "workers\tkeys\ttime\tkeys/s\tbound keys/s\tmeasured/bound\tp50\tp95\tp99\tLiteLLM calls/key\tK8s writes/key\treconciles/key\tCPU/key\tCPU bound keys/s\tmeasured/CPU bound\tCPU busy\t\n")
		for _, r := range runs {
			ew.fprintf(tw, "%d\t%d\t%s\t%.1f\t%.1f\t%.2f\t%s\t%s\t%s\t%.2f\t%.2f\t%.2f\t%s\t%.0f\t%.2f\t%.0f%%\t\n",
				r.Workers, r.Keys, fmtDur(r.Time.D()), r.KeysPerSecond, r.Bound.KeysPerSecond, r.Bound.MeasuredRatio,
				fmtDur(r.P50.D()), fmtDur(r.P95.D()), fmtDur(r.P99.D()), r.LiteLLMCallsPerKey, r.KubeReconcileWritesPerKey,
				r.ReconcilesPerKey, fmtDur(r.CPUPerKey.D()), r.CPUBoundKeysPerSecond, r.CPUBoundRatio, 100*r.MachineCPUBusy)
		}
		ew.flush(tw)
		ew.printf("\nBound = keys × (LiteLLM calls/key × %s + K8s writes/key × %s) ÷ workers; K8s writes/key excludes events (sent in the background).\n",
			s.Latency.D(), fmtDur(rep.WriteLatency.D()))
		ew.printf("CPU bound = %d CPUs ÷ CPU/key, the CPU time of the API server, etcd, the operator and the benchmark with its simulator per key.\n", m.CPUs)
		for _, r := range runs {
			ew.writeRunDetails(r)
		}
	}
	if len(rep.RequestCosts) > 0 {
		ew.printf("\nAPI-server CPU per request (each kind alone, 16 in parallel, with the watches of a run open)\n")
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
		ew.fprintf(tw, "request\tper key\tAPI server\tetcd\tAPI server per key\t\n")
		var apiPerKey, etcdPerKey time.Duration
		for _, c := range rep.RequestCosts {
			perKey := time.Duration(c.PerKey * float64(c.APIServer.D()))
			apiPerKey += perKey
			etcdPerKey += time.Duration(c.PerKey * float64(c.Etcd.D()))
			ew.fprintf(tw, "%s\t%.2f\t%s\t%s\t%s\t\n", c.Request, c.PerKey, fmtDur(c.APIServer.D()), fmtDur(c.Etcd.D()), fmtDur(perKey))
		}
		ew.fprintf(tw, "sum for one key\t\t\t%s\t%s\t\n", fmtDur(etcdPerKey), fmtDur(apiPerKey))
		ew.flush(tw)
	}
	if st := rep.Steady; st != nil {
		ew.printf("\nSteady state: %d unchanged objects, --resync-period=%s, %d workers\n", st.Keys, st.ResyncPeriod.D(), st.Workers)
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
		ew.fprintf(tw, "window\tduration\treconciles/object\tLiteLLM reads/resync\tLiteLLM writes\tK8s writes\tK8s reads\t\n")
		for _, w := range []struct {
			name string
			w    ResyncWindow
		}{{"restart", st.Restart}, {"periodic", st.Periodic}} {
			ew.fprintf(tw, "%s\t%s\t%.2f\t%.2f\t%.0f\t%.0f\t%.0f\t\n", w.name, fmtDur(w.w.Duration.D()), w.w.ReconcilesPerKey,
				w.w.LiteLLMReadsPerResync, w.w.LiteLLMWrites, w.w.KubeWrites, w.w.KubeReads)
		}
		ew.flush(tw)
		ew.printf("  periodic LiteLLM calls: %s\n", fmtCounts(st.Periodic.LiteLLMCalls))
	}
	if mem := rep.Memory; mem != nil {
		ew.printf("\nMemory: %d keys; %d unrelated Secrets of %d bytes\n", mem.Keys, mem.UnrelatedSecrets, mem.SecretBytes)
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
		ew.fprintf(tw, "point\tunrelated Secrets\tRSS MiB\t(anon + file)\tpeak RSS MiB\theap in use MiB\tlive heap MiB\t\n")
		for _, p := range mem.Points {
			ew.fprintf(tw, "%s\t%d\t%.1f\t%.1f + %.1f\t%.1f\t%.1f\t%.1f\t\n", p.Label, p.UnrelatedSecrets, p.RSSMiB, p.AnonMiB, p.FileMiB, p.PeakMiB, p.HeapInuseMiB, p.LiveHeapMiB)
		}
		ew.flush(tw)
	}
	if sc := rep.Scale; sc != nil {
		ew.printf("\nScale: %d keys in steps of %d, %d workers: %s (%.0f keys/s); RSS grows %.1f MiB and the live heap %.1f MiB per 10,000 keys, peak %.1f MiB\n",
			sc.Keys, sc.Step, sc.Workers, fmtDur(sc.Time.D()), sc.KeysPerSecond, sc.RSSPer10kMiB, sc.LiveHeapPer10kMiB, sc.PeakMiB)
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
		ew.fprintf(tw, "keys\tstep time\tkeys/s\tRSS MiB\tpeak RSS MiB\tlive heap MiB\t\n")
		for _, p := range sc.Points {
			ew.fprintf(tw, "%d\t%s\t%.1f\t%.1f\t%.1f\t%.1f\t\n", p.Keys, fmtDur(p.StepTime.D()), p.KeysPerSecond, p.RSSMiB, p.PeakMiB, p.LiveHeapMiB)
		}
		ew.flush(tw)
	}
	if sb := rep.SideBySide; sb != nil {
		ew.writeSideBySide(sb)
	}
	if len(rep.Targets) > 0 {
		ew.printf("\nTargets\n")
		for _, t := range rep.Targets {
			verdict := "met   "
			if !t.Met {
				verdict = "MISSED"
			}
			ew.printf("  [%s] %s: %s", verdict, t.Goal, t.Measured)
			if t.Note != "" {
				ew.printf(" (%s)", t.Note)
			}
			ew.printf("\n")
		}
	}
	ew.printf("\nTotal benchmark time %s\n", fmtDur(rep.Duration.D()))
	return ew.err
}

func (ew *errWriter) writeRunDetails(r CreateRun) {
	ew.printf("\n%s (%d keys, %d workers)\n", r.Label, r.Keys, r.Workers)
	ew.printf("  LiteLLM calls/key:  %s\n", fmtCounts(r.LiteLLMCalls))
	ew.printf("  K8s writes/key:     %s (operator client: %.2f writes, %.2f reads per key)\n", fmtCounts(r.KubeWrites), r.KubeWritesPerKey, r.KubeReadsPerKey)
	ew.printf("  Secret reads/key:   %.2f of the key's own Secret, %.2f in all\n", r.KeySecretReadsPerKey, r.SecretReadsPerKey)
	ew.printf("  reconcile:          mean %s (LiteLLM call %s, API-server write %s), queue wait mean %s, %.0f errors\n",
		fmtDur(r.MeanReconcileTime.D()), fmtOptionalDur(r.MeanLiteLLMCallTime.D()), fmtDur(r.MeanAPIWriteTime.D()), fmtDur(r.MeanQueueTime.D()), r.ReconcileErrors)
	limit := "none set by the benchmark"
	if r.ClientRateLimitKeysPerSecond > 0 {
		limit = fmt.Sprintf("%.0f keys/s", r.ClientRateLimitKeysPerSecond)
	}
	ew.printf("  ceilings:           client rate limit %s; creates sent in %s\n", limit, fmtDur(r.CreateTime.D()))
	ew.printf("  CPU per key:        %s (%s); measured ÷ CPU bound %.2f; other processes on the machine %.2f s\n",
		fmtDur(r.CPUPerKey.D()), fmtCPUSplit(r), r.CPUBoundRatio, r.OtherCPUSeconds)
	if !r.Idle {
		ew.printf("  (the operator still had work queued at the last reading: its counters include some of it)\n")
	}
}

func (ew *errWriter) writeSideBySide(sb *SideBySide) {
	ew.printf("\nSide by side: %d keys, then %d; %d keys with the first /key/generate response lost; resyncs counted for %s\n",
		sb.Keys, sb.MemoryKeys, sb.DropKeys, sb.SteadyWindow.D())
	for _, run := range sb.Operators {
		op := run.Operator
		ew.printf("\n%s", op.Name)
		if op.Version != "" {
			ew.printf(" (%s)", op.Version)
		}
		ew.printf(": %s %s; %d workers\n", op.Binary, strings.Join(op.Args, " "), run.Workers)
		if c := run.Create; c != nil {
			ew.printf("  %d keys: %s, %.1f keys/s, %d Ready, %d keys in LiteLLM, %d usable key Secrets\n",
				c.Keys, fmtDur(c.Time.D()), c.KeysPerSecond, c.Ready, c.SimulatorKeys, run.UsableKeySecrets)
			ew.writeRunDetails(*c)
		}
		if st := run.Steady; st != nil {
			ew.printf("  steady: restart wave %s (%.2f LiteLLM calls, %.2f K8s writes per object); window %s: %.0f reconciles, LiteLLM %s, K8s writes per resync %s\n",
				fmtDur(st.Restart.Duration.D()), ratio(st.Restart.LiteLLMReads+st.Restart.LiteLLMWrites, float64(st.Objects)), ratio(st.Restart.KubeWrites, float64(st.Objects)),
				fmtDur(st.Window.Duration.D()), st.Window.Reconciles, fmtCounts(st.Window.LiteLLMCalls), fmtCounts(st.KubeWrites))
			ew.printf("  per object per hour: %.1f resyncs, %.1f LiteLLM calls, %.1f K8s writes; %d usable key Secrets after the window\n",
				st.ResyncsPerObjectPerHour, st.LiteLLMCallsPerObjectPerHour, st.KubeWritesPerObjectPerHour, st.UsableKeySecrets)
			if st.Saturated {
				ew.printf("  (never idle: it had reconciles running or due at every reading, so the counters were read while reconciles ran)\n")
			}
		}
		for _, p := range run.Memory {
			ew.printf("  memory at %d keys: RSS %.1f MiB, peak %.1f MiB, live heap %.1f MiB\n", p.Keys, p.RSSMiB, p.PeakMiB, p.LiveHeapMiB)
		}
		if d := run.Drop; d != nil {
			ew.printf("  lost responses: %d dropped, %d of %d Ready in %s, %d keys in LiteLLM (%.2f per VirtualKey; %d without, %d with several), %d usable key Secrets\n",
				d.DroppedResponses, d.Ready, d.Keys, fmtDur(d.Time.D()), d.KeysInLiteLLM, d.KeysPerVirtualKey, d.WithoutKey, d.WithSeveralKeys, d.UsableKeySecrets)
		}
		for _, e := range run.Errors {
			ew.printf("  failed: %s\n", e)
		}
	}
	if len(sb.Operators) < 2 {
		return
	}
	ew.printf("\n")
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	ew.fprintf(tw, "\t%s\t%s\tratio (how many times better %s is)\t\n", sb.Operators[0].Operator.Name, sb.Operators[1].Operator.Name, sb.Operators[0].Operator.Name)
	for _, c := range sb.Comparison {
		r := "-"
		if c.Ratio > 0 {
			r = fmt.Sprintf("%.2f×", c.Ratio)
		}
		ew.fprintf(tw, "%s\t%.4g\t%.4g\t%s\t\n", c.Name, c.Ours, c.Peer, r)
	}
	ew.flush(tw)
}

func fmtCounts(m map[string]float64) string {
	if len(m) == 0 {
		return "none"
	}
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %.2f", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// fmtOptionalDur shows a duration an operator may not report (another operator has no LiteLLM
// client metrics) as "-".
func fmtOptionalDur(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmtDur(d)
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	default:
		return d.Round(10 * time.Microsecond).String()
	}
}

// errWriter keeps the first write error, so the table code reads straight through.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { _, _ = fmt.Fprintf(e, format, args...) }

func (e *errWriter) fprintf(w io.Writer, format string, args ...any) {
	if _, err := fmt.Fprintf(w, format, args...); err != nil && e.err == nil {
		e.err = err
	}
}

func (e *errWriter) flush(tw *tabwriter.Writer) {
	if err := tw.Flush(); err != nil && e.err == nil {
		e.err = err
	}
}

package bench

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

// steadyState restarts the operator with a short resync period over keys that are all Ready and
// counts what it does: first the restart wave (every object reconciled once from the initial
// list), then the periodic resyncs during the steady window. Nothing changed, so the design
// says: no writes anywhere, at most one LiteLLM read per object per resync.
//
// Each window starts and ends at a consistent snapshot (see quietSnapshot), so every LiteLLM call
// counted in a window belongs to a reconcile counted in the same window.
func (r *runner) steadyState(ctx context.Context) (*SteadyState, error) {
	_, env, err := r.createPhase(ctx, "steady: populate", "bench-steady", r.cfg.Keys, r.cfg.Workers)
	if err != nil {
		return nil, err
	}
	if err := r.closePhase(env); err != nil {
		return nil, err
	}
	r.phase = "steady"
	objects := len(env.names) + 1 // the warm-up key is resynced too
	env.sim.ResetCalls()
	r.progress("steady: restarting the operator with --resync-period=%s", r.cfg.ResyncPeriod)
	start := time.Now()
	op, err := r.startOperator(ctx, r.ours, env.ns, r.cfg.Workers, r.cfg.ResyncPeriod)
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.stopOperator(op) }()

	if _, err := op.waitIdle(ctx, float64(objects), 2*time.Minute); err != nil {
		return nil, fmt.Errorf("steady: restart wave: %w", err)
	}
	m1, calls1, err := quietSnapshot(ctx, op, env.sim)
	if err != nil {
		return nil, fmt.Errorf("steady: %w", err)
	}
	restartEnd := time.Now()

	if err := r.countDown(ctx, "steady: counting periodic resyncs", restartEnd.Add(r.cfg.SteadyWindow)); err != nil {
		return nil, err
	}
	m2, calls2, err := quietSnapshot(ctx, op, env.sim)
	if err != nil {
		return nil, fmt.Errorf("steady: %w", err)
	}
	periodicEnd := time.Now()

	st := &SteadyState{Keys: objects, Workers: r.cfg.Workers, ResyncPeriod: Seconds(r.cfg.ResyncPeriod)}
	st.Restart = newResyncWindow(op, restartEnd.Sub(start), objects, 0, nil, m1, nil, calls1)
	st.Periodic = newResyncWindow(op, periodicEnd.Sub(restartEnd), objects, r.cfg.ResyncPeriod, m1, m2, calls1, calls2)
	r.milestone("steady: %.2f LiteLLM reads, %.0f LiteLLM writes, %.0f Kubernetes writes per object per resync",
		st.Periodic.LiteLLMReadsPerResync, st.Periodic.LiteLLMWrites, st.Periodic.KubeWrites)
	return st, nil
}

// countDown waits until deadline, showing the seconds left.
func (r *runner) countDown(ctx context.Context, what string, deadline time.Time) error {
	for time.Now().Before(deadline) {
		r.progress("%s, %.0fs left", what, time.Until(deadline).Seconds())
		if err := sleep(ctx, min(time.Second, time.Until(deadline))); err != nil {
			return err
		}
	}
	return nil
}

// quietSnapshot reads the operator's counters and the simulators' together at a moment when no
// reconcile is running: an idle scrape, the simulators' counters, and a second idle scrape with
// the same reconcile count. A reconcile that started in between shows in the second scrape (the
// simulator counts a call when it arrives, and answers only after its latency), so the attempt
// is repeated.
func quietSnapshot(ctx context.Context, op *operatorProcess, sim *litellmsim.Simulator) (metricSet, map[string]float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		first, err := op.metrics(ctx)
		if err != nil {
			return nil, nil, err
		}
		if op.idle(first) {
			calls := simCalls(sim)
			second, err := op.metrics(ctx)
			if err != nil {
				return nil, nil, err
			}
			if op.idle(second) && op.reconciles(second) == op.reconciles(first) {
				return second, calls, nil
			}
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return nil, nil, fmt.Errorf("no quiet moment to read the counters: %w", err)
		}
	}
}

func newResyncWindow(op *operatorProcess, d time.Duration, objects int, period time.Duration, before, after metricSet, callsBefore, callsAfter map[string]float64) ResyncWindow {
	w := ResyncWindow{Duration: Seconds(d)}
	w.Reconciles = op.reconciles(after) - op.reconciles(before)
	w.ReconcileResults = subtractCounts(op.reconcileResults(after), op.reconcileResults(before))
	w.ReconcilesPerKey = w.Reconciles / float64(objects)
	if period > 0 && d > 0 {
		w.ResyncsPerKeyExpected = d.Seconds() / period.Seconds()
	}
	w.LiteLLMCalls = subtractCounts(callsAfter, callsBefore)
	for k, v := range w.LiteLLMCalls {
		method, _, _ := strings.Cut(k, " ")
		if isWrite(method) {
			w.LiteLLMWrites += v
		} else {
			w.LiteLLMReads += v
		}
	}
	w.LiteLLMReadsPerResync = ratio(w.LiteLLMReads, w.Reconciles)
	w.LiteLLMWritesPerResync = ratio(w.LiteLLMWrites, w.Reconciles)
	for method, v := range subtractCounts(kubeRequests(after), kubeRequests(before)) {
		if isWrite(method) {
			w.KubeWrites += v
		} else {
			w.KubeReads += v
		}
	}
	w.KubeWritesPerResync = ratio(w.KubeWrites, w.Reconciles)
	return w
}

// simCalls reads the simulator's call counters.
func simCalls(sim *litellmsim.Simulator) map[string]float64 {
	out := map[string]float64{}
	for k, v := range sim.AllCalls() {
		out[k] += float64(v)
	}
	return out
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// memoryPhase measures the operator's resident memory with MemoryKeys VirtualKeys: while creating
// them, after a fresh start, and after a fresh start with UnrelatedSecrets unlabelled Secrets in the
// same namespace (the manager caches only the Secrets it labels, so these must not count).
func (r *runner) memoryPhase(ctx context.Context) (*MemoryResult, error) {
	keys := r.cfg.MemoryKeys
	run, env, err := r.createPhase(ctx, fmt.Sprintf("memory: %d keys", keys), "bench-memory", keys, r.cfg.Workers)
	if err != nil {
		return nil, err
	}
	res := &MemoryResult{Keys: keys, UnrelatedSecrets: r.cfg.UnrelatedSecrets, SecretBytes: r.cfg.SecretBytes, Create: run}
	objects := float64(keys + 1)
	read := func(op *operatorProcess, label string, secrets int) error {
		p, err := r.readMemory(ctx, op, "memory: "+label, keys, secrets)
		if err != nil {
			return err
		}
		p.Label = label
		res.Points = append(res.Points, p)
		return nil
	}
	if err := read(env.proc, "after creating the keys", 0); err != nil {
		return nil, err
	}
	if err := r.closePhase(env); err != nil {
		return nil, err
	}

	restart := func(label string, secrets int) (*operatorProcess, error) {
		r.progress("memory: restarting the operator (%s)", label)
		op, err := r.startOperator(ctx, r.ours, env.ns, r.cfg.Workers, longResync)
		if err != nil {
			return nil, err
		}
		if _, err := op.waitIdle(ctx, objects, 5*time.Minute); err != nil {
			return op, fmt.Errorf("memory: restart: %w", err)
		}
		return op, read(op, label, secrets)
	}
	op, err := restart("fresh start, no unrelated Secrets", 0)
	if err != nil {
		return nil, err
	}
	if r.cfg.UnrelatedSecrets > 0 {
		if err := r.addUnrelatedSecrets(ctx, env.ns); err != nil {
			return nil, err
		}
		if err := read(op, "same process, after adding the unrelated Secrets", r.cfg.UnrelatedSecrets); err != nil {
			return nil, err
		}
		if err := r.stopOperator(op); err != nil {
			return nil, err
		}
		if op, err = restart("fresh start, with the unrelated Secrets", r.cfg.UnrelatedSecrets); err != nil {
			return nil, err
		}
	}
	if err := r.stopOperator(op); err != nil {
		return nil, err
	}
	res.evaluate()
	return res, nil
}

// readMemory lets the operator's memory settle, reads it, and keeps a heap profile in the work
// folder when the operator serves one.
func (r *runner) readMemory(ctx context.Context, op *operatorProcess, label string, keys, secrets int) (MemoryPoint, error) {
	if err := sleep(ctx, memorySettle); err != nil {
		return MemoryPoint{}, err
	}
	p, err := memoryPoint(ctx, op, label, keys, secrets)
	if err != nil {
		return MemoryPoint{}, err
	}
	r.milestone("%s: RSS %.1f MiB (peak %.1f MiB, live heap %.1f MiB)", label, p.RSSMiB, p.PeakMiB, p.LiveHeapMiB)
	r.profiles++
	profile := filepath.Join(r.workDir, fmt.Sprintf("heap-%02d-%s.pb.gz", r.profiles, fileName(label)))
	if err := op.writeHeapProfile(ctx, profile); err != nil {
		r.milestone("%s: no heap profile: %v", label, err)
	}
	return p, nil
}

func (r *runner) addUnrelatedSecrets(ctx context.Context, ns string) error {
	var created atomic.Int64
	done := make(chan error, 1)
	go func() {
		done <- r.plane.k8s.createUnrelatedSecrets(ctx, ns, r.cfg.UnrelatedSecrets, r.cfg.SecretBytes, r.cfg.Creators, &created)
	}()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-tick.C:
			r.progress("memory: created %d/%d unrelated Secrets", created.Load(), r.cfg.UnrelatedSecrets)
		case <-ctx.Done():
			return errors.Join(ctx.Err(), <-done)
		}
	}
}

// liveHeapReadings: a scrape makes the manager build every per-object series, and a collection
// that ends during it counts them as live; the smallest of a few readings is the least disturbed.
const liveHeapReadings = 3

func memoryPoint(ctx context.Context, op *operatorProcess, label string, keys, secrets int) (MemoryPoint, error) {
	mem, err := op.memory()
	if err != nil {
		return MemoryPoint{}, fmt.Errorf("reading the operator's memory: %w", err)
	}
	p := MemoryPoint{
		Label: label, Keys: keys, UnrelatedSecrets: secrets,
		RSSMiB: mib(float64(mem.RSS)), PeakMiB: mib(float64(mem.Peak)), AnonMiB: mib(float64(mem.Anon)), FileMiB: mib(float64(mem.File)),
	}
	for i := range liveHeapReadings {
		if i > 0 {
			if err := sleep(ctx, 2*time.Second); err != nil {
				return MemoryPoint{}, err
			}
		}
		m, err := op.metrics(ctx)
		if err != nil {
			return MemoryPoint{}, err
		}
		live, inuse := mib(m.Sum("go_gc_heap_live_bytes", nil)), mib(m.Sum("go_memstats_heap_inuse_bytes", nil))
		if i == 0 || live < p.LiveHeapMiB {
			p.LiveHeapMiB, p.HeapInuseMiB = live, inuse
		}
	}
	// The peak may have moved while the heap was read.
	if mem, err := op.memory(); err == nil {
		p.PeakMiB = mib(float64(mem.Peak))
	}
	return p, nil
}

func mib(bytes float64) float64 { return bytes / (1 << 20) }

package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

// SideBySide runs this repository's operator and a peer serving the same CRDs through the same
// phases, each on a control plane of its own, against the same simulator settings and objects.
type SideBySide struct {
	Keys         int     `json:"keys"`
	MemoryKeys   int     `json:"memoryKeys"`
	DropKeys     int     `json:"dropKeys"`
	SteadyWindow Seconds `json:"steadyWindow"`
	// Operators are this repository's operator first, then the peer.
	Operators  []SideRun    `json:"operators"`
	Comparison []Comparison `json:"comparison"`
}

// SideRun is what one operator did in the side-by-side phases. A phase it could not complete
// leaves its figures empty and says why in Errors.
type SideRun struct {
	Operator Operator `json:"operator"`
	// Workers is its VirtualKey controller's max concurrent reconciles, as its metrics report them.
	Workers int        `json:"workers"`
	Create  *CreateRun `json:"create,omitempty"`
	// UsableKeySecrets counts the VirtualKeys whose key Secret holds a key LiteLLM knows under
	// the VirtualKey's alias, after the creates.
	UsableKeySecrets int           `json:"usableKeySecrets"`
	Steady           *SideSteady   `json:"steadyState,omitempty"`
	Memory           []MemoryPoint `json:"memory,omitempty"`
	Drop             *DropRun      `json:"lostResponses,omitempty"`
	Errors           []string      `json:"errors,omitempty"`
}

// SideSteady is what the operator does with unchanged objects, per object and hour at its
// default resync: the cost of one resync (measured over the window) times how often it resyncs.
type SideSteady struct {
	Objects int `json:"objects"`
	// ResyncPeriod is the --resync-period it ran with ({resync}); 0 when it has no such setting
	// and resyncs on its own schedule.
	ResyncPeriod  Seconds      `json:"resyncPeriod,omitempty"`
	DefaultResync Seconds      `json:"defaultResync,omitempty"`
	Restart       ResyncWindow `json:"restart"`
	Window        ResyncWindow `json:"window"`
	// KubeWrites are the API server's writes in the window by request, per resync.
	KubeWrites map[string]float64 `json:"kubeWritesPerResyncByRequest"`
	// ResyncsPerObjectPerHour is 3600 s ÷ the default resync period when the operator has one, else
	// measured: the window's reconciles per object, scaled to an hour.
	ResyncsPerObjectPerHour      float64 `json:"resyncsPerObjectPerHour"`
	LiteLLMCallsPerObjectPerHour float64 `json:"litellmCallsPerObjectPerHour"`
	KubeWritesPerObjectPerHour   float64 `json:"kubeWritesPerObjectPerHour"`
	// UsableKeySecrets is counted again after the window: a resync must not spoil a key Secret.
	UsableKeySecrets int `json:"usableKeySecrets"`
	// Saturated: the operator was never idle (its requeues kept a reconcile running or due at
	// every moment, whether or not it kept up with them), so the counters were read while
	// reconciles ran: each reading may miss the calls of the reconciles in flight, at most one per
	// worker.
	Saturated bool `json:"saturated,omitempty"`
}

// counters reads the operator's metrics and the simulator's calls: at a quiet moment when the
// operator becomes idle, else as they are.
func counters(ctx context.Context, op *operatorProcess, sim *litellmsim.Simulator, idle bool) (metricSet, map[string]float64, error) {
	if idle {
		return quietSnapshot(ctx, op, sim)
	}
	m, err := op.metrics(ctx)
	return m, simCalls(sim), err
}

// DropRun: the first /key/generate response of every VirtualKey is lost after LiteLLM created the
// key. A good operator ends with exactly one key per VirtualKey, and a Secret that holds it.
type DropRun struct {
	Keys             int     `json:"keys"`
	Ready            int     `json:"ready"`
	DroppedResponses int     `json:"droppedResponses"`
	Time             Seconds `json:"time"`
	KeysInLiteLLM    int     `json:"keysInLiteLLM"`
	// KeysPerVirtualKey is KeysInLiteLLM ÷ Keys.
	KeysPerVirtualKey float64 `json:"keysPerVirtualKey"`
	WithoutKey        int     `json:"virtualKeysWithoutKey"`
	WithSeveralKeys   int     `json:"virtualKeysWithSeveralKeys"`
	UsableKeySecrets  int     `json:"usableKeySecrets"`
	Error             string  `json:"error,omitempty"`
}

// Comparison is one line of the side-by-side table.
type Comparison struct {
	Name string  `json:"name"`
	Ours float64 `json:"ours"`
	Peer float64 `json:"peer"`
	// HigherIsBetter says which way the figure is good.
	HigherIsBetter bool `json:"higherIsBetter"`
	// Ratio is how many times better this repository's operator is (below 1: worse); 0 when a
	// figure is missing or zero.
	Ratio float64 `json:"ratio"`
}

const (
	sideNamespace = "side"
	dropNamespace = "side-drop"
	// sideIdleWait is how long a side-by-side phase waits for the operator to be idle before it
	// reads the counters anyway: an operator that requeues everything every minute may never be.
	sideIdleWait = 30 * time.Second
)

// sideBySide runs both operators, this repository's first.
func (r *runner) sideBySide(ctx context.Context) (*SideBySide, error) {
	sb := &SideBySide{Keys: r.cfg.SideKeys, MemoryKeys: r.cfg.SideMemoryKeys, DropKeys: r.cfg.DropKeys, SteadyWindow: Seconds(r.cfg.SideSteadyWindow)}
	for _, op := range []Operator{r.ours, r.cfg.Peer} {
		run := r.sideRun(ctx, op)
		if err := ctx.Err(); err != nil {
			return sb, err
		}
		sb.Operators = append(sb.Operators, run)
	}
	sb.Comparison = sb.compare()
	return sb, nil
}

// sideRun takes one operator through the side-by-side phases. A phase that fails is recorded and
// the next one runs, as long as what it builds on exists.
func (r *runner) sideRun(ctx context.Context, op Operator) SideRun {
	run := SideRun{Operator: op}
	record := func(phase string, err error) {
		run.Errors = append(run.Errors, phase+": "+err.Error())
		r.milestone("%s: %s: %v", op.Name, phase, err)
	}
	if err := r.sideKeys(ctx, op, &run); err != nil {
		record(fmt.Sprintf("%d keys", r.cfg.SideKeys), err)
	}
	if r.cfg.DropKeys > 0 {
		drop, err := r.sideDrop(ctx, op)
		if err != nil {
			record("lost responses", err)
		}
		run.Drop = drop
	}
	if err := r.stopPlane(); err != nil {
		record("stopping", err)
	}
	return run
}

// sideKeys: create SideKeys keys and time them, read memory, count a resync window, then grow to
// SideMemoryKeys and read memory again.
func (r *runner) sideKeys(ctx context.Context, op Operator, run *SideRun) error {
	if err := r.startPlane(op.CRDDir); err != nil {
		return err
	}
	label := fmt.Sprintf("%s: %d keys", op.Name, r.cfg.SideKeys)
	env, err := r.setupPhase(ctx, op, label, sideNamespace, r.cfg.Workers)
	if err != nil {
		return err
	}
	defer func() { _ = r.closePhase(env) }()
	create, err := r.timedCreate(ctx, env, label, keyNames(0, r.cfg.SideKeys), r.cfg.SideTimeout, false)
	if err != nil {
		return err
	}
	run.Create, run.Workers = &create, create.Workers
	if run.UsableKeySecrets, err = r.usableKeySecrets(ctx, env, env.names); err != nil {
		return err
	}
	mem, err := r.readMemory(ctx, env.proc, label, len(env.names), 0)
	if err != nil {
		return err
	}
	run.Memory = append(run.Memory, mem)

	if run.Steady, err = r.sideSteady(ctx, env); err != nil {
		return fmt.Errorf("steady state: %w", err)
	}
	return r.sideGrow(ctx, env, run)
}

// sideSteady restarts the operator over the keys and counts what it does with them unchanged.
func (r *runner) sideSteady(ctx context.Context, env *phaseEnv) (*SideSteady, error) {
	op := env.op
	if err := r.closePhase(env); err != nil {
		return nil, err
	}
	objects := len(env.names) + 1 // and the warm-up key
	r.phase = op.Name + ": steady"
	st := &SideSteady{Objects: objects, DefaultResync: op.DefaultResync}
	if op.uses("{resync}") {
		st.ResyncPeriod = Seconds(r.cfg.ResyncPeriod)
	}
	env.sim.ResetCalls()
	start := time.Now()
	proc, err := r.startOperator(ctx, op, env.ns, env.workers, r.cfg.ResyncPeriod)
	if err != nil {
		return nil, err
	}
	env.proc = proc
	idle, err := proc.waitReconciled(ctx, float64(objects), r.cfg.SideTimeout)
	if err != nil {
		return nil, fmt.Errorf("restart wave: %w", err)
	}
	st.Saturated = !idle
	m1, calls1, err := counters(ctx, proc, env.sim, idle)
	if err != nil {
		return nil, err
	}
	var api1, api2 snapshot
	if err := r.readAPIServer(ctx, &api1); err != nil {
		return nil, err
	}
	restartEnd := time.Now()
	if err := r.countDown(ctx, r.phase+": counting resyncs", restartEnd.Add(r.cfg.SideSteadyWindow)); err != nil {
		return nil, err
	}
	m2, calls2, err := counters(ctx, proc, env.sim, idle)
	if err != nil {
		return nil, err
	}
	if err := r.readAPIServer(ctx, &api2); err != nil {
		return nil, err
	}
	window := time.Since(restartEnd)
	st.Restart = newResyncWindow(proc, restartEnd.Sub(start), objects, 0, nil, m1, nil, calls1)
	st.Window = newResyncWindow(proc, window, objects, time.Duration(st.ResyncPeriod), m1, m2, calls1, calls2)
	st.KubeWrites = perKey(subtractCounts(api2.apiserver, api1.apiserver), int(max(st.Window.Reconciles, 1)))
	st.setHourly(objects, window)
	if st.UsableKeySecrets, err = r.usableKeySecrets(ctx, env, env.names); err != nil {
		return nil, err
	}
	r.milestone("%s: %.1f resyncs, %.1f LiteLLM calls and %.1f Kubernetes writes per object per hour", r.phase,
		st.ResyncsPerObjectPerHour, st.LiteLLMCallsPerObjectPerHour, st.KubeWritesPerObjectPerHour)
	return st, nil
}

// setHourly scales the window's cost per resync to an hour at the default resync.
func (st *SideSteady) setHourly(objects int, window time.Duration) {
	w := st.Window
	if st.ResyncPeriod > 0 && st.DefaultResync > 0 {
		st.ResyncsPerObjectPerHour = time.Hour.Seconds() / st.DefaultResync.D().Seconds()
	} else {
		st.ResyncsPerObjectPerHour = w.Reconciles / float64(objects) / window.Hours()
	}
	st.LiteLLMCallsPerObjectPerHour = ratio(w.LiteLLMReads+w.LiteLLMWrites, w.Reconciles) * st.ResyncsPerObjectPerHour
	st.KubeWritesPerObjectPerHour = ratio(w.KubeWrites, w.Reconciles) * st.ResyncsPerObjectPerHour
}

// sideGrow adds keys up to SideMemoryKeys with a fresh operator process and reads its memory.
func (r *runner) sideGrow(ctx context.Context, env *phaseEnv, run *SideRun) error {
	if r.cfg.SideMemoryKeys <= len(env.names) {
		return nil
	}
	if err := r.closePhase(env); err != nil {
		return err
	}
	label := fmt.Sprintf("%s: %d keys", env.op.Name, r.cfg.SideMemoryKeys)
	r.phase = label
	proc, err := r.startOperator(ctx, env.op, env.ns, env.workers, longResync)
	if err != nil {
		return err
	}
	env.proc = proc
	// The restart wave first, so the creates are not timed behind it.
	if _, err := proc.waitReconciled(ctx, float64(len(env.names)+1), r.cfg.SideTimeout); err != nil {
		return fmt.Errorf("restart wave: %w", err)
	}
	if env.tracker, err = startTracker(ctx, r.plane.k8s, env.ns); err != nil {
		return err
	}
	names := keyNames(len(env.names), r.cfg.SideMemoryKeys-len(env.names))
	if _, err := r.timedCreate(ctx, env, label, names, r.cfg.SideTimeout, false); err != nil {
		return err
	}
	mem, err := r.readMemory(ctx, env.proc, label, len(env.names), 0)
	if err != nil {
		return err
	}
	run.Memory = append(run.Memory, mem)
	return nil
}

// sideDrop creates DropKeys keys on a fresh control plane while the simulator loses the first
// /key/generate response of each, then counts the keys in LiteLLM and the usable key Secrets.
func (r *runner) sideDrop(ctx context.Context, op Operator) (*DropRun, error) {
	if err := r.startPlane(op.CRDDir); err != nil {
		return nil, err
	}
	label := fmt.Sprintf("%s: %d keys, first response lost", op.Name, r.cfg.DropKeys)
	env, err := r.setupPhase(ctx, op, label, dropNamespace, r.cfg.Workers)
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.closePhase(env) }()
	names := keyNames(0, r.cfg.DropKeys)
	faults := make([]*litellmsim.Fault, len(names))
	for i, n := range names {
		faults[i] = env.sim.For(litellmsim.Match{KeyAlias: newVirtualKey(env.ns, n).Spec.KeyAlias}).DropAfterApply("/key/generate", 1)
	}
	d := &DropRun{Keys: len(names)}
	// Not Ready in time is a result too: what the keys look like then is counted all the same.
	create, createErr := r.timedCreate(ctx, env, label, names, min(r.cfg.SideTimeout, 10*time.Minute), false)
	if createErr != nil {
		d.Error = createErr.Error()
		env.names = names
	}
	d.Ready, d.Time = create.Ready, create.Time
	if createErr != nil {
		d.Ready = env.tracker.countReady(names)
	}
	for _, f := range faults {
		d.DroppedResponses += f.Hits()
	}
	for _, n := range names {
		switch k := len(env.sim.KeysByAlias(newVirtualKey(env.ns, n).Spec.KeyAlias)); {
		case k == 0:
			d.WithoutKey++
		case k > 1:
			d.WithSeveralKeys++
		}
	}
	d.KeysInLiteLLM = keysFor(env.sim, env.ns, names)
	d.KeysPerVirtualKey = ratio(float64(d.KeysInLiteLLM), float64(d.Keys))
	var err2 error
	d.UsableKeySecrets, err2 = r.usableKeySecrets(ctx, env, names)
	r.milestone("%s: %d Ready, %.2f keys in LiteLLM per VirtualKey, %d usable key Secrets", label, d.Ready, d.KeysPerVirtualKey, d.UsableKeySecrets)
	return d, errors.Join(createErr, err2)
}

// usableKeySecrets counts the named VirtualKeys with a Secret they control holding a key that
// LiteLLM knows under their alias: what a workload would mount. It reads Secrets directly.
func (r *runner) usableKeySecrets(ctx context.Context, env *phaseEnv, names []string) (int, error) {
	var secrets corev1.SecretList
	if err := r.plane.k8s.client.List(ctx, &secrets, client.InNamespace(env.ns)); err != nil {
		return 0, err
	}
	aliasOf := make(map[string]string, len(names))
	for _, n := range names {
		aliasOf[n] = newVirtualKey(env.ns, n).Spec.KeyAlias
	}
	usable := map[string]bool{}
	for _, s := range secrets.Items {
		for _, ref := range s.OwnerReferences {
			alias, ok := aliasOf[ref.Name]
			if ref.Kind != kindVirtualKey || ref.Controller == nil || !*ref.Controller || !ok {
				continue
			}
			for _, v := range s.Data {
				if k, found := env.sim.KeyByHash(litellmsim.HashKey(string(v))); found && k.KeyAlias == alias {
					usable[ref.Name] = true
				}
			}
		}
	}
	return len(usable), nil
}

// compare lines up the figures of the two operators.
func (sb *SideBySide) compare() []Comparison {
	ours, peer := sb.Operators[0], sb.Operators[1]
	type figure func(SideRun) (float64, bool)
	createFig := func(f func(*CreateRun) float64) figure {
		return func(s SideRun) (float64, bool) {
			if s.Create == nil {
				return 0, false
			}
			return f(s.Create), true
		}
	}
	steadyFig := func(f func(*SideSteady) float64) figure {
		return func(s SideRun) (float64, bool) {
			if s.Steady == nil {
				return 0, false
			}
			return f(s.Steady), true
		}
	}
	memFig := func(i int, peak bool) figure {
		return func(s SideRun) (float64, bool) {
			if len(s.Memory) <= i {
				return 0, false
			}
			if peak {
				return s.Memory[i].PeakMiB, true
			}
			return s.Memory[i].RSSMiB, true
		}
	}
	dropFig := func(f func(*DropRun) float64) figure {
		return func(s SideRun) (float64, bool) {
			if s.Drop == nil {
				return 0, false
			}
			return f(s.Drop), true
		}
	}
	lines := []struct {
		name   string
		higher bool
		fig    figure
	}{
		{fmt.Sprintf("keys per second to Ready (%d keys)", sb.Keys), true, createFig(func(c *CreateRun) float64 { return c.KeysPerSecond })},
		{"CPU per key to create, all processes (ms)", false, createFig(func(c *CreateRun) float64 { return c.CPUPerKey.D().Seconds() * 1000 })},
		{"CPU per key to create, the operator (ms)", false, createFig(func(c *CreateRun) float64 { return c.CPUSeconds["operator"] / float64(c.Keys) * 1000 })},
		{"LiteLLM calls per key to create", false, createFig(func(c *CreateRun) float64 { return c.LiteLLMCallsPerKey })},
		{"Kubernetes writes per key to create (events included)", false, createFig(func(c *CreateRun) float64 { return total(c.KubeWrites) })},
		{"LiteLLM calls per object per hour, unchanged objects", false, steadyFig(func(s *SideSteady) float64 { return s.LiteLLMCallsPerObjectPerHour })},
		{"Kubernetes writes per object per hour, unchanged objects", false, steadyFig(func(s *SideSteady) float64 { return s.KubeWritesPerObjectPerHour })},
		{fmt.Sprintf("RSS at %d keys (MiB)", sb.Keys), false, memFig(0, false)},
		{fmt.Sprintf("RSS at %d keys (MiB)", sb.MemoryKeys), false, memFig(1, false)},
		{fmt.Sprintf("peak RSS up to %d keys (MiB)", sb.MemoryKeys), false, memFig(1, true)},
		{"keys in LiteLLM per VirtualKey after lost responses", false, dropFig(func(d *DropRun) float64 { return d.KeysPerVirtualKey })},
		{"share of VirtualKeys with a usable key Secret after lost responses", true, dropFig(func(d *DropRun) float64 { return ratio(float64(d.UsableKeySecrets), float64(d.Keys)) })},
	}
	out := make([]Comparison, 0, len(lines))
	for _, l := range lines {
		o, okO := l.fig(ours)
		p, okP := l.fig(peer)
		c := Comparison{Name: l.name, Ours: o, Peer: p, HigherIsBetter: l.higher}
		if okO && okP && o > 0 && p > 0 {
			if l.higher {
				c.Ratio = o / p
			} else {
				c.Ratio = p / o
			}
		}
		out = append(out, c)
	}
	return out
}

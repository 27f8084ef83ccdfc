package bench

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/sets"
)

// Config is one benchmark run. DefaultConfig is what `make bench` runs.
type Config struct {
	// ManagerBinary is the operator's manager (bin/manager, built by `make build`), started with
	// ManagerArgs (placeholders as in Operator.Args). The phases but the side-by-side one run it
	// in one namespace each ({namespace}).
	ManagerBinary string
	ManagerArgs   []string
	// ManagerEnv is added to the manager's environment (e.g. GOMEMLIMIT, as a container's memory
	// limit would set it through --memory-limit-ratio).
	ManagerEnv []string
	// RepoRoot holds config/crd/bases; found from the working directory when empty.
	RepoRoot string
	// WorkDir keeps the operator logs of every phase; a temporary folder when empty.
	WorkDir string

	// Keys is the number of VirtualKeys created at each point of the concurrency sweep.
	Keys int
	// Latency is added by the simulator to every LiteLLM call.
	Latency time.Duration
	// Concurrency lists the --max-concurrent-reconciles values of the sweep.
	Concurrency []int
	// Workers is --max-concurrent-reconciles in the steady-state and memory phases.
	Workers int
	// ResyncPeriod is the operator's --resync-period in the steady-state phase (the sweep uses an
	// hour, so no resync competes with the creates).
	ResyncPeriod time.Duration
	// SteadyWindow is how long periodic resyncs are counted after the restart wave.
	SteadyWindow time.Duration
	// RequestCosts is how many requests of each kind measure the API server's CPU per request
	// (0 skips the phase).
	RequestCosts int
	// MemoryKeys VirtualKeys are created for the memory phase; 0 skips the phase.
	MemoryKeys int
	// UnrelatedSecrets are created (SecretBytes of data each) in the memory phase's namespace,
	// unlabelled, to show the operator's memory does not grow with them.
	UnrelatedSecrets int
	SecretBytes      int

	// KubeAPIQPS and KubeAPIBurst are the operator's client rate limit.
	KubeAPIQPS   float64
	KubeAPIBurst int
	// CreateQPS and Creators are the benchmark's own client: fast and parallel enough that
	// creating the objects is not what is measured.
	CreateQPS float64
	Creators  int
	// ReadyTimeout bounds each wait for every object of a phase to be Ready.
	ReadyTimeout time.Duration

	// ScaleKeys VirtualKeys are created in steps of ScaleStep, with the operator's memory and the
	// time read after each step (0 skips the phase).
	ScaleKeys, ScaleStep int
	// Peer is another operator serving the same CRDs; when its Binary is set, both run through the
	// side-by-side phases (SideKeys, SideMemoryKeys, DropKeys, SideSteadyWindow), each on its own
	// control plane.
	Peer             Operator
	SideKeys         int
	SideMemoryKeys   int
	DropKeys         int
	SideSteadyWindow time.Duration
	// SideTimeout bounds each wait for Ready in the side-by-side phases; an operator that does
	// not make it is reported with what it reached.
	SideTimeout time.Duration
	// Skip names phases not to run (sweep, costs, steady, memory).
	Skip []string
	// CPUProfiles keeps a CPU profile of the operator during each timed create (it costs the
	// operator about 1% of its CPU, so measured runs go without).
	CPUProfiles bool

	// JSONPath and ChartPath receive the report and the chart; empty skips them.
	JSONPath, ChartPath string
	// Progress receives a one-line status while the benchmark runs (nil: none); milestone marks
	// the lines that end a step, which a log should keep.
	Progress func(line string, milestone bool)
}

// DefaultConfig is the full run of `make bench`.
func DefaultConfig() Config {
	return Config{
		ManagerBinary:    "bin/manager",
		ManagerArgs:      DefaultManagerArgs,
		Keys:             1000,
		Latency:          20 * time.Millisecond,
		Concurrency:      []int{1, 4, 16, 32, 64},
		Workers:          32,
		ResyncPeriod:     10 * time.Second,
		SteadyWindow:     25 * time.Second,
		RequestCosts:     1000,
		MemoryKeys:       10000,
		UnrelatedSecrets: 10000,
		SecretBytes:      4096,
		KubeAPIQPS:       2000,
		KubeAPIBurst:     4000,
		CreateQPS:        500,
		Creators:         32,
		ReadyTimeout:     10 * time.Minute,
		ScaleStep:        10000,
		Peer:             Operator{Name: "replaced operator", Args: DefaultPeerArgs},
		SideKeys:         1000,
		SideMemoryKeys:   10000,
		DropKeys:         200,
		SideSteadyWindow: 150 * time.Second,
		SideTimeout:      time.Hour,
		JSONPath:         "docs/performance.json",
		ChartPath:        "docs/performance.png",
	}
}

// quickConfig shortens the run to about a minute and a half (flag -quick); its output goes to bin/.
func quickConfig(c Config) Config {
	c.Keys = 200
	c.Concurrency = []int{4, 16}
	c.Workers = 16
	c.ResyncPeriod = 5 * time.Second
	c.SteadyWindow = 8 * time.Second
	c.RequestCosts = 300
	c.MemoryKeys = 1000
	c.UnrelatedSecrets = 1000
	c.SideKeys = 200
	c.SideMemoryKeys = 1000
	c.DropKeys = 50
	c.SideSteadyWindow = 70 * time.Second
	c.JSONPath = "bin/performance-quick.json"
	c.ChartPath = "bin/performance-quick.png"
	return c
}

// Validate reports settings that cannot work.
func (c *Config) Validate() error {
	var errs []error
	if c.Keys < 1 {
		errs = append(errs, fmt.Errorf("-n must be at least 1, got %d", c.Keys))
	}
	if len(c.Concurrency) == 0 {
		errs = append(errs, errors.New("-concurrency needs at least one value"))
	}
	for _, w := range append(slices.Clone(c.Concurrency), c.Workers) {
		if w < 1 {
			errs = append(errs, fmt.Errorf("concurrency values must be at least 1, got %d", w))
		}
	}
	if c.Latency < 0 {
		errs = append(errs, fmt.Errorf("-latency must not be negative, got %s", c.Latency))
	}
	if c.ResyncPeriod <= 0 || float64(c.SteadyWindow) < 1.1*float64(c.ResyncPeriod) {
		// The resync period is jittered by ±10%: a shorter window may hold no resync of an object.
		errs = append(errs, fmt.Errorf("-resync must be positive and -steady-window at least 1.1 times as long, got %s and %s", c.ResyncPeriod, c.SteadyWindow))
	}
	if c.MemoryKeys < 0 || c.UnrelatedSecrets < 0 || c.SecretBytes < 0 || c.RequestCosts < 0 {
		errs = append(errs, errors.New("-memory-keys, -unrelated-secrets, -secret-bytes and -request-costs must not be negative"))
	}
	if c.KubeAPIQPS <= 0 || c.KubeAPIBurst <= 0 || c.CreateQPS <= 0 || c.Creators < 1 {
		errs = append(errs, errors.New("-kube-api-qps, -kube-api-burst, -create-qps and -creators must be positive"))
	}
	if err := c.our(".").validate("manager"); err != nil {
		errs = append(errs, err)
	}
	if c.ScaleKeys < 0 || c.ScaleStep < 1 || c.ScaleKeys > 0 && c.ScaleKeys < c.ScaleStep {
		errs = append(errs, fmt.Errorf("-scale-keys must be 0 or at least -scale-step (%d), got %d", c.ScaleStep, c.ScaleKeys))
	}
	errs = append(errs, c.validatePeer()...)
	for _, p := range c.Skip {
		if !slices.Contains(skippable, p) {
			errs = append(errs, fmt.Errorf("-skip: unknown phase %q (phases: %s)", p, strings.Join(skippable, ", ")))
		}
	}
	return errors.Join(errs...)
}

// validatePeer reports side-by-side settings that cannot work; none without -peer.
func (c *Config) validatePeer() []error {
	if c.Peer.Binary == "" {
		return nil
	}
	var errs []error
	if err := c.Peer.validate("peer"); err != nil {
		errs = append(errs, err)
	}
	if c.Peer.CRDDir == "" {
		errs = append(errs, errors.New("-peer-crds is required with -peer: its control plane installs the peer's own CRDs"))
	}
	if c.SideKeys < 1 || c.SideMemoryKeys < c.SideKeys || c.DropKeys < 0 {
		errs = append(errs, errors.New("-side-keys must be at least 1, -side-memory-keys at least -side-keys, -drop-keys not negative"))
	}
	if c.SideSteadyWindow < time.Second || c.SideTimeout < time.Minute {
		errs = append(errs, errors.New("-side-steady-window must be at least 1s and -side-timeout at least 1m"))
	}
	return errs
}

// Phases -skip can leave out.
const (
	phaseSweep  = "sweep"
	phaseCosts  = "costs"
	phaseSteady = "steady"
	phaseMemory = "memory"
)

var skippable = []string{phaseSweep, phaseCosts, phaseSteady, phaseMemory}

func (c *Config) skips(phase string) bool { return slices.Contains(c.Skip, phase) }

// our is this repository's operator as the configuration describes it, with its CRDs in root.
func (c *Config) our(root string) Operator {
	return Operator{
		Name: "litellm-operator", Binary: c.ManagerBinary, Args: c.ManagerArgs, Env: c.ManagerEnv,
		CRDDir: filepath.Join(root, "config", "crd", "bases"), DefaultResync: DefaultManagerResync,
	}
}

// ourOperator is c.our with the binary's path made absolute and checked.
func (c *Config) ourOperator(root string) (Operator, error) {
	op, err := resolveOperator(c.our(root))
	if err != nil {
		return op, fmt.Errorf("%w (run `make build`)", err)
	}
	return op, nil
}

// resolveOperator makes the operator's paths absolute and checks they exist.
func resolveOperator(op Operator) (Operator, error) {
	var err error
	for _, p := range []*string{&op.Binary, &op.CRDDir} {
		if *p, err = filepath.Abs(*p); err != nil {
			return op, err
		}
		if _, err := os.Stat(*p); err != nil {
			return op, fmt.Errorf("%s: %w", op.Name, err)
		}
	}
	return op, nil
}

// ParseFlags reads the command line of cmd/bench into a Config. -quick changes the defaults of
// every flag that is not given explicitly.
func ParseFlags(fs *flag.FlagSet, args []string) (Config, error) {
	c := DefaultConfig()
	var quick bool
	concurrency := intList(c.Concurrency)
	fs.BoolVar(&quick, "quick", false, "a run of about a minute and a half (200 keys, workers 4 and 16, 1,000 keys and Secrets for memory; side by side 200 and 1,000 keys); output in bin/")
	fs.StringVar(&c.ManagerBinary, "manager", c.ManagerBinary, "the operator's manager binary (make build)")
	managerArgs := argList(slices.Clone(c.ManagerArgs))
	fs.Var(&managerArgs, "manager-args", "the manager's flags, space-separated; placeholders {metrics} {probe} {pprof} {namespace} {workers} {resync} {qps} {burst} are filled in at each start")
	managerEnv := argList(nil)
	fs.Var(&managerEnv, "manager-env", "environment variables for the manager, space-separated NAME=value (e.g. GOMEMLIMIT=115MiB)")
	peerArgs := argList(slices.Clone(c.Peer.Args))
	peerEnv := argList(nil)
	fs.Var(&peerEnv, "peer-env", "environment variables for the peer, space-separated NAME=value")
	fs.StringVar(&c.Peer.Binary, "peer", "", "another operator binary serving the same CRDs, run side by side with -manager (empty: no side-by-side phase)")
	fs.Var(&peerArgs, "peer-args", "the peer's flags, space-separated, with the placeholders of -manager-args")
	fs.StringVar(&c.Peer.CRDDir, "peer-crds", "", "folder of the peer's own CRDs, installed on its own control plane")
	fs.StringVar(&c.Peer.Name, "peer-name", c.Peer.Name, "the peer's name in the report")
	fs.StringVar(&c.Peer.Version, "peer-version", "", "what the peer was built from (version, repository, commit), for the report")
	fs.IntVar(&c.SideKeys, "side-keys", c.SideKeys, "side by side: VirtualKeys timed to Ready, resynced and measured")
	fs.IntVar(&c.SideMemoryKeys, "side-memory-keys", c.SideMemoryKeys, "side by side: VirtualKeys at the second memory reading")
	fs.IntVar(&c.DropKeys, "drop-keys", c.DropKeys, "side by side: VirtualKeys whose first /key/generate response is lost (0 skips it)")
	fs.DurationVar(&c.SideSteadyWindow, "side-steady-window", c.SideSteadyWindow, "side by side: how long resyncs are counted")
	fs.DurationVar(&c.SideTimeout, "side-timeout", c.SideTimeout, "side by side: how long an operator may take to bring a phase's keys to Ready")
	fs.BoolVar(&c.CPUProfiles, "cpu-profiles", false, "keep a CPU profile of the operator during each timed create in -work-dir")
	fs.IntVar(&c.ScaleKeys, "scale-keys", c.ScaleKeys, "VirtualKeys of the scale point, e.g. 100000 (0 skips it)")
	fs.IntVar(&c.ScaleStep, "scale-step", c.ScaleStep, "keys per step of the scale point (memory and time read after each)")
	skip := argList(nil)
	fs.Func("skip", "comma-separated phases not to run: "+strings.Join(skippable, ", "), func(v string) error {
		skip = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
		return nil
	})
	fs.StringVar(&c.WorkDir, "work-dir", "", "folder for the operator logs of every phase (default: a temporary folder, removed at the end)")
	fs.IntVar(&c.Keys, "n", c.Keys, "VirtualKeys created at each concurrency")
	fs.DurationVar(&c.Latency, "latency", c.Latency, "latency the LiteLLM simulator adds to every call")
	fs.Var(&concurrency, "concurrency", "comma-separated --max-concurrent-reconciles values of the sweep")
	fs.IntVar(&c.Workers, "workers", c.Workers, "--max-concurrent-reconciles in the steady-state and memory phases")
	fs.DurationVar(&c.ResyncPeriod, "resync", c.ResyncPeriod, "--resync-period in the steady-state phase")
	fs.DurationVar(&c.SteadyWindow, "steady-window", c.SteadyWindow, "how long periodic resyncs are counted")
	fs.IntVar(&c.RequestCosts, "request-costs", c.RequestCosts, "requests of each kind to measure the API server's CPU per request (0 skips it)")
	fs.IntVar(&c.MemoryKeys, "memory-keys", c.MemoryKeys, "VirtualKeys in the memory phase (0 skips it)")
	fs.IntVar(&c.UnrelatedSecrets, "unrelated-secrets", c.UnrelatedSecrets, "unlabelled Secrets added in the memory phase")
	fs.IntVar(&c.SecretBytes, "secret-bytes", c.SecretBytes, "data bytes per unrelated Secret")
	fs.Float64Var(&c.KubeAPIQPS, "kube-api-qps", c.KubeAPIQPS, "the operator's --kube-api-qps")
	fs.IntVar(&c.KubeAPIBurst, "kube-api-burst", c.KubeAPIBurst, "the operator's --kube-api-burst")
	fs.Float64Var(&c.CreateQPS, "create-qps", c.CreateQPS, "QPS of the benchmark's own Kubernetes client")
	fs.IntVar(&c.Creators, "creators", c.Creators, "parallel creates by the benchmark")
	fs.DurationVar(&c.ReadyTimeout, "ready-timeout", c.ReadyTimeout, "how long a phase may wait for its objects to be Ready")
	fs.StringVar(&c.JSONPath, "json", c.JSONPath, "JSON report path (empty: none)")
	fs.StringVar(&c.ChartPath, "chart", c.ChartPath, "PNG chart path (empty: none)")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments %q (flags go in BENCH_ARGS)", fs.Args())
	}
	c.Concurrency = concurrency
	c.ManagerArgs, c.ManagerEnv, c.Peer.Args, c.Peer.Env, c.Skip = managerArgs, managerEnv, peerArgs, peerEnv, skip
	if quick {
		q := quickConfig(c)
		set := sets.New[string]()
		fs.Visit(func(f *flag.Flag) { set.Insert(f.Name) })
		for name, apply := range map[string]func(){
			"n": func() { c.Keys = q.Keys }, "concurrency": func() { c.Concurrency = q.Concurrency },
			"workers": func() { c.Workers = q.Workers }, "resync": func() { c.ResyncPeriod = q.ResyncPeriod },
			"steady-window": func() { c.SteadyWindow = q.SteadyWindow }, "memory-keys": func() { c.MemoryKeys = q.MemoryKeys },
			"unrelated-secrets":  func() { c.UnrelatedSecrets = q.UnrelatedSecrets },
			"request-costs":      func() { c.RequestCosts = q.RequestCosts },
			"side-keys":          func() { c.SideKeys = q.SideKeys },
			"side-memory-keys":   func() { c.SideMemoryKeys = q.SideMemoryKeys },
			"drop-keys":          func() { c.DropKeys = q.DropKeys },
			"side-steady-window": func() { c.SideSteadyWindow = q.SideSteadyWindow },
			"json":               func() { c.JSONPath = q.JSONPath }, "chart": func() { c.ChartPath = q.ChartPath },
		} {
			if !set.Has(name) {
				apply()
			}
		}
	}
	return c, c.Validate()
}

// intList is a comma-separated flag value.
type intList []int

func (l *intList) String() string {
	parts := make([]string, len(*l))
	for i, v := range *l {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, ",")
}

func (l *intList) Set(v string) error {
	var out []int
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		n, err := strconv.Atoi(part)
		if err != nil {
			return fmt.Errorf("%q is not a number", part)
		}
		out = append(out, n)
	}
	*l = out
	return nil
}

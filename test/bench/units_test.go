package bench

import (
	"bytes"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/procfs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/test/harness"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	cases := []struct {
		reason string
		values []time.Duration
		p      float64
		want   time.Duration
	}{
		{reason: "no values give zero", values: nil, p: 50, want: 0},
		{reason: "one value is every percentile", values: ms(7), p: 99, want: 7 * time.Millisecond},
		{reason: "median of an odd count is the middle value", values: ms(5, 1, 3), p: 50, want: 3 * time.Millisecond},
		{reason: "nearest rank rounds up", values: ms(1, 2, 3, 4), p: 50, want: 2 * time.Millisecond},
		{reason: "p95 of 1..100 is 95", values: seq(100), p: 95, want: 95 * time.Millisecond},
		{reason: "p99 of 1..100 is 99", values: seq(100), p: 99, want: 99 * time.Millisecond},
		{reason: "p100 is the maximum", values: ms(9, 2, 4), p: 100, want: 9 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			assert.Equal(t, tc.want, percentile(tc.values, tc.p))
		})
	}
}

func seq(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[n-1-i] = time.Duration(i+1) * time.Millisecond // reversed: percentile must sort
	}
	return out
}

func TestNewBound(t *testing.T) {
	cases := []struct {
		reason        string
		calls, writes float64
		latency, wl   time.Duration
		workers, keys int
		measured      time.Duration
		wantPerKey    time.Duration
		wantTime      time.Duration
		wantKeysS     float64
		wantRatio     float64
	}{
		{
			reason: "three calls and three writes, one worker", calls: 3, writes: 3, latency: 20 * time.Millisecond, wl: 5 * time.Millisecond,
			workers: 1, keys: 100, measured: 15 * time.Second,
			wantPerKey: 75 * time.Millisecond, wantTime: 7500 * time.Millisecond, wantKeysS: 1 / 0.075, wantRatio: 2,
		},
		{
			reason: "workers divide the time", calls: 1, writes: 3, latency: 20 * time.Millisecond, wl: 2 * time.Millisecond,
			workers: 13, keys: 1000, measured: 2 * time.Second,
			wantPerKey: 26 * time.Millisecond, wantTime: 2 * time.Second, wantKeysS: 500, wantRatio: 1,
		},
		{reason: "no cost has no bound", workers: 4, keys: 10, measured: time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			b := newBound(tc.keys, tc.calls, tc.latency, tc.writes, tc.wl, tc.workers, tc.measured)
			assert.Equal(t, tc.wantPerKey, b.PerKey.D())
			assert.InDelta(t, tc.wantTime.Seconds(), b.Time.D().Seconds(), 1e-6)
			assert.InDelta(t, tc.wantKeysS, b.KeysPerSecond, 1e-6)
			assert.InDelta(t, tc.wantRatio, b.MeasuredRatio, 1e-6)
		})
	}
}

func TestParseMetrics(t *testing.T) {
	const text = `# HELP rest_client_requests_total Number of HTTP requests.
# TYPE rest_client_requests_total counter
rest_client_requests_total{code="200",host="127.0.0.1:6443",method="GET"} 12
rest_client_requests_total{code="201",host="127.0.0.1:6443",method="POST"} 3
rest_client_requests_total{code="200",host="127.0.0.1:6443",method="PATCH"} 4.5
workqueue_depth{controller="virtualkey",name="virtualkey"} 0
odd_label{path="a \"quoted\", comma\\ and \n newline"} 1e3
no_labels 7 1700000000000
`
	cases := []struct {
		reason string
		keep   func(string) bool
		check  func(t *testing.T, m metricSet)
	}{
		{
			reason: "sums by label",
			check: func(t *testing.T, m metricSet) {
				assert.InDelta(t, 19.5, m.Sum("rest_client_requests_total", nil), 1e-9)
				assert.InDelta(t, 3, m.Sum("rest_client_requests_total", map[string]string{"method": "POST"}), 1e-9)
				assert.InDelta(t, 7.5, m.SumWhere("rest_client_requests_total", func(l map[string]string) bool { return isWrite(l["method"]) }), 1e-9)
			},
		},
		{
			reason: "unescapes label values and reads exponents and timestamps",
			check: func(t *testing.T, m metricSet) {
				var odd sample
				for _, s := range m {
					if s.Name == "odd_label" {
						odd = s
					}
				}
				assert.Equal(t, "a \"quoted\", comma\\ and \n newline", odd.Labels["path"])
				assert.InDelta(t, 1000, odd.Value, 1e-9)
				assert.InDelta(t, 7, m.Sum("no_labels", nil), 1e-9)
			},
		},
		{
			reason: "keeps only the families asked for",
			keep:   func(name string) bool { return strings.HasPrefix(name, "workqueue_") },
			check: func(t *testing.T, m metricSet) {
				require.Len(t, m, 1)
				assert.Equal(t, "workqueue_depth", m[0].Name)
			},
		},
		{
			reason: "groups by a key",
			check: func(t *testing.T, m metricSet) {
				got := m.GroupBy("rest_client_requests_total", nil, func(l map[string]string) string { return l["method"] })
				assert.Equal(t, map[string]float64{"GET": 12, "POST": 3, "PATCH": 4.5}, got)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			m, err := parseMetrics(strings.NewReader(text), tc.keep)
			require.NoError(t, err)
			tc.check(t, m)
		})
	}
}

func TestParseMetricsRejectsMalformedLines(t *testing.T) {
	for _, line := range []string{`x{a="1"`, `x{a=1} 2`, `x 1.2.3`, `x{a="1"}`, `{a="1"} 1`} {
		t.Run(line, func(t *testing.T) {
			_, err := parseMetrics(strings.NewReader(line+"\n"), nil)
			assert.Error(t, err)
		})
	}
}

func TestSubtractCounts(t *testing.T) {
	got := subtractCounts(map[string]float64{"a": 5, "b": 2, "c": 1}, map[string]float64{"a": 3, "b": 2})
	assert.Equal(t, map[string]float64{"a": 2, "c": 1}, got, "unchanged keys are left out")
}

func TestProcReaders(t *testing.T) {
	t.Run("this process's memory and CPU", func(t *testing.T) {
		m, err := readMemory(os.Getpid())
		require.NoError(t, err)
		assert.Positive(t, m.RSS)
		assert.GreaterOrEqual(t, m.Peak, m.RSS, "the peak is at least the current resident set")
		st, err := readProcStat(os.Getpid())
		require.NoError(t, err)
		assert.Equal(t, os.Getppid(), st.PPID)
		assert.GreaterOrEqual(t, st.CPUSecs, 0.0)
	})
	t.Run("children by name", func(t *testing.T) {
		p, err := harness.Start(harness.Command{Name: "sleep", Path: "/bin/sleep", Args: []string{"30"}, LogPath: filepath.Join(t.TempDir(), "sleep.log")})
		require.NoError(t, err)
		t.Cleanup(func() { _ = p.Stop(time.Second) })
		assert.Equal(t, p.Pid(), childrenByName()["sleep"])
	})
	t.Run("machine CPU totals", func(t *testing.T) {
		tot := cpuTotalsOf(procfs.CPUStat{User: 1, System: 0.5, Idle: 8, Iowait: 0.5, Guest: 0.3})
		assert.InDelta(t, 1.5, tot.Busy, 1e-9, "idle and iowait are not busy; guest time is inside user already")
		assert.InDelta(t, 10, tot.Total, 1e-9)
		live, err := readCPUTotals()
		require.NoError(t, err)
		assert.Greater(t, live.Total, live.Busy)
	})
}

func TestParseFlags(t *testing.T) {
	cases := []struct {
		reason  string
		args    []string
		check   func(t *testing.T, c Config)
		wantErr string
	}{
		{
			reason: "defaults are the full run",
			check: func(t *testing.T, c Config) {
				assert.Equal(t, 1000, c.Keys)
				assert.Equal(t, 20*time.Millisecond, c.Latency)
				assert.Equal(t, []int{1, 4, 16, 32, 64}, c.Concurrency)
				assert.Equal(t, 10000, c.MemoryKeys)
				assert.Equal(t, "docs/performance.json", c.JSONPath)
			},
		},
		{
			reason: "quick shortens every phase and writes to bin/",
			args:   []string{"-quick"},
			check: func(t *testing.T, c Config) {
				assert.Equal(t, 200, c.Keys)
				assert.Equal(t, []int{4, 16}, c.Concurrency)
				assert.Equal(t, 1000, c.MemoryKeys)
				assert.Equal(t, "bin/performance-quick.png", c.ChartPath)
			},
		},
		{
			reason: "explicit flags win over quick",
			args:   []string{"-quick", "-n=300", "-concurrency", "2, 8", "-json="},
			check: func(t *testing.T, c Config) {
				assert.Equal(t, 300, c.Keys)
				assert.Equal(t, []int{2, 8}, c.Concurrency)
				assert.Empty(t, c.JSONPath)
				assert.Equal(t, 1000, c.UnrelatedSecrets)
			},
		},
		{
			reason: "a peer with its own arguments and CRDs; phases skipped",
			args:   []string{"-peer=/bin/peer", "-peer-crds=/crds", "-peer-args=--metrics-bind-address={metrics} --health-probe-bind-address={probe} --zap-devel", "-skip=sweep,costs"},
			check: func(t *testing.T, c Config) {
				assert.Equal(t, "/bin/peer", c.Peer.Binary)
				assert.Equal(t, []string{"--metrics-bind-address={metrics}", "--health-probe-bind-address={probe}", "--zap-devel"}, c.Peer.Args)
				assert.Equal(t, []string{"sweep", "costs"}, c.Skip)
				assert.True(t, c.skips(phaseSweep))
				assert.False(t, c.skips(phaseMemory))
				assert.Equal(t, DefaultManagerArgs, c.ManagerArgs, "the manager keeps its own arguments")
			},
		},
		{
			reason: "quick shortens the side-by-side phases too",
			args:   []string{"-quick", "-drop-keys=7"},
			check: func(t *testing.T, c Config) {
				assert.Equal(t, 200, c.SideKeys)
				assert.Equal(t, 1000, c.SideMemoryKeys)
				assert.Equal(t, 7, c.DropKeys)
			},
		},
		{reason: "a peer needs its CRDs", args: []string{"-peer=/bin/peer"}, wantErr: "-peer-crds is required"},
		{reason: "the benchmark must find the peer's metrics", args: []string{"-peer=/bin/peer", "-peer-crds=/c", "-peer-args=--probe={probe}"}, wantErr: "-peer-args must contain {metrics}"},
		{reason: "manager arguments without a probe", args: []string{"-manager-args=--metrics={metrics}"}, wantErr: "-manager-args must contain {probe}"},
		{reason: "an unknown phase", args: []string{"-skip=sweep,nap"}, wantErr: `unknown phase "nap"`},
		{reason: "a scale point smaller than one step", args: []string{"-scale-keys=5000"}, wantErr: "-scale-keys must be 0 or at least -scale-step"},
		{reason: "a concurrency must be a number", args: []string{"-concurrency=1,x"}, wantErr: `"x" is not a number`},
		{reason: "zero workers cannot run", args: []string{"-concurrency=0"}, wantErr: "at least 1"},
		{reason: "no keys", args: []string{"-n=0"}, wantErr: "-n must be at least 1"},
		{reason: "arguments belong in flags", args: []string{"extra"}, wantErr: "BENCH_ARGS"},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			fs := flag.NewFlagSet("bench", flag.ContinueOnError)
			fs.SetOutput(&bytes.Buffer{})
			c, err := ParseFlags(fs, tc.args)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			tc.check(t, c)
		})
	}
}

func TestEvaluateTargets(t *testing.T) {
	point := func(workers int, keysS, ratio float64) CreateRun {
		return CreateRun{Workers: workers, Keys: 1000, KeysPerSecond: keysS, Bound: Bound{MeasuredRatio: ratio, KeysPerSecond: keysS * ratio},
			CPUPerKey: Seconds(14 * time.Millisecond), CPUSeconds: map[string]float64{"operator": 1.5, "kube-apiserver": 10}}
	}
	base := func() *Report {
		return &Report{
			Machine:  Machine{CPUs: 2},
			Settings: Settings{Latency: Seconds(20 * time.Millisecond)},
			Steady: &SteadyState{
				Restart:  ResyncWindow{Reconciles: 10, LiteLLMReads: 10, LiteLLMReadsPerResync: 1},
				Periodic: ResyncWindow{Reconciles: 20, LiteLLMReads: 20, LiteLLMReadsPerResync: 1},
			},
			Memory: &MemoryResult{Keys: 10000, UnrelatedSecrets: 10000, PeakMiB: 120, Flat: true,
				Points: []MemoryPoint{{RSSMiB: 95}, {RSSMiB: 90}}},
		}
	}
	verdicts := func(ts []Target) map[string]bool {
		out := map[string]bool{}
		for _, tg := range ts {
			out[tg.Name] = tg.Met
		}
		return out
	}
	allMet := func(changes map[string]bool) map[string]bool {
		out := map[string]bool{"throughput": true, "bound": true, "resync writes": true, "resync reads": true,
			"memory": true, "memory peak": true, "memory flat": true}
		for k, v := range changes {
			out[k] = v
		}
		return out
	}
	cases := []struct {
		reason string
		mutate func(r *Report)
		want   map[string]bool
	}{
		{
			reason: "a point within 32 workers meets both throughput and bound; its CPU is judged at 32 workers",
			mutate: func(r *Report) { r.Sweep = []CreateRun{point(4, 50, 1.2), point(32, 120, 1.4), point(64, 200, 1.1)} },
			want:   allMet(map[string]bool{"cpu per key": true, "operator cpu per key": true}),
		},
		{
			reason: "64 workers do not count for the target, and without a 32-worker point there is no CPU verdict",
			mutate: func(r *Report) { r.Sweep = []CreateRun{point(16, 80, 1.2), point(64, 300, 1.1)} },
			want:   allMet(map[string]bool{"throughput": false}),
		},
		{
			reason: "fast but far from the bound",
			mutate: func(r *Report) { r.Sweep = []CreateRun{point(16, 150, 3)} },
			want:   allMet(map[string]bool{"bound": false}),
		},
		{
			reason: "too much CPU per key in total and in the operator",
			mutate: func(r *Report) {
				p := point(32, 120, 1.4)
				p.CPUPerKey, p.CPUSeconds["operator"] = Seconds(16*time.Millisecond), 2.5
				r.Sweep = []CreateRun{p}
			},
			want: allMet(map[string]bool{"cpu per key": false, "operator cpu per key": false}),
		},
		{
			reason: "a write on resync, two reads, one reading above 100 MiB, a peak above 130 MiB, growth with Secrets",
			mutate: func(r *Report) {
				r.Sweep = []CreateRun{point(16, 150, 1.2)}
				r.Steady.Periodic.KubeWrites = 1
				r.Steady.Periodic.LiteLLMReadsPerResync = 2
				r.Memory.Points[1].RSSMiB = 101
				r.Memory.PeakMiB = 131
				r.Memory.Flat = false
			},
			want: allMet(map[string]bool{"resync writes": false, "resync reads": false, "memory": false, "memory peak": false, "memory flat": false}),
		},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			r := base()
			tc.mutate(r)
			assert.Equal(t, tc.want, verdicts(evaluateTargets(r)))
		})
	}
}

func TestMemoryEvaluate(t *testing.T) {
	cases := []struct {
		reason                string
		without, with         float64
		liveWithout, liveWith float64
		wantFlat              bool
	}{
		{reason: "a few MiB of GC noise is flat", without: 60, with: 64, liveWithout: 20, liveWith: 21, wantFlat: true},
		{reason: "less is flat", without: 60, with: 55, liveWithout: 20, liveWith: 19, wantFlat: true},
		{reason: "caching the Secrets shows in RSS", without: 60, with: 90, liveWithout: 20, liveWith: 21, wantFlat: false},
		{reason: "caching the Secrets shows in the live heap", without: 60, with: 62, liveWithout: 20, liveWith: 30, wantFlat: false},
		{reason: "the RSS tolerance grows with the baseline", without: 200, with: 215, liveWithout: 90, liveWith: 91, wantFlat: true},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			m := &MemoryResult{UnrelatedSecrets: 10000, SecretBytes: 2048, Points: []MemoryPoint{
				{Label: "after creating the keys", RSSMiB: 70, PeakMiB: 95},
				{Label: "fresh start, no unrelated Secrets", RSSMiB: tc.without, PeakMiB: tc.without, LiveHeapMiB: tc.liveWithout},
				{Label: "fresh start, with the unrelated Secrets", UnrelatedSecrets: 10000, RSSMiB: tc.with, PeakMiB: tc.with, LiveHeapMiB: tc.liveWith},
			}}
			m.evaluate()
			assert.Equal(t, tc.wantFlat, m.Flat)
			assert.InDelta(t, tc.with-tc.without, m.GrowthMiB, 1e-9)
			assert.InDelta(t, max(95, tc.without, tc.with), m.PeakMiB, 1e-9)
		})
	}
}

func TestOutputs(t *testing.T) {
	rep := &Report{
		Machine:  Machine{CPUs: 2, CPUModel: "test"},
		Settings: Settings{Keys: 100, Latency: Seconds(20 * time.Millisecond), KubeAPIQPS: 1000, KubeAPIBurst: 2000},
		Sweep: []CreateRun{
			{Label: "sweep w=1", Workers: 1, Keys: 100, KeysPerSecond: 20, Bound: newBound(100, 1, 20*time.Millisecond, 3, 2*time.Millisecond, 1, 5*time.Second),
				LiteLLMCalls: map[string]float64{"POST /key/generate": 1}},
			{Label: "sweep w=16", Workers: 16, Keys: 100, KeysPerSecond: 120, Bound: newBound(100, 1, 20*time.Millisecond, 3, 2*time.Millisecond, 16, 830*time.Millisecond)},
		},
		Steady: &SteadyState{Keys: 101, ResyncPeriod: Seconds(10 * time.Second)},
		Memory: &MemoryResult{Keys: 10000, Points: []MemoryPoint{{Label: "fresh start, no unrelated Secrets", RSSMiB: 60}}},
		Scale:  &ScaleResult{Keys: 20000, Step: 10000, Points: []ScalePoint{{Keys: 10000, RSSMiB: 80}, {Keys: 20000, RSSMiB: 95}}},
		SideBySide: &SideBySide{Keys: 100, MemoryKeys: 1000, Operators: []SideRun{
			{Operator: Operator{Name: "litellm-operator"}, Workers: 32, Create: &CreateRun{Keys: 100, KeysPerSecond: 90}},
			{Operator: Operator{Name: "peer", Version: "1.1.1"}, Workers: 1, Create: &CreateRun{Keys: 100, KeysPerSecond: 15},
				Errors: []string{"1000 keys: 900 of 1000 VirtualKeys not Ready after 1h0m0s"}},
		}},
	}
	rep.SideBySide.Comparison = rep.SideBySide.compare()
	rep.Targets = evaluateTargets(rep)

	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	for _, want := range []string{"workers", "POST /key/generate 1.00", "Steady state", "Memory: 10000 keys", "Targets",
		"Scale: 20000 keys", "peer (1.1.1)", "failed: 1000 keys: 900 of 1000", "keys per second to Ready (100 keys)", "6.00×"} {
		assert.Contains(t, text.String(), want)
	}

	path := filepath.Join(t.TempDir(), "chart.png")
	require.NoError(t, writeChart(path, rep))
	f, err := os.Open(path) //nolint:gosec // the test's own file
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Positive(t, img.Bounds().Dx())

	assert.Error(t, writeChart(path, &Report{}), "nothing to draw")
}

func TestExpand(t *testing.T) {
	s := startSettings{Metrics: "127.0.0.1:1", Probe: "127.0.0.1:2", Pprof: "127.0.0.1:3", Namespace: "ns", Workers: 32,
		Resync: 10 * time.Second, QPS: 2000, Burst: 4000}
	assert.Equal(t, []string{
		"--metrics-bind-address=127.0.0.1:1", "--metrics-secure=false", "--health-probe-bind-address=127.0.0.1:2",
		"--pprof-bind-address=127.0.0.1:3", "--watch-namespaces=ns", "--max-concurrent-reconciles=32",
		"--resync-period=10s", "--kube-api-qps=2000", "--kube-api-burst=4000",
		"--litellm-timeout=30s", "--graceful-shutdown-timeout=5s", "--zap-log-level=info",
	}, expand(DefaultManagerArgs, s), "every placeholder of the manager's arguments is filled")
	assert.Equal(t, []string{"--metrics-bind-address=127.0.0.1:1", "--health-probe-bind-address=127.0.0.1:2"}, expand(DefaultPeerArgs, s),
		"an operator without the other flags gets only its own")
	assert.True(t, Operator{Args: DefaultManagerArgs}.uses("{resync}"))
	assert.False(t, Operator{Args: DefaultPeerArgs}.uses("{resync}"), "the peer resyncs on its own schedule")
}

func TestVirtualKeyController(t *testing.T) {
	cases := []struct {
		reason string
		text   string
		want   string
	}{
		{reason: "this repository's controller", want: "virtualkey",
			text: "controller_runtime_reconcile_total{controller=\"user\",result=\"success\"} 1\ncontroller_runtime_reconcile_total{controller=\"virtualkey\",result=\"success\"} 3\n"},
		{reason: "a scaffold's name for it", want: "litellm-virtualkey",
			text: "controller_runtime_reconcile_total{controller=\"litellm-team\",result=\"error\"} 0\ncontroller_runtime_reconcile_total{controller=\"litellm-virtualkey\",result=\"error\"} 0\n"},
		{reason: "no such controller", want: "", text: "controller_runtime_reconcile_total{controller=\"team\",result=\"error\"} 0\n"},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			m, err := parseMetrics(strings.NewReader(tc.text), nil)
			require.NoError(t, err)
			assert.Equal(t, tc.want, virtualKeyController(m))
		})
	}
}

func TestScaleGrowth(t *testing.T) {
	s := &ScaleResult{Points: []ScalePoint{
		{Keys: 10000, RSSMiB: 100, LiveHeapMiB: 40},
		{Keys: 20000, RSSMiB: 130, LiveHeapMiB: 55},
		{Keys: 30000, RSSMiB: 160, LiveHeapMiB: 70},
	}}
	rss, live := s.growth()
	assert.InDelta(t, 30, rss, 1e-9, "RSS grows 30 MiB per 10,000 keys")
	assert.InDelta(t, 15, live, 1e-9)
	assert.Zero(t, slope([]float64{1}, []float64{5}), "one point has no slope")
	assert.Zero(t, slope([]float64{2, 2}, []float64{5, 9}), "one key count has no slope")
}

func TestSteadyHourly(t *testing.T) {
	cases := []struct {
		reason                           string
		st                               SideSteady
		window                           time.Duration
		wantResyncs, wantCalls, wantKube float64
	}{
		{
			reason: "a resync setting: its per-resync cost at the default period (5 min: 12 per hour)",
			st: SideSteady{ResyncPeriod: Seconds(10 * time.Second), DefaultResync: Seconds(5 * time.Minute),
				Window: ResyncWindow{Reconciles: 15000, LiteLLMReads: 15000}},
			window: 150 * time.Second, wantResyncs: 12, wantCalls: 12, wantKube: 0,
		},
		{
			reason: "its own schedule: the rate measured in the window (2 resyncs per object in 150 s)",
			st:     SideSteady{Window: ResyncWindow{Reconciles: 2000, LiteLLMReads: 4000, KubeWrites: 4000}},
			window: 150 * time.Second, wantResyncs: 48, wantCalls: 96, wantKube: 96,
		},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			tc.st.setHourly(1000, tc.window)
			assert.InDelta(t, tc.wantResyncs, tc.st.ResyncsPerObjectPerHour, 1e-9)
			assert.InDelta(t, tc.wantCalls, tc.st.LiteLLMCallsPerObjectPerHour, 1e-9)
			assert.InDelta(t, tc.wantKube, tc.st.KubeWritesPerObjectPerHour, 1e-9)
		})
	}
}

func TestCompare(t *testing.T) {
	sb := &SideBySide{Keys: 1000, MemoryKeys: 10000, Operators: []SideRun{
		{Create: &CreateRun{Keys: 1000, KeysPerSecond: 100}, Memory: []MemoryPoint{{RSSMiB: 50}, {RSSMiB: 90, PeakMiB: 120}},
			Steady: &SideSteady{KubeWritesPerObjectPerHour: 0, LiteLLMCallsPerObjectPerHour: 12}},
		{Create: &CreateRun{Keys: 1000, KeysPerSecond: 20}, Memory: []MemoryPoint{{RSSMiB: 100}},
			Steady: &SideSteady{KubeWritesPerObjectPerHour: 120, LiteLLMCallsPerObjectPerHour: 120}},
	}}
	byName := map[string]Comparison{}
	for _, c := range sb.compare() {
		byName[c.Name] = c
	}
	assert.InDelta(t, 5, byName["keys per second to Ready (1000 keys)"].Ratio, 1e-9, "more is better: ours ÷ peer")
	assert.InDelta(t, 2, byName["RSS at 1000 keys (MiB)"].Ratio, 1e-9, "less is better: peer ÷ ours")
	assert.InDelta(t, 10, byName["LiteLLM calls per object per hour, unchanged objects"].Ratio, 1e-9)
	assert.Zero(t, byName["Kubernetes writes per object per hour, unchanged objects"].Ratio, "no ratio to zero writes")
	assert.Zero(t, byName["RSS at 10000 keys (MiB)"].Ratio, "no ratio when the peer has no figure")
	assert.InDelta(t, 90, byName["RSS at 10000 keys (MiB)"].Ours, 1e-9, "the figure that exists is kept")
}

func TestAuditSecretReads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	event := func(verb, ns, name string) string {
		return `{"kind":"Event","level":"Metadata","verb":"` + verb + `","objectRef":{"resource":"secrets","namespace":"` + ns + `","name":"` + name + `"}}` + "\n"
	}
	write := func(s string) {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		require.NoError(t, err)
		_, err = f.WriteString(s)
		require.NoError(t, err)
		require.NoError(t, f.Close())
	}
	a := &auditLog{path: path}
	reads, err := a.secretReads()
	require.NoError(t, err)
	assert.Empty(t, reads, "no log yet: nothing read")

	write(event("get", "side", "vk-000000-key") + event("get", "side", "litellm") + event("list", "side", ""))
	reads, err = a.secretReads()
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"side/vk-000000-key": 1, "side/litellm": 1}, reads, "gets only")

	write(event("get", "side", "vk-000001-key") + `{"verb":"get","objectRef":{"resource":"secrets","namespace":"side","name":"litellm-key-side-vk-000002"}}`)
	reads, err = a.secretReads()
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"side/vk-000001-key": 1}, reads, "each call returns what is new; a line still being written waits")
	write("\n")
	reads, err = a.secretReads()
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"side/litellm-key-side-vk-000002": 1}, reads)

	all := map[string]float64{"side/vk-000001-key": 2, "side/litellm": 5, "side/litellm-key-side-vk-000002": 1, "other/vk-000001-key": 7, "side/vk-000009-key": 3}
	assert.InDelta(t, 3, keySecretReads(all, "side", keyNames(0, 3)), 1e-9,
		"this operator's and the replaced operator's key Secrets of these keys; not the connection, not other namespaces or keys")
}

package bench

import (
	"encoding/json"
	"math"
	"slices"
	"time"
)

// Seconds is a duration that the JSON report writes as a number of seconds.
type Seconds time.Duration

// D returns the duration.
func (s Seconds) D() time.Duration { return time.Duration(s) }

func (s Seconds) MarshalJSON() ([]byte, error) {
	return json.Marshal(math.Round(time.Duration(s).Seconds()*1e6) / 1e6)
}

func (s *Seconds) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*s = Seconds(f * float64(time.Second))
	return nil
}

// percentile returns the p-th percentile (0 < p ≤ 100) of values by the nearest-rank method:
// the smallest value with at least p% of the values at or below it. It is 0 for no values.
func percentile(values []time.Duration, p float64) time.Duration {
	if len(values) == 0 {
		return 0
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// Bound is the physical limit of one sweep point: every create costs its LiteLLM calls, each
// taking the simulator's latency, and its API-server writes, each taking the write latency of an
// unloaded API server, one after another inside a reconcile; the workers run reconciles in
// parallel. So
//
//	per-key worker time  s = calls × latency + writes × write latency
//	time for N keys      T = N × s ÷ workers
//	keys per second        = workers ÷ s
//
// It ignores CPU: with 2 cores shared by the API server, etcd, the operator and the simulator,
// large worker counts cannot reach it.
type Bound struct {
	CallsPerKey   float64 `json:"callsPerKey"`
	Latency       Seconds `json:"latency"`
	WritesPerKey  float64 `json:"writesPerKey"`
	WriteLatency  Seconds `json:"writeLatency"`
	Workers       int     `json:"workers"`
	PerKey        Seconds `json:"perKeyWorkerTime"`
	Time          Seconds `json:"time"`
	KeysPerSecond float64 `json:"keysPerSecond"`
	// MeasuredRatio is the measured time over Time: 1 is the bound itself.
	MeasuredRatio float64 `json:"measuredOverBound"`
}

// newBound computes the bound for n keys; measured is the time the run took.
func newBound(n int, callsPerKey float64, latency time.Duration, writesPerKey float64, writeLatency time.Duration, workers int, measured time.Duration) Bound {
	b := Bound{CallsPerKey: callsPerKey, Latency: Seconds(latency), WritesPerKey: writesPerKey, WriteLatency: Seconds(writeLatency), Workers: workers}
	perKeyTime := time.Duration(callsPerKey*float64(latency) + writesPerKey*float64(writeLatency))
	b.PerKey = Seconds(perKeyTime)
	if perKeyTime > 0 && workers > 0 {
		b.Time = Seconds(time.Duration(float64(n) * float64(perKeyTime) / float64(workers)))
		b.KeysPerSecond = float64(workers) / perKeyTime.Seconds()
	}
	if b.Time > 0 {
		b.MeasuredRatio = measured.Seconds() / b.Time.D().Seconds()
	}
	return b
}

// perKey divides every count by n.
func perKey(counts map[string]float64, n int) map[string]float64 {
	out := make(map[string]float64, len(counts))
	for k, v := range counts {
		out[k] = v / float64(n)
	}
	return out
}

func total(counts map[string]float64) float64 {
	t := 0.0
	for _, v := range counts {
		t += v
	}
	return t
}

// ratio is a/b, 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

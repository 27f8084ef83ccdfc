package bench

import (
	"context"
	"fmt"
	"time"
)

// ScaleResult is the operator's memory and time as the keys grow to ScaleKeys, one step at a time.
type ScaleResult struct {
	Keys    int `json:"keys"`
	Step    int `json:"step"`
	Workers int `json:"workers"`
	// Time is from the first create to the last key Ready, over every step.
	Time          Seconds      `json:"time"`
	KeysPerSecond float64      `json:"keysPerSecond"`
	Points        []ScalePoint `json:"points"`
	// PeakMiB is the operator's highest RSS (VmHWM) over the whole phase.
	PeakMiB float64 `json:"peakMiB"`
	// RSSPer10kMiB and LiveHeapPer10kMiB are the least-squares slopes of RSS and live heap
	// against keys, per 10,000 keys.
	RSSPer10kMiB      float64 `json:"rssGrowthPer10kMiB"`
	LiveHeapPer10kMiB float64 `json:"liveHeapGrowthPer10kMiB"`
}

// ScalePoint is one step: its keys were all Ready when memory was read.
type ScalePoint struct {
	Keys          int     `json:"keys"`
	StepTime      Seconds `json:"stepTime"`
	KeysPerSecond float64 `json:"keysPerSecond"`
	RSSMiB        float64 `json:"rssMiB"`
	PeakMiB       float64 `json:"peakMiB"`
	AnonMiB       float64 `json:"rssAnonMiB"`
	FileMiB       float64 `json:"rssFileMiB"`
	LiveHeapMiB   float64 `json:"liveHeapMiB"`
	HeapInuseMiB  float64 `json:"heapInuseMiB"`
}

// scalePhase creates ScaleKeys VirtualKeys in steps of ScaleStep on a control plane of its own,
// against one operator process, and reads the time and the operator's memory after each step.
func (r *runner) scalePhase(ctx context.Context) (*ScaleResult, error) {
	if err := r.startPlane(r.ours.CRDDir); err != nil {
		return nil, err
	}
	defer func() { _ = r.stopPlane() }()
	label := fmt.Sprintf("scale: %d keys", r.cfg.ScaleKeys)
	env, err := r.setupPhase(ctx, r.ours, label, "bench-scale", r.cfg.Workers)
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.closePhase(env) }()
	res := &ScaleResult{Keys: r.cfg.ScaleKeys, Step: r.cfg.ScaleStep, Workers: r.cfg.Workers}
	for from := 0; from < r.cfg.ScaleKeys; from += r.cfg.ScaleStep {
		names := keyNames(from, min(r.cfg.ScaleStep, r.cfg.ScaleKeys-from))
		stepLabel := fmt.Sprintf("scale: keys %d to %d", from+1, from+len(names))
		// Timeout: a step may not be slower than a tenth of the sweep's slowest target rate.
		run, err := r.timedCreate(ctx, env, stepLabel, names, r.cfg.ReadyTimeout+time.Duration(len(names))*100*time.Millisecond, true)
		if err != nil {
			return res, err
		}
		m, err := r.readMemory(ctx, env.proc, fmt.Sprintf("scale: %d keys", from+len(names)), from+len(names), 0)
		if err != nil {
			return res, err
		}
		res.Time += run.Time
		res.Points = append(res.Points, ScalePoint{
			Keys: from + len(names), StepTime: run.Time, KeysPerSecond: run.KeysPerSecond,
			RSSMiB: m.RSSMiB, PeakMiB: m.PeakMiB, AnonMiB: m.AnonMiB, FileMiB: m.FileMiB, LiveHeapMiB: m.LiveHeapMiB, HeapInuseMiB: m.HeapInuseMiB,
		})
		res.PeakMiB = max(res.PeakMiB, m.PeakMiB)
	}
	res.KeysPerSecond = ratio(float64(res.Keys), res.Time.D().Seconds())
	res.RSSPer10kMiB, res.LiveHeapPer10kMiB = res.growth()
	r.milestone("scale: %d keys in %.0fs (%.0f keys/s); RSS grows %.1f MiB and the live heap %.1f MiB per 10,000 keys",
		res.Keys, res.Time.D().Seconds(), res.KeysPerSecond, res.RSSPer10kMiB, res.LiveHeapPer10kMiB)
	return res, nil
}

// growth is the least-squares slope of RSS and of the live heap against keys, per 10,000 keys.
func (s *ScaleResult) growth() (rss, live float64) {
	xs := make([]float64, len(s.Points))
	rssYs := make([]float64, len(s.Points))
	liveYs := make([]float64, len(s.Points))
	for i, p := range s.Points {
		xs[i], rssYs[i], liveYs[i] = float64(p.Keys)/10000, p.RSSMiB, p.LiveHeapMiB
	}
	return slope(xs, rssYs), slope(xs, liveYs)
}

// slope is the least-squares slope of ys against xs; 0 with fewer than two distinct xs.
func slope(xs, ys []float64) float64 {
	n := float64(len(xs))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}

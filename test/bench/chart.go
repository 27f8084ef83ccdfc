package bench

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

var (
	colorMeasured = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	colorBound    = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	colorTarget   = color.RGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xff}
	colorCPU      = color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}
	colorPeer     = color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}
)

// peerRun is the side-by-side peer's create run, if there is one.
func peerRun(rep *Report) (*SideRun, bool) {
	if rep.SideBySide == nil || len(rep.SideBySide.Operators) < 2 || rep.SideBySide.Operators[1].Create == nil {
		return nil, false
	}
	return &rep.SideBySide.Operators[1], rep.SideBySide.Operators[1].Create.KeysPerSecond > 0
}

// writeChart draws keys/s against workers (both axes logarithmic) with the bound, the band the
// target allows (the bound ÷ 1.5) and the 100 keys/s target, as a PNG.
func writeChart(path string, rep *Report) error {
	if len(rep.Sweep) == 0 {
		return errors.New("no sweep points to draw")
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("VirtualKeys to Ready: %d keys, %s LiteLLM latency, %d CPUs",
		rep.Settings.Keys, rep.Settings.Latency.D(), rep.Machine.CPUs)
	p.X.Label.Text = "--max-concurrent-reconciles (workers)"
	p.Y.Label.Text = "keys per second"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.Legend.Top, p.Legend.Left = true, true

	measured := make(plotter.XYs, len(rep.Sweep))
	bound := make(plotter.XYs, len(rep.Sweep))
	allowed := make(plotter.XYs, len(rep.Sweep))
	cpu := make(plotter.XYs, 0, len(rep.Sweep))
	labels := make([]string, len(rep.Sweep))
	xTicks := make([]plot.Tick, len(rep.Sweep))
	lo, hi := math.Inf(1), targetKeysPerSecond
	for i, r := range rep.Sweep {
		x := float64(r.Workers)
		measured[i] = plotter.XY{X: x, Y: r.KeysPerSecond}
		bound[i] = plotter.XY{X: x, Y: r.Bound.KeysPerSecond}
		allowed[i] = plotter.XY{X: x, Y: r.Bound.KeysPerSecond / targetBoundRatio}
		if r.CPUBoundKeysPerSecond > 0 {
			cpu = append(cpu, plotter.XY{X: x, Y: r.CPUBoundKeysPerSecond})
			hi = max(hi, r.CPUBoundKeysPerSecond)
		}
		labels[i] = fmt.Sprintf(" %.0f/s (%.2f×)", r.KeysPerSecond, r.Bound.MeasuredRatio)
		xTicks[i] = plot.Tick{Value: x, Label: strconv.Itoa(r.Workers)}
		lo = min(lo, r.KeysPerSecond, r.Bound.KeysPerSecond/targetBoundRatio)
		hi = max(hi, r.KeysPerSecond, r.Bound.KeysPerSecond)
	}
	peer, hasPeer := peerRun(rep)
	if hasPeer {
		lo = min(lo, peer.Create.KeysPerSecond)
	}
	if lo <= 0 || math.IsInf(lo, 1) {
		return errors.New("a sweep point has no throughput to draw on a log scale")
	}
	p.X.Tick.Marker = plot.ConstantTicks(xTicks)
	p.Y.Tick.Marker = plot.ConstantTicks(logTicks(lo/1.5, hi*1.5))
	p.X.Min, p.X.Max = float64(rep.Sweep[0].Workers)/1.5, float64(rep.Sweep[len(rep.Sweep)-1].Workers)*1.5
	p.Y.Min, p.Y.Max = lo/1.5, hi*1.5

	boundLine, err := plotter.NewLine(bound)
	if err != nil {
		return err
	}
	boundLine.Color, boundLine.Width = colorBound, vg.Points(1.5)
	boundLine.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
	allowedLine, err := plotter.NewLine(allowed)
	if err != nil {
		return err
	}
	allowedLine.Color, allowedLine.Width = colorBound, vg.Points(1)
	allowedLine.Dashes = []vg.Length{vg.Points(1), vg.Points(3)}
	target, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: targetKeysPerSecond}, {X: p.X.Max, Y: targetKeysPerSecond}})
	if err != nil {
		return err
	}
	target.Color, target.Width = colorTarget, vg.Points(0.75)
	workerLimit, err := plotter.NewLine(plotter.XYs{{X: targetMaxWorkers, Y: p.Y.Min}, {X: targetMaxWorkers, Y: p.Y.Max}})
	if err != nil {
		return err
	}
	workerLimit.Color, workerLimit.Width = colorTarget, vg.Points(0.75)
	workerLimit.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
	line, points, err := plotter.NewLinePoints(measured)
	if err != nil {
		return err
	}
	line.Color, line.Width = colorMeasured, vg.Points(2)
	points.Color, points.Shape, points.Radius = colorMeasured, draw.CircleGlyph{}, vg.Points(3.5)
	valueLabels, err := plotter.NewLabels(plotter.XYLabels{XYs: measured, Labels: labels})
	if err != nil {
		return err
	}
	valueLabels.Offset = vg.Point{X: vg.Points(4), Y: vg.Points(-12)}

	p.Add(plotter.NewGrid(), target, workerLimit, allowedLine, boundLine)
	var cpuLine *plotter.Line
	if len(cpu) > 0 {
		if cpuLine, err = plotter.NewLine(cpu); err != nil {
			return err
		}
		cpuLine.Color, cpuLine.Width = colorCPU, vg.Points(1.5)
		cpuLine.Dashes = []vg.Length{vg.Points(4), vg.Points(2), vg.Points(1), vg.Points(2)}
		p.Add(cpuLine)
	}
	var peerLine *plotter.Line
	var peerPoint *plotter.Scatter
	if hasPeer {
		// The peer has one setting (its workers are not configurable): a level line across the
		// chart, and its point at the workers it runs with.
		y := peer.Create.KeysPerSecond
		if peerLine, err = plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: y}, {X: p.X.Max, Y: y}}); err != nil {
			return err
		}
		peerLine.Color, peerLine.Width = colorPeer, vg.Points(1.5)
		peerLine.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
		x := min(max(float64(peer.Workers), p.X.Min), p.X.Max)
		if peerPoint, err = plotter.NewScatter(plotter.XYs{{X: x, Y: y}}); err != nil {
			return err
		}
		peerPoint.Color, peerPoint.Shape, peerPoint.Radius = colorPeer, draw.BoxGlyph{}, vg.Points(4)
		p.Add(peerLine, peerPoint)
	}
	p.Add(line, points, valueLabels)
	p.Legend.Add("measured (keys/s, measured ÷ bound)", line, points)
	p.Legend.Add("bound: workers ÷ (calls × latency + writes × write latency)", boundLine)
	p.Legend.Add("bound ÷ 1.5 (the target's allowance)", allowedLine)
	if cpuLine != nil {
		p.Legend.Add(fmt.Sprintf("CPU bound: %d CPUs ÷ CPU time per key (all processes)", rep.Machine.CPUs), cpuLine)
	}
	if hasPeer {
		p.Legend.Add(fmt.Sprintf("%s: %.1f keys/s (%d worker(s), side by side, %d keys)", peer.Operator.Name, peer.Create.KeysPerSecond,
			peer.Workers, peer.Create.Keys), peerLine, peerPoint)
	}
	p.Legend.Add("target: 100 keys/s with ≤ 32 workers", target)
	return p.Save(8*vg.Inch, 5*vg.Inch, path)
}

// logTicks labels 1, 2 and 5 times each power of ten between lo and hi.
func logTicks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for decade := math.Pow10(int(math.Floor(math.Log10(lo)))); decade <= hi; decade *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if v := decade * m; v >= lo && v <= hi {
				ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
			}
		}
	}
	return ticks
}

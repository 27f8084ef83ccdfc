package harness

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Metrics is one scrape of a Prometheus endpoint, by metric family name.
type Metrics map[string]*dto.MetricFamily

// ScrapeMetrics reads a /metrics endpoint in Prometheus's text format.
func ScrapeMetrics(ctx context.Context, client *http.Client, url string) (Metrics, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", string(expfmt.NewFormat(expfmt.TypeTextPlain)))
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	m, err := ParseMetrics(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", url, err)
	}
	return m, nil
}

// ParseMetrics reads Prometheus's text format.
func ParseMetrics(r io.Reader) (Metrics, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	return parser.TextToMetricFamilies(r)
}

// Sample is one line of the text exposition format: a histogram is its name_bucket (with "le"),
// name_sum and name_count samples, a summary its quantiles, name_sum and name_count.
type Sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// Flatten returns every sample, families in name order, as the text format writes them.
func (m Metrics) Flatten() []Sample {
	var out []Sample
	for _, name := range slices.Sorted(maps.Keys(m)) {
		for _, metric := range m[name].GetMetric() {
			labels := make(map[string]string, len(metric.GetLabel()))
			for _, l := range metric.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			add := func(suffix string, v float64, extra ...string) {
				l := labels
				if len(extra) == 2 {
					l = maps.Clone(labels)
					l[extra[0]] = extra[1]
				}
				out = append(out, Sample{Name: name + suffix, Labels: l, Value: v})
			}
			switch {
			case metric.GetHistogram() != nil:
				h := metric.GetHistogram()
				for _, b := range h.GetBucket() {
					add("_bucket", float64(b.GetCumulativeCount()), "le", formatFloat(b.GetUpperBound()))
				}
				add("_sum", h.GetSampleSum())
				add("_count", float64(h.GetSampleCount()))
			case metric.GetSummary() != nil:
				sm := metric.GetSummary()
				for _, q := range sm.GetQuantile() {
					add("", q.GetValue(), "quantile", formatFloat(q.GetQuantile()))
				}
				add("_sum", sm.GetSampleSum())
				add("_count", float64(sm.GetSampleCount()))
			case metric.GetCounter() != nil:
				add("", metric.GetCounter().GetValue())
			case metric.GetGauge() != nil:
				add("", metric.GetGauge().GetValue())
			default:
				add("", metric.GetUntyped().GetValue())
			}
		}
	}
	return out
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// Sum adds the values of the samples called name (as Flatten names them) whose labels keep
// accepts (nil: all).
func (m Metrics) Sum(name string, keep func(labels map[string]string) bool) float64 {
	total := 0.0
	for _, s := range m.Flatten() {
		if s.Name == name && (keep == nil || keep(s.Labels)) {
			total += s.Value
		}
	}
	return total
}

// LabelsMatch returns a filter for Sum that accepts the samples carrying every label of want.
func LabelsMatch(want map[string]string) func(map[string]string) bool {
	return func(labels map[string]string) bool {
		for k, v := range want {
			if labels[k] != v {
				return false
			}
		}
		return true
	}
}

package harness

import (
	"context"
	"fmt"
	"io"
	"net/http"

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

// Sum adds the values of the samples of family name whose labels keep accepts (nil: all).
// Counters, gauges and untyped samples count their value; histograms and summaries their count.
func (m Metrics) Sum(name string, keep func(labels map[string]string) bool) float64 {
	total := 0.0
	for labels, v := range m.Samples(name) {
		if keep == nil || keep(labels) {
			total += v
		}
	}
	return total
}

// Samples returns every sample of family name with its labels, as a sequence.
func (m Metrics) Samples(name string) func(yield func(map[string]string, float64) bool) {
	return func(yield func(map[string]string, float64) bool) {
		f, ok := m[name]
		if !ok {
			return
		}
		for _, metric := range f.GetMetric() {
			labels := make(map[string]string, len(metric.GetLabel()))
			for _, l := range metric.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if !yield(labels, Value(metric)) {
				return
			}
		}
	}
}

// Value is a sample's value: a counter's, gauge's or untyped value, or a histogram's or summary's
// count of observations.
func Value(m *dto.Metric) float64 {
	switch {
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	case m.GetHistogram() != nil:
		return float64(m.GetHistogram().GetSampleCount())
	case m.GetSummary() != nil:
		return float64(m.GetSummary().GetSampleCount())
	}
	return m.GetUntyped().GetValue()
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

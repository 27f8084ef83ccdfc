package bench

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/litellm-operator/litellm-operator/test/harness"
)

// sample is one line of the Prometheus text exposition format.
type sample = harness.Sample

// metricSet is one scrape. It is small and read a handful of times per run, so lookups scan it.
type metricSet []sample

// parseMetrics reads the Prometheus text format (with prometheus/common/expfmt, through the test
// harness) into samples named as the text format names them (a histogram's name_bucket, name_sum
// and name_count), keeping those whose name keep accepts (nil keeps all). A malformed exposition is
// an error.
func parseMetrics(r io.Reader, keep func(name string) bool) (metricSet, error) {
	m, err := harness.ParseMetrics(r)
	if err != nil {
		return nil, err
	}
	return flatten(m, keep), nil
}

func flatten(families harness.Metrics, keep func(name string) bool) metricSet {
	var out metricSet
	for _, s := range families.Flatten() {
		if keep == nil || keep(s.Name) {
			out = append(out, s)
		}
	}
	return out
}

// Sum adds the values of every sample called name whose labels match all of match.
func (m metricSet) Sum(name string, match map[string]string) float64 {
	return m.SumWhere(name, func(l map[string]string) bool {
		for k, v := range match {
			if l[k] != v {
				return false
			}
		}
		return true
	})
}

// SumWhere adds the values of every sample called name whose labels keep accepts.
func (m metricSet) SumWhere(name string, keep func(map[string]string) bool) float64 {
	total := 0.0
	for _, s := range m {
		if s.Name == name && keep(s.Labels) {
			total += s.Value
		}
	}
	return total
}

// GroupBy adds the values of every sample called name that keep accepts, keyed by key(labels).
func (m metricSet) GroupBy(name string, keep func(map[string]string) bool, key func(map[string]string) string) map[string]float64 {
	out := map[string]float64{}
	for _, s := range m {
		if s.Name == name && (keep == nil || keep(s.Labels)) {
			out[key(s.Labels)] += s.Value
		}
	}
	return out
}

// subtractCounts returns after − before for every key of after (counters only grow).
func subtractCounts(after, before map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(after))
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// scrape fetches url and parses it.
func scrape(ctx context.Context, c *http.Client, url string, keep func(string) bool) (metricSet, error) {
	m, err := harness.ScrapeMetrics(ctx, c, url)
	if err != nil {
		return nil, err
	}
	return flatten(m, keep), nil
}

// isWrite reports whether an HTTP method (client side) or an API-server verb changes state.
func isWrite(method string) bool {
	switch strings.ToUpper(method) {
	case "GET", "LIST", "WATCH", "HEAD", "OPTIONS", "CONNECT":
		return false
	}
	return true
}

// Package monitoring tests what platform teams see of the operator in Prometheus: the per-object
// gauges scraped over HTTP from a running manager, the budget Events, and (in the Makefile's
// check-alerts target) the alert rules of config/prometheus with promtool.
//
// This file reads a scrape (parsed by prometheus/common/expfmt, through the test harness) as a flat
// list of series, which is how the tests compare metrics with objects.
package monitoring

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/litellm-operator/litellm-operator/test/harness"
)

// Series is one sample of a scrape.
type Series struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// String renders the series as the exposition format does, labels sorted.
func (s Series) String() string {
	parts := make([]string, 0, len(s.Labels))
	for _, k := range slices.Sorted(maps.Keys(s.Labels)) {
		parts = append(parts, fmt.Sprintf("%s=%q", k, s.Labels[k]))
	}
	return fmt.Sprintf("%s{%s} %v", s.Name, strings.Join(parts, ","), s.Value)
}

// Scrape reads url (a /metrics endpoint): every sample of every family, families in name order.
func Scrape(ctx context.Context, url string) ([]Series, error) {
	m, err := harness.ScrapeMetrics(ctx, nil, url)
	if err != nil {
		return nil, err
	}
	return flatten(m), nil
}

// ParseText reads samples in Prometheus's text exposition format.
func ParseText(r io.Reader) ([]Series, error) {
	m, err := harness.ParseMetrics(r)
	if err != nil {
		return nil, err
	}
	return flatten(m), nil
}

func flatten(m harness.Metrics) []Series {
	samples := m.Flatten()
	out := make([]Series, 0, len(samples))
	for _, s := range samples {
		out = append(out, Series(s))
	}
	return out
}

// Select returns the series named name whose labels include every pair of match.
func Select(all []Series, name string, match map[string]string) []Series {
	var out []Series
	keep := harness.LabelsMatch(match)
	for _, s := range all {
		if s.Name == name && keep(s.Labels) {
			out = append(out, s)
		}
	}
	return out
}

package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// sample is one line of the Prometheus text exposition format.
type sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// metricSet is one scrape. It is small and read a handful of times per run, so lookups scan it.
type metricSet []sample

// parseMetrics reads the Prometheus text format, keeping the samples whose metric name keep
// accepts (nil keeps all). Comments and blank lines are skipped; a malformed line is an error.
func parseMetrics(r io.Reader, keep func(name string) bool) (metricSet, error) {
	var out metricSet
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		nameEnd := strings.IndexAny(line, "{ ")
		if nameEnd <= 0 {
			return nil, fmt.Errorf("malformed metric line %q", line)
		}
		name := line[:nameEnd]
		if keep != nil && !keep(name) {
			continue
		}
		s := sample{Name: name, Labels: map[string]string{}}
		rest := line[nameEnd:]
		if rest[0] == '{' {
			var err error
			if s.Labels, rest, err = parseLabels(rest[1:]); err != nil {
				return nil, fmt.Errorf("metric line %q: %w", line, err)
			}
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return nil, fmt.Errorf("metric line %q has no value", line)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return nil, fmt.Errorf("metric line %q: %w", line, err)
		}
		s.Value = v
		out = append(out, s)
	}
	return out, sc.Err()
}

// parseLabels reads `a="x",b="y"}` and returns the labels and what follows the closing brace.
func parseLabels(s string) (map[string]string, string, error) {
	labels := map[string]string{}
	for {
		s = strings.TrimLeft(s, " ,")
		if s == "" {
			return nil, "", errors.New("unterminated label set")
		}
		if s[0] == '}' {
			return labels, s[1:], nil
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 || len(s) < eq+2 || s[eq+1] != '"' {
			return nil, "", errors.New("malformed label")
		}
		name := strings.TrimSpace(s[:eq])
		var value strings.Builder
		i := eq + 2
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
				switch s[i] {
				case 'n':
					value.WriteByte('\n')
				default:
					value.WriteByte(s[i])
				}
				continue
			}
			value.WriteByte(s[i])
		}
		if i >= len(s) {
			return nil, "", errors.New("unterminated label value")
		}
		labels[name] = value.String()
		s = s[i+1:]
	}
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
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return parseMetrics(resp.Body, keep)
}

// isWrite reports whether an HTTP method (client side) or an API-server verb changes state.
func isWrite(method string) bool {
	switch strings.ToUpper(method) {
	case "GET", "LIST", "WATCH", "HEAD", "OPTIONS", "CONNECT":
		return false
	}
	return true
}

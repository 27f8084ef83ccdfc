package monitoring_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/yaml"

	"github.com/litellm-operator/litellm-operator/controllers/metrics"
)

const (
	repoRoot       = "../.."
	prometheusRule = repoRoot + "/config/prometheus/prometheusrule.yaml"
	alertTests     = "alerts_test.yaml"
	dashboardFile  = repoRoot + "/dashboards/litellm-operator.json"
)

type ruleFile struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []struct {
			Alert       string            `json:"alert"`
			Expr        string            `json:"expr"`
			For         string            `json:"for"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"rules"`
	} `json:"groups"`
}

func decodeYAML(t *testing.T, data []byte, into any) {
	t.Helper()
	require.NoError(t, yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096).Decode(into))
}

// cutRuleFile does what `make check-monitoring` does with sed: everything after the line
// "spec:", two spaces of indentation less.
func cutRuleFile(t *testing.T, data []byte) []byte {
	t.Helper()
	_, after, found := bytes.Cut(data, []byte("\nspec:\n"))
	require.True(t, found, "%s has a line spec:", prometheusRule)
	var out bytes.Buffer
	for _, line := range strings.SplitAfter(string(after), "\n") {
		out.WriteString(strings.TrimPrefix(line, "  "))
	}
	return out.Bytes()
}

// TestPrometheusRule checks the PrometheusRule beyond what promtool can: the rule file that
// check-monitoring cuts out is exactly its spec, every alert says how bad it is and what to do,
// and every alert has promtool unit tests.
func TestPrometheusRule(t *testing.T) {
	data, err := os.ReadFile(prometheusRule)
	require.NoError(t, err)
	var cr struct {
		APIVersion string          `json:"apiVersion"`
		Kind       string          `json:"kind"`
		Spec       json.RawMessage `json:"spec"`
	}
	decodeYAML(t, data, &cr)
	require.Equal(t, "monitoring.coreos.com/v1", cr.APIVersion)
	require.Equal(t, "PrometheusRule", cr.Kind)

	var fromSpec, fromCut any
	require.NoError(t, json.Unmarshal(cr.Spec, &fromSpec))
	decodeYAML(t, cutRuleFile(t, data), &fromCut)
	require.Equal(t, fromSpec, fromCut, "the rule file cut out for promtool must be the PrometheusRule's spec")

	var rules ruleFile
	require.NoError(t, json.Unmarshal(cr.Spec, &rules))
	tests, err := os.ReadFile(alertTests)
	require.NoError(t, err)
	var alerts []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
			t.Run(r.Alert, func(t *testing.T) {
				assert.NotEmpty(t, r.Alert, "only alerting rules here")
				assert.Contains(t, []string{"warning", "critical"}, r.Labels["severity"])
				assert.NotEmpty(t, r.Annotations["summary"])
				assert.NotEmpty(t, r.Annotations["description"])
				assert.NotEmpty(t, r.For, "a for: keeps one scrape from paging anyone")
				assert.Contains(t, string(tests), "alertname: "+r.Alert, "every alert has promtool unit tests in %s", alertTests)
			})
		}
	}
	for _, want := range []string{"LiteLLMVirtualKeyBudgetHigh", "LiteLLMVirtualKeyOverBudget", "LiteLLMVirtualKeyExpiringSoon",
		"LiteLLMObjectNotReady", "LiteLLMObjectNotSynced", "LiteLLMCallsFailing"} {
		assert.Contains(t, alerts, want)
	}
}

// TestMonitoringStaysOutOfTheBundle: the OLM bundle and the default install must not need the
// Prometheus Operator's CRDs.
func TestMonitoringStaysOutOfTheBundle(t *testing.T) {
	for _, dir := range []string{"bundle", "config/default", "config/manifests", "config/manager", "config/rbac"} {
		err := filepath.WalkDir(filepath.Join(repoRoot, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			assert.NotContains(t, string(data), "monitoring.coreos.com", "%s must not need the Prometheus Operator", path)
			assert.NotContains(t, string(data), "config/prometheus", "%s must not include the optional component", path)
			assert.NotRegexp(t, `(?m)^\s*-\s*(\.\./)+prometheus\s*$`, string(data), "%s must not include the optional component", path)
			return nil
		})
		require.NoError(t, err, dir)
	}
}

type dashboard struct {
	UID        string `json:"uid"`
	Title      string `json:"title"`
	Templating struct {
		List []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		ID         int    `json:"id"`
		Type       string `json:"type"`
		Title      string `json:"title"`
		Datasource *struct {
			UID string `json:"uid"`
		} `json:"datasource"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

var metricName = regexp.MustCompile(`\b(litellm_[a-z_]+[a-z]|controller_runtime_[a-z_]+[a-z]|workqueue_[a-z_]+[a-z])\b`)

// TestDashboardAndRulesUseExportedMetrics: every metric the dashboard and the alerts query is one
// the running operator exports, and every dashboard query parses (checked with promtool as
// recording rules).
func TestDashboardAndRulesUseExportedMetrics(t *testing.T) {
	data, err := os.ReadFile(dashboardFile)
	require.NoError(t, err)
	var d dashboard
	require.NoError(t, json.Unmarshal(data, &d), "the dashboard is JSON")
	require.NotEmpty(t, d.UID)
	require.True(t, slices.ContainsFunc(d.Templating.List, func(v struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}) bool {
		return v.Name == "datasource" && v.Type == "datasource"
	}), "the data source is a variable, so the dashboard imports anywhere")

	// Names the operator exports: this package's families, plus what a live scrape shows once a
	// key was reconciled (LiteLLM client metrics, controller-runtime's).
	ns := newNamespace(t)
	vk := newVirtualKey(ns, "names")
	require.NoError(t, env.k8s.Create(context.Background(), vk))
	t.Cleanup(func() { deleteAndWait(t, vk) })
	waitReady(t, vk)
	exported := map[string]bool{}
	for _, n := range metrics.FamilyNames() {
		exported[n] = true
	}
	for _, s := range scrape(t) {
		exported[s.Name] = true
	}

	var exprs []string
	ids := map[int]bool{}
	for _, p := range d.Panels {
		assert.False(t, ids[p.ID], "panel id %d is unique", p.ID)
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		require.NotNil(t, p.Datasource, p.Title)
		assert.Equal(t, "${datasource}", p.Datasource.UID, p.Title)
		assert.NotEmpty(t, p.Targets, p.Title)
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	var rules ruleFile
	ruleData, err := os.ReadFile(prometheusRule)
	require.NoError(t, err)
	decodeYAML(t, cutRuleFile(t, ruleData), &rules)
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			exprs = append(exprs, r.Expr)
		}
	}
	for _, expr := range exprs {
		names := metricName.FindAllString(expr, -1)
		for _, n := range names {
			assert.True(t, exported[n], "%q queries %s, which the operator does not export", expr, n)
		}
	}

	// promtool parses each dashboard query as a recording rule; Grafana's variables become
	// what "All" selects.
	promtool := os.Getenv("PROMTOOL")
	if promtool == "" {
		promtool = filepath.Join(repoRoot, "bin", "promtool")
	}
	_, err = os.Stat(promtool)
	require.NoError(t, err, "promtool is built by `make promtool` (make test builds it)")
	var rf strings.Builder
	rf.WriteString("groups:\n- name: dashboard\n  rules:\n")
	for i, expr := range exprs {
		q, _ := json.Marshal(strings.ReplaceAll(expr, "$namespace", ".*"))
		fmt.Fprintf(&rf, "  - record: dashboard:query_%d\n    expr: %s\n", i, q)
	}
	file := filepath.Join(t.TempDir(), "dashboard.rules.yaml")
	require.NoError(t, os.WriteFile(file, []byte(rf.String()), 0o600))
	out, err := exec.CommandContext(context.Background(), promtool, "check", "rules", file).CombinedOutput()
	require.NoError(t, err, "promtool check rules on the dashboard's queries:\n%s", out)
}

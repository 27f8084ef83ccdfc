package controllers

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// Comparisons between the spec and what LiteLLM reports, after normalising both sides: floats as
// numbers, lists as sets, null and empty as the same, JSON values by their decoded form.

func floatEqual(a float64, b *float64) bool {
	return b != nil && math.Abs(a-*b) < 1e-9
}

func intEqual(a *int, b *int) bool {
	return a != nil && b != nil && *a == *b
}

// sameSet compares string lists ignoring order and duplicates; nil and empty are equal.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// jsonEqual compares two values by their JSON form, so 1 and 1.0, or a map[string]string and the
// map[string]any LiteLLM returned, compare equal.
func jsonEqual(a, b any) bool {
	return reflect.DeepEqual(normaliseJSON(a), normaliseJSON(b))
}

func normaliseJSON(v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		return v
	}
	switch t := out.(type) {
	case map[string]any:
		if len(t) == 0 {
			return nil
		}
	case []any:
		if len(t) == 0 {
			return nil
		}
	}
	return out
}

// subsetEqual reports whether every key of want has the same JSON value in got. LiteLLM adds its
// own keys to metadata, so only the operator's keys are compared.
func subsetEqual(want map[string]any, got map[string]any) bool {
	for k, v := range want {
		if !jsonEqual(v, got[k]) {
			return false
		}
	}
	return true
}

// formatMoney renders dollars as the CRDs' decimal strings.
func formatMoney(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func formatOptionalMoney(v *float64) string {
	if v == nil {
		return ""
	}
	return formatMoney(*v)
}

// formatTime renders a LiteLLM timestamp in RFC 3339 (UTC, seconds), so the same instant always
// reads the same whichever endpoint reported it.
func formatTime(t *litellm.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}

func stringMap(m map[string]any) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v1alpha1.StringValue(v)
	}
	return out
}

// metadataStrings reads a list of strings LiteLLM keeps inside metadata (tags, guardrails, ...).
func metadataStrings(metadata map[string]any, name string) []string {
	raw, _ := metadata[name].([]any)
	out := make([]string, 0, len(raw))
	for _, v := range raw {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// mergeMetadata puts the spec's metadata on top of what LiteLLM holds: LiteLLM replaces the whole
// object on update and keeps its own entries (tags, guardrails, per-model limits) there.
func mergeMetadata(observed map[string]any, spec map[string]string) map[string]any {
	merged := make(map[string]any, len(observed)+len(spec))
	for k, v := range observed {
		merged[k] = v
	}
	for k, v := range v1alpha1.JSONValues(spec) {
		merged[k] = v
	}
	return merged
}

func jsonString(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

// budgetTableJSON renders LiteLLM's budget row as JSON for status (the API keeps it a string).
func budgetTableJSON(b *litellm.Budget) string {
	data, err := json.Marshal(b)
	if err != nil {
		return ""
	}
	return string(data)
}

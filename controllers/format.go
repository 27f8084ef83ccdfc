package controllers

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// Renderings of what LiteLLM reports, for status.

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

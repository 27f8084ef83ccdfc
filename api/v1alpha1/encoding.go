package v1alpha1

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The CRDs keep LiteLLM's numbers and JSON objects as strings (the API we implement says so).
// These functions are the one definition of how such a string becomes the JSON LiteLLM wants,
// so every controller converts the same way; docs/api.md documents the same rules.

var (
	budgetPattern     = regexp.MustCompile(`^(0|[1-9][0-9]*)(\.[0-9]+)?$`)
	budgetDurationPat = regexp.MustCompile(`^([0-9]+(s|m|h|d|w)|1mo)$`)
	jsonNumberPattern = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)
)

// ParseBudget parses a money field (maxBudget, softBudget, spend, maxBudgetInTeam) into US dollars.
func ParseBudget(s string) (float64, error) {
	if !budgetPattern.MatchString(s) {
		return 0, fmt.Errorf("budget %q is not a non-negative decimal number such as \"10\" or \"0.5\"", s)
	}
	return strconv.ParseFloat(s, 64)
}

// ModelBudget is one value of modelMaxBudget in the shape LiteLLM expects.
// +kubebuilder:object:generate=false
type ModelBudget struct {
	// BudgetLimit is the budget for the model in US dollars.
	BudgetLimit float64 `json:"budget_limit"`
	// TimePeriod is the reset period, e.g. "30d"; empty when the value had none.
	TimePeriod string `json:"time_period,omitempty"`
}

// ParseModelBudget parses a modelMaxBudget value: "<budget>" or "<budget>/<budgetDuration>",
// e.g. "10" or "10/30d".
func ParseModelBudget(s string) (ModelBudget, error) {
	budget, period, hasPeriod := strings.Cut(s, "/")
	limit, err := ParseBudget(budget)
	if err != nil {
		return ModelBudget{}, fmt.Errorf("model budget %q: want \"<budget>\" or \"<budget>/<budgetDuration>\": %w", s, err)
	}
	if hasPeriod && !budgetDurationPat.MatchString(period) {
		return ModelBudget{}, fmt.Errorf("model budget %q: period %q is not a budget duration such as \"30d\" or \"1mo\"", s, period)
	}
	return ModelBudget{BudgetLimit: limit, TimePeriod: period}, nil
}

// ParseModelMaxBudget converts a whole modelMaxBudget map; nil stays nil.
func ParseModelMaxBudget(m map[string]ModelBudgetString) (map[string]ModelBudget, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]ModelBudget, len(m))
	for model, v := range m {
		b, err := ParseModelBudget(string(v))
		if err != nil {
			return nil, fmt.Errorf("modelMaxBudget[%s]: %w", model, err)
		}
		out[model] = b
	}
	return out, nil
}

// ParseIntStrings converts a User's modelRPMLimit or modelTPMLimit to the integers LiteLLM
// expects; nil stays nil.
func ParseIntStrings(m map[string]IntString) (map[string]int, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]int, len(m))
	for k, v := range m {
		n, err := strconv.Atoi(string(v))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%s: %q is not a non-negative integer", k, v)
		}
		out[k] = n
	}
	return out, nil
}

// JSONValue converts one value of permissions, config or metadata to the JSON value sent to
// LiteLLM: "true"/"false" become booleans, a JSON number becomes that number, a JSON string
// literal (a value in double quotes, e.g. "\"42\"") becomes the string inside, and any other
// value is sent as the string itself.
func JSONValue(s string) any {
	switch {
	case s == "true":
		return true
	case s == "false":
		return false
	case jsonNumberPattern.MatchString(s):
		return json.Number(s)
	case len(s) >= 2 && strings.HasPrefix(s, `"`) && strings.HasSuffix(s, `"`):
		var unquoted string
		if err := json.Unmarshal([]byte(s), &unquoted); err == nil {
			return unquoted
		}
	}
	return s
}

// JSONValues converts a whole permissions, config or metadata map with JSONValue; nil stays nil
// and an empty map stays empty, so the caller can tell "unset" from "clear".
func JSONValues(m map[string]string) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = JSONValue(v)
	}
	return out
}

// StringValue is the inverse of JSONValue for status: it renders a decoded JSON value
// (as produced by encoding/json) as the string a spec would hold.
func StringValue(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		// Quote strings that would otherwise read back as another type.
		if JSONValue(t) != any(t) {
			b, _ := json.Marshal(t)
			return string(b)
		}
		return t
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case json.Number:
		return t.String()
	default:
		b, err := json.Marshal(t)
		if err != nil {
			return fmt.Sprint(t)
		}
		return string(b)
	}
}

package fields

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// Comparisons between the spec and what LiteLLM reports, after normalising both sides: floats as
// numbers, lists as sets, null and empty as the same, JSON values by their decoded form.

// floatEqual compares two amounts; absent equals absent only.
func floatEqual(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Abs(*a-*b) < 1e-9
}

func intEqual(a, b *int) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func boolEqual(a, b *bool) bool { return BoolValue(a) == BoolValue(b) }

func stringEqual(a, b string) bool { return a == b }

// sameSet compares string lists ignoring order and duplicates; nil and empty are equal.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// jsonEqual compares two values by their JSON form, so 1 and 1.0, or a map[string]string and the
// map[string]any LiteLLM returned, compare equal; an empty object or list equals null.
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
func subsetEqual(want, got map[string]any) bool {
	for k, v := range want {
		if !jsonEqual(v, got[k]) {
			return false
		}
	}
	return true
}

// MetadataStrings reads a list of strings LiteLLM keeps inside metadata (tags, guardrails, ...).
func MetadataStrings(metadata map[string]any, name string) []string {
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
	for k, v := range specMetadata(spec) {
		merged[k] = v
	}
	return merged
}

// specMetadata is the spec's metadata as LiteLLM gets it, without keys of the reserved prefix (the
// API server refuses them; objects stored before it did keep them, and they are never sent).
func specMetadata(spec map[string]string) map[string]any {
	out := v1alpha1.JSONValues(spec)
	for k := range out {
		if strings.HasPrefix(k, v1alpha1.ReservedMetadataPrefix) {
			delete(out, k)
		}
	}
	return out
}

// Money parses an optional budget string the API server has already validated; nil stays nil
// (the field is not sent).
func Money(s *string) *float64 {
	if s == nil {
		return nil
	}
	v, _ := v1alpha1.ParseBudget(*s)
	return &v
}

// modelMaxBudget parses per-model budgets into LiteLLM's shape; nil stays nil.
func modelMaxBudget(m map[string]v1alpha1.ModelBudgetString) map[string]litellm.ModelBudget {
	parsed, _ := v1alpha1.ParseModelMaxBudget(m)
	if parsed == nil {
		return nil
	}
	out := make(map[string]litellm.ModelBudget, len(parsed))
	for model, b := range parsed {
		out[model] = litellm.ModelBudget{BudgetLimit: b.BudgetLimit, TimePeriod: b.TimePeriod}
	}
	return out
}

// nonNil sends an empty list as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return slices.Clone(s)
}

// nonNilMap sends an empty map as {} rather than null.
func nonNilMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// jsonObject sends a string map as a JSON object, {} rather than null when empty.
func jsonObject(m map[string]string) map[string]any {
	if out := v1alpha1.JSONValues(m); out != nil {
		return out
	}
	return map[string]any{}
}

// BoolValue reads an optional flag; unset is false, LiteLLM's default.
func BoolValue(b *bool) bool { return b != nil && *b }

// Spec accessors: the value of a spec field and whether the spec sets it.

func stringSet(s string) (string, bool)          { return s, s != "" }
func pointerSet[T any](p *T) (*T, bool)          { return p, p != nil }
func listSet(l []string) ([]string, bool)        { return l, l != nil }
func nonEmptyList(l []string) ([]string, bool)   { return l, len(l) > 0 }
func moneySet(s *string) (*float64, bool)        { return Money(s), s != nil }
func mapSet[K comparable, V any](m map[K]V) bool { return m != nil }

// value builds a field compared by equal after both sides are read: spec returns the spec's value
// and whether the spec sets the field, observed LiteLLM's value (or what status recorded of the
// last apply, for fields LiteLLM does not report).
func value[S, O, R, V any](name string, spec func(S) (V, bool), observed func(S, O) V, equal func(V, V) bool,
	set func(*R, V), clear func(*R)) Field[S, O, R] {
	return Field[S, O, R]{
		Name:  name,
		IsSet: func(s S) bool { _, ok := spec(s); return ok },
		Equal: func(s S, o O) bool { v, _ := spec(s); return equal(v, observed(s, o)) },
		Set:   func(s S, _ O, r *R) { v, _ := spec(s); set(r, v) },
		Clear: clear,
	}
}

// metadata maps the spec's metadata to LiteLLM's. LiteLLM adds keys of its own there (tags,
// guardrails, per-model limits) and replaces the whole object on update: only the spec's keys are
// compared, and they are sent on top of what LiteLLM holds. Which keys an earlier spec set is not
// recorded, so a removed metadata is not cleared; an empty one sets nothing.
func metadata[S, O, R any](spec func(S) map[string]string, observed func(O) map[string]any, set func(*R, map[string]any)) Field[S, O, R] {
	return Field[S, O, R]{
		Name:  "metadata",
		IsSet: func(s S) bool { return len(spec(s)) > 0 },
		Equal: func(s S, o O) bool { return subsetEqual(specMetadata(spec(s)), observed(o)) },
		Set:   func(s S, o O, r *R) { set(r, mergeMetadata(observed(o), spec(s))) },
	}
}

// Request setters for fields that take an explicit null (litellm.Optional).

func setTo[R, V any](field func(*R) *litellm.Optional[V]) func(*R, V) {
	return func(r *R, v V) { *field(r) = litellm.Set(v) }
}

func setPointee[R, V any](field func(*R) *litellm.Optional[V]) func(*R, *V) {
	return func(r *R, v *V) { *field(r) = litellm.Set(*v) }
}

func setList[R any](field func(*R) *litellm.Optional[[]string]) func(*R, []string) {
	return func(r *R, v []string) { *field(r) = litellm.Set(nonNil(v)) }
}

func clearNull[R, V any](field func(*R) *litellm.Optional[V]) func(*R) {
	return func(r *R) { *field(r) = litellm.Null[V]() }
}

func clearTo[R, V any](field func(*R) *litellm.Optional[V], empty V) func(*R) {
	return func(r *R) { *field(r) = litellm.Set(empty) }
}

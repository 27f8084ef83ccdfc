package controllers

import (
	"slices"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// keyField maps one VirtualKey spec field to LiteLLM. A field unset in the spec is not managed;
// a field the operator applied before (status.managedFields) and that is now unset is cleared once
// where LiteLLM can clear it.
type keyField struct {
	// name is LiteLLM's field name, used in Events and status.managedFields.
	name  string
	isSet func(s *v1alpha1.VirtualKeySpec) bool
	// upToDate compares the spec with LiteLLM's view; fields LiteLLM does not report are compared
	// with what was last applied, kept in status.
	upToDate func(s *v1alpha1.VirtualKeySpec, k *litellm.Key, st *v1alpha1.VirtualKeyStatus) bool
	// apply adds the spec's value to an update request.
	apply func(s *v1alpha1.VirtualKeySpec, k *litellm.Key, r *litellm.KeyUpdateRequest)
	// clear adds the clearing value; nil when LiteLLM cannot clear the field.
	clear func(r *litellm.KeyUpdateRequest)
}

// keyFields lists every updatable field. spend and sendInviteEmail only apply at creation, and
// blocked goes through /key/block and /key/unblock.
var keyFields = []keyField{
	{
		name:  "key_alias",
		isSet: func(*v1alpha1.VirtualKeySpec) bool { return true },
		upToDate: func(s *v1alpha1.VirtualKeySpec, k *litellm.Key, _ *v1alpha1.VirtualKeyStatus) bool {
			return k.KeyAlias == s.KeyAlias
		},
		apply: func(s *v1alpha1.VirtualKeySpec, _ *litellm.Key, r *litellm.KeyUpdateRequest) {
			r.KeyAlias = litellm.Set(s.KeyAlias)
		},
	},
	{
		name:  "models",
		isSet: func(s *v1alpha1.VirtualKeySpec) bool { return s.Models != nil },
		upToDate: func(s *v1alpha1.VirtualKeySpec, k *litellm.Key, _ *v1alpha1.VirtualKeyStatus) bool {
			return sameSet(s.Models, k.Models)
		},
		apply: func(s *v1alpha1.VirtualKeySpec, _ *litellm.Key, r *litellm.KeyUpdateRequest) {
			r.Models = litellm.Set(nonNil(s.Models))
		},
		// An empty list allows every model, LiteLLM's default.
		clear: func(r *litellm.KeyUpdateRequest) { r.Models = litellm.Set([]string{}) },
	},
	{
		name:  "max_budget",
		isSet: func(s *v1alpha1.VirtualKeySpec) bool { return s.MaxBudget != nil },
		upToDate: func(s *v1alpha1.VirtualKeySpec, k *litellm.Key, _ *v1alpha1.VirtualKeyStatus) bool {
			return floatEqual(money(s.MaxBudget), k.MaxBudget)
		},
		apply: func(s *v1alpha1.VirtualKeySpec, _ *litellm.Key, r *litellm.KeyUpdateRequest) {
			r.MaxBudget = litellm.Set(money(s.MaxBudget))
		},
		clear: func(r *litellm.KeyUpdateRequest) { r.MaxBudget = litellm.Null[float64]() },
	},
	{
		// LiteLLM ignores a null budget_duration on /key/update (compat: POST /key/update): no clear.
		name:  "budget_duration",
		isSet: func(s *v1alpha1.VirtualKeySpec) bool { return s.BudgetDuration != "" },
		upToDate: func(s *v1alpha1.VirtualKeySpec, k *litellm.Key, _ *v1alpha1.VirtualKeyStatus) bool {
			return k.BudgetDuration == s.BudgetDuration
		},
		apply: func(s *v1alpha1.VirtualKeySpec, _ *litellm.Key, r *litellm.KeyUpdateRequest) {
			r.BudgetDuration = litellm.Set(s.BudgetDuration)
		},
	},
	{
		// LiteLLM does not report a key's soft budget: compare with the value last sent.
		name:  "soft_budget",
		isSet: func(s *v1alpha1.VirtualKeySpec) bool { return s.SoftBudget != nil },
		upToDate: func(s *v1alpha1.VirtualKeySpec, _ *litellm.Key, st *v1alpha1.VirtualKeyStatus) bool {
			return st.SoftBudget == *s.SoftBudget
		},
		apply: func(s *v1alpha1.VirtualKeySpec, _ *litellm.Key, r *litellm.KeyUpdateRequest) {
			r.SoftBudget = litellm.Set(money(s.SoftBudget))
		},
		clear: func(r *litellm.KeyUpdateRequest) { r.SoftBudget = litellm.Null[float64]() },
	},
	{
		// duration moves the expiry to now+duration each time it is sent: send it only when the
		// spec's value differs from the one last applied, so a resync never resets the expiry.
		name:  "duration",
		isSet: func(s *v1alpha1.VirtualKeySpec) bool { return s.Duration != "" },
		upToDate: func(s *v1alpha1.VirtualKeySpec, _ *litellm.Key, st *v1alpha1.VirtualKeyStatus) bool {
			return st.Duration == s.Duration
		},
		apply: func(s *v1alpha1.VirtualKeySpec, _ *litellm.Key, r *litellm.KeyUpdateRequest) {
			r.Duration = litellm.Set(s.Duration)
		},
		clear: func(r *litellm.KeyUpdateRequest) { r.Duration = litellm.Null[string]() },
	},
	stringKeyField("user_id", func(s *v1alpha1.VirtualKeySpec) string { return s.UserID },
		func(k *litellm.Key) string { return k.UserID }, func(r *litellm.KeyUpdateRequest) *litellm.Optional[string] { return &r.UserID }),
	stringKeyField("team_id", func(s *v1alpha1.VirtualKeySpec) string { return s.TeamID },
		func(k *litellm.Key) string { return k.TeamID }, func(r *litellm.KeyUpdateRequest) *litellm.Optional[string] { return &r.TeamID }),
	stringKeyField("budget_id", func(s *v1alpha1.VirtualKeySpec) string { return s.BudgetID },
		func(k *litellm.Key) string { return k.BudgetID }, func(r *litellm.KeyUpdateRequest) *litellm.Optional[string] { return &r.BudgetID }),
	intKeyField("tpm_limit", func(s *v1alpha1.VirtualKeySpec) *int { return s.TPMLimit },
		func(k *litellm.Key) *int { return k.TPMLimit }, func(r *litellm.KeyUpdateRequest) *litellm.Optional[int] { return &r.TPMLimit }),
	intKeyField("rpm_limit", func(s *v1alpha1.VirtualKeySpec) *int { return s.RPMLimit },
		func(k *litellm.Key) *int { return k.RPMLimit }, func(r *litellm.KeyUpdateRequest) *litellm.Optional[int] { return &r.RPMLimit }),
	intKeyField("max_parallel_requests", func(s *v1alpha1.VirtualKeySpec) *int { return s.MaxParallelRequests },
		func(k *litellm.Key) *int { return k.MaxParallelRequests },
		func(r *litellm.KeyUpdateRequest) *litellm.Optional[int] { return &r.MaxParallelRequests }),
	{
		// LiteLLM keeps per-model limits inside metadata (compat: POST /key/generate).
		name:  "model_rpm_limit",
		isSet: func(s *v1alpha1.VirtualKeySpec) bool { return s.ModelRPMLimit != nil },
		upToDate: func(s *v1alpha1.VirtualKeySpec, k *litellm.Key, _ *v1alpha1.VirtualKeyStatus) bool {
			return jsonEqual(s.ModelRPMLimit, k.Metadata["model_rpm_limit"])
		},
		apply: func(s *v1alpha1.VirtualKeySpec, _ *litellm.Key, r *litellm.KeyUpdateRequest) {
			r.ModelRPMLimit = litellm.Set(s.ModelRPMLimit)
		},
		clear: func(r *litellm.KeyUpdateRequest) { r.ModelRPMLimit = litellm.Set(map[string]int{}) },
	},
	{
		name:  "model_tpm_limit",
		isSet: func(s *v1alpha1.VirtualKeySpec) bool { return s.ModelTPMLimit != nil },
		upToDate: func(s *v1alpha1.VirtualKeySpec, k *litellm.Key, _ *v1alpha1.VirtualKeyStatus) bool {
			return jsonEqual(s.ModelTPMLimit, k.Metadata["model_tpm_limit"])
		},
		apply: func(s *v1alpha1.VirtualKeySpec, _ *litellm.Key, r *litellm.KeyUpdateRequest) {
			r.ModelTPMLimit = litellm.Set(s.ModelTPMLimit)
		},
		clear: func(r *litellm.KeyUpdateRequest) { r.ModelTPMLimit = litellm.Set(map[string]int{}) },
	},
	{
		name:  "model_max_budget",
		isSet: func(s *v1alpha1.VirtualKeySpec) bool { return s.ModelMaxBudget != nil },
		upToDate: func(s *v1alpha1.VirtualKeySpec, k *litellm.Key, _ *v1alpha1.VirtualKeyStatus) bool {
			return jsonEqual(modelMaxBudget(s.ModelMaxBudget), k.ModelMaxBudget)
		},
		apply: func(s *v1alpha1.VirtualKeySpec, _ *litellm.Key, r *litellm.KeyUpdateRequest) {
			r.ModelMaxBudget = litellm.Set(modelMaxBudget(s.ModelMaxBudget))
		},
		clear: func(r *litellm.KeyUpdateRequest) { r.ModelMaxBudget = litellm.Set(map[string]litellm.ModelBudget{}) },
	},
	{
		// LiteLLM adds keys of its own to metadata: compare only the spec's keys, and send the
		// spec's keys on top of LiteLLM's, since /key/update replaces the whole object.
		name:  "metadata",
		isSet: func(s *v1alpha1.VirtualKeySpec) bool { return s.Metadata != nil },
		upToDate: func(s *v1alpha1.VirtualKeySpec, k *litellm.Key, _ *v1alpha1.VirtualKeyStatus) bool {
			return subsetEqual(v1alpha1.JSONValues(s.Metadata), k.Metadata)
		},
		apply: func(s *v1alpha1.VirtualKeySpec, k *litellm.Key, r *litellm.KeyUpdateRequest) {
			r.Metadata = litellm.Set(mergeMetadata(k.Metadata, s.Metadata))
		},
	},
	mapKeyField("aliases", func(s *v1alpha1.VirtualKeySpec) map[string]string { return s.Aliases },
		func(k *litellm.Key) map[string]any { return k.Aliases },
		func(r *litellm.KeyUpdateRequest, m map[string]string) {
			out := map[string]string{}
			for key, v := range m {
				out[key] = v
			}
			r.Aliases = litellm.Set(out)
		}),
	mapKeyField("config", func(s *v1alpha1.VirtualKeySpec) map[string]string { return s.Config },
		func(k *litellm.Key) map[string]any { return k.Config },
		func(r *litellm.KeyUpdateRequest, m map[string]string) { r.Config = litellm.Set(jsonValuesNonNil(m)) }),
	mapKeyField("permissions", func(s *v1alpha1.VirtualKeySpec) map[string]string { return s.Permissions },
		func(k *litellm.Key) map[string]any { return k.Permissions },
		func(r *litellm.KeyUpdateRequest, m map[string]string) {
			r.Permissions = litellm.Set(jsonValuesNonNil(m))
		}),
	listKeyField("allowed_cache_controls", func(s *v1alpha1.VirtualKeySpec) []string { return s.AllowedCacheControls },
		func(k *litellm.Key) []string { return k.AllowedCacheControls },
		func(r *litellm.KeyUpdateRequest) *litellm.Optional[[]string] { return &r.AllowedCacheControls }),
	listKeyField("allowed_routes", func(s *v1alpha1.VirtualKeySpec) []string { return s.AllowedRoutes },
		func(k *litellm.Key) []string { return k.AllowedRoutes },
		func(r *litellm.KeyUpdateRequest) *litellm.Optional[[]string] { return &r.AllowedRoutes }),
	// LiteLLM keeps tags, guardrails and enforced params inside metadata (compat: GET /key/info; the last unverified).
	listKeyField("tags", func(s *v1alpha1.VirtualKeySpec) []string { return s.Tags },
		func(k *litellm.Key) []string { return metadataList(k, "tags") },
		func(r *litellm.KeyUpdateRequest) *litellm.Optional[[]string] { return &r.Tags }),
	listKeyField("guardrails", func(s *v1alpha1.VirtualKeySpec) []string { return s.Guardrails },
		func(k *litellm.Key) []string { return metadataList(k, "guardrails") },
		func(r *litellm.KeyUpdateRequest) *litellm.Optional[[]string] { return &r.Guardrails }),
	listKeyField("enforced_params", func(s *v1alpha1.VirtualKeySpec) []string { return s.EnforcedParams },
		func(k *litellm.Key) []string { return metadataList(k, "enforced_params") },
		func(r *litellm.KeyUpdateRequest) *litellm.Optional[[]string] { return &r.EnforcedParams }),
}

func stringKeyField(name string, spec func(*v1alpha1.VirtualKeySpec) string, observed func(*litellm.Key) string,
	field func(*litellm.KeyUpdateRequest) *litellm.Optional[string]) keyField {
	return keyField{
		name:  name,
		isSet: func(s *v1alpha1.VirtualKeySpec) bool { return spec(s) != "" },
		upToDate: func(s *v1alpha1.VirtualKeySpec, k *litellm.Key, _ *v1alpha1.VirtualKeyStatus) bool {
			return observed(k) == spec(s)
		},
		apply: func(s *v1alpha1.VirtualKeySpec, _ *litellm.Key, r *litellm.KeyUpdateRequest) {
			*field(r) = litellm.Set(spec(s))
		},
		clear: func(r *litellm.KeyUpdateRequest) { *field(r) = litellm.Null[string]() },
	}
}

func intKeyField(name string, spec func(*v1alpha1.VirtualKeySpec) *int, observed func(*litellm.Key) *int,
	field func(*litellm.KeyUpdateRequest) *litellm.Optional[int]) keyField {
	return keyField{
		name:  name,
		isSet: func(s *v1alpha1.VirtualKeySpec) bool { return spec(s) != nil },
		upToDate: func(s *v1alpha1.VirtualKeySpec, k *litellm.Key, _ *v1alpha1.VirtualKeyStatus) bool {
			return intEqual(spec(s), observed(k))
		},
		apply: func(s *v1alpha1.VirtualKeySpec, _ *litellm.Key, r *litellm.KeyUpdateRequest) {
			*field(r) = litellm.Set(*spec(s))
		},
		clear: func(r *litellm.KeyUpdateRequest) { *field(r) = litellm.Null[int]() },
	}
}

func listKeyField(name string, spec func(*v1alpha1.VirtualKeySpec) []string, observed func(*litellm.Key) []string,
	field func(*litellm.KeyUpdateRequest) *litellm.Optional[[]string]) keyField {
	return keyField{
		name:  name,
		isSet: func(s *v1alpha1.VirtualKeySpec) bool { return spec(s) != nil },
		upToDate: func(s *v1alpha1.VirtualKeySpec, k *litellm.Key, _ *v1alpha1.VirtualKeyStatus) bool {
			return sameSet(spec(s), observed(k))
		},
		apply: func(s *v1alpha1.VirtualKeySpec, _ *litellm.Key, r *litellm.KeyUpdateRequest) {
			*field(r) = litellm.Set(nonNil(spec(s)))
		},
		clear: func(r *litellm.KeyUpdateRequest) { *field(r) = litellm.Set([]string{}) },
	}
}

func mapKeyField(name string, spec func(*v1alpha1.VirtualKeySpec) map[string]string, observed func(*litellm.Key) map[string]any,
	apply func(*litellm.KeyUpdateRequest, map[string]string)) keyField {
	return keyField{
		name:  name,
		isSet: func(s *v1alpha1.VirtualKeySpec) bool { return spec(s) != nil },
		upToDate: func(s *v1alpha1.VirtualKeySpec, k *litellm.Key, _ *v1alpha1.VirtualKeyStatus) bool {
			return jsonEqual(v1alpha1.JSONValues(spec(s)), observed(k))
		},
		apply: func(s *v1alpha1.VirtualKeySpec, _ *litellm.Key, r *litellm.KeyUpdateRequest) { apply(r, spec(s)) },
		clear: func(r *litellm.KeyUpdateRequest) { apply(r, map[string]string{}) },
	}
}

// managedKeyFields names the fields the spec sets, in keyFields order.
func managedKeyFields(s *v1alpha1.VirtualKeySpec) []string {
	var names []string
	for _, f := range keyFields {
		if f.isSet(s) {
			names = append(names, f.name)
		}
	}
	if s.Blocked != nil {
		names = append(names, "blocked")
	}
	return names
}

func metadataList(k *litellm.Key, name string) []string { return metadataStrings(k.Metadata, name) }

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return slices.Clone(s)
}

func jsonValuesNonNil(m map[string]string) map[string]any {
	if out := v1alpha1.JSONValues(m); out != nil {
		return out
	}
	return map[string]any{}
}

// moneyPtr parses an optional budget string: nil stays nil (the field is not sent).
func moneyPtr(s *string) *float64 {
	if s == nil {
		return nil
	}
	v := money(s)
	return &v
}

// money parses a budget string the API server has already validated.
func money(s *string) float64 {
	v, _ := v1alpha1.ParseBudget(*s)
	return v
}

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

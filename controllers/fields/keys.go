package fields

import (
	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

type (
	keyReq   = litellm.KeyUpdateRequest
	keyField = Field[*v1alpha1.VirtualKey, *litellm.Key, keyReq]
)

// Keys maps a VirtualKey to /key/update. spend, softBudget and sendInviteEmail apply only at
// creation (see KeyGenerateRequest; KeyIgnored reports a later softBudget change), and blocked goes
// through /key/block and /key/unblock (see KeyBlocked).
// LiteLLM's behaviour per field is in docs/litellm-compatibility.md, "POST /key/update".
var Keys = Table[*v1alpha1.VirtualKey, *litellm.Key, keyReq]{
	value("key_alias", func(vk *v1alpha1.VirtualKey) (string, bool) { return vk.Spec.KeyAlias, true },
		func(_ *v1alpha1.VirtualKey, k *litellm.Key) string { return k.KeyAlias }, stringEqual,
		setTo(func(r *keyReq) *litellm.Optional[string] { return &r.KeyAlias }), nil),
	keyList("models", func(s *v1alpha1.VirtualKeySpec) []string { return s.Models },
		func(k *litellm.Key) []string { return k.Models }, func(r *keyReq) *litellm.Optional[[]string] { return &r.Models }),
	value("max_budget", func(vk *v1alpha1.VirtualKey) (*float64, bool) { return moneySet(vk.Spec.MaxBudget) },
		func(_ *v1alpha1.VirtualKey, k *litellm.Key) *float64 { return k.MaxBudget }, floatEqual,
		setPointee(keyMaxBudget), clearNull(keyMaxBudget)),
	// LiteLLM ignores a null or empty budget_duration on /key/update: it cannot be cleared.
	value("budget_duration", func(vk *v1alpha1.VirtualKey) (string, bool) { return stringSet(vk.Spec.BudgetDuration) },
		func(_ *v1alpha1.VirtualKey, k *litellm.Key) string { return k.BudgetDuration }, stringEqual,
		setTo(func(r *keyReq) *litellm.Optional[string] { return &r.BudgetDuration }), nil),
	// duration moves the expiry to now+duration each time it is sent: it is sent only when the
	// spec's value differs from the one last applied (status.duration), so a resync never resets
	// the expiry. Null makes the key never expire.
	value("duration", func(vk *v1alpha1.VirtualKey) (string, bool) { return stringSet(vk.Spec.Duration) },
		func(vk *v1alpha1.VirtualKey, _ *litellm.Key) string { return vk.Status.Duration }, stringEqual,
		setTo(keyDuration), clearNull(keyDuration)),
	keyString("user_id", func(s *v1alpha1.VirtualKeySpec) string { return s.UserID },
		func(k *litellm.Key) string { return k.UserID }, func(r *keyReq) *litellm.Optional[string] { return &r.UserID }),
	keyString("team_id", func(s *v1alpha1.VirtualKeySpec) string { return s.TeamID },
		func(k *litellm.Key) string { return k.TeamID }, func(r *keyReq) *litellm.Optional[string] { return &r.TeamID }),
	keyString("budget_id", func(s *v1alpha1.VirtualKeySpec) string { return s.BudgetID },
		func(k *litellm.Key) string { return k.BudgetID }, func(r *keyReq) *litellm.Optional[string] { return &r.BudgetID }),
	keyInt("tpm_limit", func(s *v1alpha1.VirtualKeySpec) *int { return s.TPMLimit },
		func(k *litellm.Key) *int { return k.TPMLimit }, func(r *keyReq) *litellm.Optional[int] { return &r.TPMLimit }),
	keyInt("rpm_limit", func(s *v1alpha1.VirtualKeySpec) *int { return s.RPMLimit },
		func(k *litellm.Key) *int { return k.RPMLimit }, func(r *keyReq) *litellm.Optional[int] { return &r.RPMLimit }),
	keyInt("max_parallel_requests", func(s *v1alpha1.VirtualKeySpec) *int { return s.MaxParallelRequests },
		func(k *litellm.Key) *int { return k.MaxParallelRequests },
		func(r *keyReq) *litellm.Optional[int] { return &r.MaxParallelRequests }),
	// LiteLLM keeps per-model limits inside metadata.
	keyJSON("model_rpm_limit", func(s *v1alpha1.VirtualKeySpec) (any, bool) { return s.ModelRPMLimit, mapSet(s.ModelRPMLimit) },
		func(k *litellm.Key) any { return k.Metadata["model_rpm_limit"] },
		func(s *v1alpha1.VirtualKeySpec, r *keyReq) { r.ModelRPMLimit = litellm.Set(s.ModelRPMLimit) },
		func(r *keyReq) { r.ModelRPMLimit = litellm.Set(map[string]int{}) }),
	keyJSON("model_tpm_limit", func(s *v1alpha1.VirtualKeySpec) (any, bool) { return s.ModelTPMLimit, mapSet(s.ModelTPMLimit) },
		func(k *litellm.Key) any { return k.Metadata["model_tpm_limit"] },
		func(s *v1alpha1.VirtualKeySpec, r *keyReq) { r.ModelTPMLimit = litellm.Set(s.ModelTPMLimit) },
		func(r *keyReq) { r.ModelTPMLimit = litellm.Set(map[string]int{}) }),
	keyJSON("model_max_budget", func(s *v1alpha1.VirtualKeySpec) (any, bool) {
		return modelMaxBudget(s.ModelMaxBudget), mapSet(s.ModelMaxBudget)
	},
		func(k *litellm.Key) any { return k.ModelMaxBudget },
		func(s *v1alpha1.VirtualKeySpec, r *keyReq) {
			r.ModelMaxBudget = litellm.Set(modelMaxBudget(s.ModelMaxBudget))
		},
		func(r *keyReq) { r.ModelMaxBudget = litellm.Set(map[string]litellm.ModelBudget{}) }),
	metadata(func(vk *v1alpha1.VirtualKey) map[string]string { return vk.Spec.Metadata },
		func(k *litellm.Key) map[string]any { return k.Metadata },
		func(r *keyReq, m map[string]any) { r.Metadata = litellm.Set(m) }),
	keyJSON("aliases", func(s *v1alpha1.VirtualKeySpec) (any, bool) { return s.Aliases, mapSet(s.Aliases) },
		func(k *litellm.Key) any { return k.Aliases },
		func(s *v1alpha1.VirtualKeySpec, r *keyReq) { r.Aliases = litellm.Set(nonNilMap(s.Aliases)) },
		func(r *keyReq) { r.Aliases = litellm.Set(map[string]string{}) }),
	keyJSON("config", func(s *v1alpha1.VirtualKeySpec) (any, bool) { return v1alpha1.JSONValues(s.Config), mapSet(s.Config) },
		func(k *litellm.Key) any { return k.Config },
		func(s *v1alpha1.VirtualKeySpec, r *keyReq) { r.Config = litellm.Set(jsonObject(s.Config)) },
		func(r *keyReq) { r.Config = litellm.Set(map[string]any{}) }),
	keyJSON("permissions", func(s *v1alpha1.VirtualKeySpec) (any, bool) {
		return v1alpha1.JSONValues(s.Permissions), mapSet(s.Permissions)
	},
		func(k *litellm.Key) any { return k.Permissions },
		func(s *v1alpha1.VirtualKeySpec, r *keyReq) { r.Permissions = litellm.Set(jsonObject(s.Permissions)) },
		func(r *keyReq) { r.Permissions = litellm.Set(map[string]any{}) }),
	keyList("allowed_cache_controls", func(s *v1alpha1.VirtualKeySpec) []string { return s.AllowedCacheControls },
		func(k *litellm.Key) []string { return k.AllowedCacheControls },
		func(r *keyReq) *litellm.Optional[[]string] { return &r.AllowedCacheControls }),
	keyList("allowed_routes", func(s *v1alpha1.VirtualKeySpec) []string { return s.AllowedRoutes },
		func(k *litellm.Key) []string { return k.AllowedRoutes },
		func(r *keyReq) *litellm.Optional[[]string] { return &r.AllowedRoutes }),
	// LiteLLM keeps tags, guardrails and enforced params inside metadata (the last unverified).
	keyList("tags", func(s *v1alpha1.VirtualKeySpec) []string { return s.Tags },
		func(k *litellm.Key) []string { return MetadataStrings(k.Metadata, "tags") },
		func(r *keyReq) *litellm.Optional[[]string] { return &r.Tags }),
	keyList("guardrails", func(s *v1alpha1.VirtualKeySpec) []string { return s.Guardrails },
		func(k *litellm.Key) []string { return MetadataStrings(k.Metadata, "guardrails") },
		func(r *keyReq) *litellm.Optional[[]string] { return &r.Guardrails }),
	keyList("enforced_params", func(s *v1alpha1.VirtualKeySpec) []string { return s.EnforcedParams },
		func(k *litellm.Key) []string { return MetadataStrings(k.Metadata, "enforced_params") },
		func(r *keyReq) *litellm.Optional[[]string] { return &r.EnforcedParams }),
}

func keyMaxBudget(r *keyReq) *litellm.Optional[float64] { return &r.MaxBudget }
func keyDuration(r *keyReq) *litellm.Optional[string]   { return &r.Duration }

// keyString is a string field that null clears.
func keyString(name string, spec func(*v1alpha1.VirtualKeySpec) string, observed func(*litellm.Key) string,
	field func(*keyReq) *litellm.Optional[string]) keyField {
	return value(name, func(vk *v1alpha1.VirtualKey) (string, bool) { return stringSet(spec(&vk.Spec)) },
		func(_ *v1alpha1.VirtualKey, k *litellm.Key) string { return observed(k) }, stringEqual, setTo(field), clearNull(field))
}

// keyInt is a number field that null clears.
func keyInt(name string, spec func(*v1alpha1.VirtualKeySpec) *int, observed func(*litellm.Key) *int,
	field func(*keyReq) *litellm.Optional[int]) keyField {
	return value(name, func(vk *v1alpha1.VirtualKey) (*int, bool) { return pointerSet(spec(&vk.Spec)) },
		func(_ *v1alpha1.VirtualKey, k *litellm.Key) *int { return observed(k) }, intEqual, setPointee(field), clearNull(field))
}

// keyList is a list compared as a set; [] clears it (LiteLLM's default: no restriction).
func keyList(name string, spec func(*v1alpha1.VirtualKeySpec) []string, observed func(*litellm.Key) []string,
	field func(*keyReq) *litellm.Optional[[]string]) keyField {
	return value(name, func(vk *v1alpha1.VirtualKey) ([]string, bool) { return listSet(spec(&vk.Spec)) },
		func(_ *v1alpha1.VirtualKey, k *litellm.Key) []string { return observed(k) }, sameSet,
		setList(field), clearTo(field, []string{}))
}

// keyJSON is an object compared by its JSON form; clear sends {}.
func keyJSON(name string, spec func(*v1alpha1.VirtualKeySpec) (any, bool), observed func(*litellm.Key) any,
	set func(*v1alpha1.VirtualKeySpec, *keyReq), clear func(*keyReq)) keyField {
	return keyField{
		Name:  name,
		IsSet: func(vk *v1alpha1.VirtualKey) bool { _, ok := spec(&vk.Spec); return ok },
		Equal: func(vk *v1alpha1.VirtualKey, k *litellm.Key) bool {
			v, _ := spec(&vk.Spec)
			return jsonEqual(v, observed(k))
		},
		Set:   func(vk *v1alpha1.VirtualKey, _ *litellm.Key, r *keyReq) { set(&vk.Spec, r) },
		Clear: clear,
	}
}

// KeyGenerateRequest maps the spec to /key/generate with the raw key the operator chose,
// including the fields that apply only at creation (spend, sendInviteEmail).
func KeyGenerateRequest(vk *v1alpha1.VirtualKey, raw string) litellm.KeyGenerateRequest {
	s := &vk.Spec
	return litellm.KeyGenerateRequest{
		Key: raw, KeyAlias: s.KeyAlias, Duration: s.Duration, Models: s.Models,
		BudgetDuration: s.BudgetDuration, UserID: s.UserID, TeamID: s.TeamID, BudgetID: s.BudgetID,
		TPMLimit: s.TPMLimit, RPMLimit: s.RPMLimit, MaxParallelRequests: s.MaxParallelRequests,
		ModelRPMLimit: s.ModelRPMLimit, ModelTPMLimit: s.ModelTPMLimit, ModelMaxBudget: modelMaxBudget(s.ModelMaxBudget),
		Metadata: specMetadata(s.Metadata), Aliases: s.Aliases,
		Config: v1alpha1.JSONValues(s.Config), Permissions: v1alpha1.JSONValues(s.Permissions),
		AllowedCacheControls: s.AllowedCacheControls, AllowedRoutes: s.AllowedRoutes,
		Guardrails: s.Guardrails, Tags: s.Tags, EnforcedParams: s.EnforcedParams,
		Blocked: s.Blocked, SendInviteEmail: s.SendInviteEmail,
		MaxBudget: Money(s.MaxBudget), SoftBudget: Money(s.SoftBudget), Spend: Money(s.Spend),
	}
}

// KeyManaged names what status.managedFields records for a VirtualKey: the table's fields the
// spec sets, and blocked when the spec sets it.
func KeyManaged(vk *v1alpha1.VirtualKey) []string {
	names := Keys.Managed(vk)
	if vk.Spec.Blocked != nil {
		names = append(names, "blocked")
	}
	return names
}

// KeyIgnored names what LiteLLM ignores in the spec of an existing key: a softBudget other than the
// one the key was created with (status.softBudget). /key/update accepts soft_budget and keeps the
// old value, null included (compat: Key budgets), so it is never sent there; a new key (a
// rotation) gets the spec's value.
func KeyIgnored(vk *v1alpha1.VirtualKey) []string {
	applied, spec := vk.Status.SoftBudget, ""
	if vk.Spec.SoftBudget != nil {
		spec = *vk.Spec.SoftBudget
	}
	if spec == applied || (spec != "" && applied != "" && floatEqual(Money(&spec), Money(&applied))) {
		return nil
	}
	kept := "no soft budget"
	if applied != "" {
		kept = "the soft budget " + applied
	}
	return []string{"softBudget: LiteLLM ignores a soft budget change on an existing key and keeps " + kept +
		" from its creation; the spec's value applies to the next key this object creates (rotate the key to apply it)"}
}

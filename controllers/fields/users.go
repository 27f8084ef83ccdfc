package fields

import (
	"strings"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

type (
	userReq   = litellm.UserUpdateRequest
	userField = Field[*v1alpha1.User, *litellm.User, userReq]
)

// Users maps a User to /user/update. LiteLLM ignores null, [] and {} there, except a null
// max_budget, which removes the budget: every other field removed from the spec keeps its value in
// LiteLLM and is reported as not cleared; an empty list in the spec cannot be applied and counts
// as unset. The user row keeps no soft budget, aliases, permissions, config or blocked flag, so
// those are sent at creation only (compat: POST /user/update).
var Users = Table[*v1alpha1.User, *litellm.User, userReq]{
	value("user_email", func(u *v1alpha1.User) (string, bool) { return u.Spec.UserEmail, true },
		func(_ *v1alpha1.User, o *litellm.User) string { return o.UserEmail }, strings.EqualFold,
		func(r *userReq, v string) { r.UserEmail = v }, nil),
	userString("user_alias", func(s *v1alpha1.UserSpec) string { return s.UserAlias },
		func(o *litellm.User) string { return o.UserAlias }, func(r *userReq, v string) { r.UserAlias = v }),
	userString("user_role", func(s *v1alpha1.UserSpec) string { return s.UserRole },
		func(o *litellm.User) string { return o.UserRole }, func(r *userReq, v string) { r.UserRole = v }),
	value("max_budget", func(u *v1alpha1.User) (*float64, bool) { return moneySet(u.Spec.MaxBudget) },
		func(_ *v1alpha1.User, o *litellm.User) *float64 { return o.MaxBudget }, floatEqual,
		setPointee(func(r *userReq) *litellm.Optional[float64] { return &r.MaxBudget }),
		clearNull(func(r *userReq) *litellm.Optional[float64] { return &r.MaxBudget })),
	// Current LiteLLM does not keep a user's soft budget: when it reports none there is nothing to
	// compare, and nothing is re-sent on every resync.
	value("soft_budget", func(u *v1alpha1.User) (*float64, bool) { return moneySet(u.Spec.SoftBudget) },
		func(_ *v1alpha1.User, o *litellm.User) *float64 { return o.SoftBudget },
		func(spec, observed *float64) bool { return observed == nil || floatEqual(spec, observed) },
		func(r *userReq, v *float64) { r.SoftBudget = v }, nil),
	userString("budget_duration", func(s *v1alpha1.UserSpec) string { return s.BudgetDuration },
		func(o *litellm.User) string { return o.BudgetDuration }, func(r *userReq, v string) { r.BudgetDuration = v }),
	userList("models", func(s *v1alpha1.UserSpec) []string { return s.Models },
		func(o *litellm.User) []string { return o.Models }, func(r *userReq, v []string) { r.Models = v }),
	userInt("tpm_limit", func(s *v1alpha1.UserSpec) *int { return s.TPMLimit },
		func(o *litellm.User) *int { return o.TPMLimit }, func(r *userReq, v *int) { r.TPMLimit = v }),
	userInt("rpm_limit", func(s *v1alpha1.UserSpec) *int { return s.RPMLimit },
		func(o *litellm.User) *int { return o.RPMLimit }, func(r *userReq, v *int) { r.RPMLimit = v }),
	userInt("max_parallel_requests", func(s *v1alpha1.UserSpec) *int { return s.MaxParallelRequests },
		func(o *litellm.User) *int { return o.MaxParallelRequests }, func(r *userReq, v *int) { r.MaxParallelRequests = v }),
	metadata(func(u *v1alpha1.User) map[string]string { return u.Spec.Metadata },
		func(o *litellm.User) map[string]any { return o.Metadata },
		func(r *userReq, m map[string]any) { r.Metadata = m }),
	{
		Name:  "model_max_budget",
		IsSet: func(u *v1alpha1.User) bool { return len(u.Spec.ModelMaxBudget) > 0 },
		Equal: func(u *v1alpha1.User, o *litellm.User) bool {
			return jsonEqual(modelMaxBudget(u.Spec.ModelMaxBudget), o.ModelMaxBudget)
		},
		Set: func(u *v1alpha1.User, _ *litellm.User, r *userReq) {
			r.ModelMaxBudget = modelMaxBudget(u.Spec.ModelMaxBudget)
		},
	},
	userList("allowed_cache_controls", func(s *v1alpha1.UserSpec) []string { return s.AllowedCacheControls },
		func(o *litellm.User) []string { return o.AllowedCacheControls }, func(r *userReq, v []string) { r.AllowedCacheControls = v }),
	userString("sso_user_id", func(s *v1alpha1.UserSpec) string { return s.SSOUserID },
		func(o *litellm.User) string { return o.SSOUserID }, func(r *userReq, v string) { r.SSOUserID = v }),
}

func userString(name string, spec func(*v1alpha1.UserSpec) string, observed func(*litellm.User) string,
	set func(*userReq, string)) userField {
	return value(name, func(u *v1alpha1.User) (string, bool) { return stringSet(spec(&u.Spec)) },
		func(_ *v1alpha1.User, o *litellm.User) string { return observed(o) }, stringEqual, set, nil)
}

func userInt(name string, spec func(*v1alpha1.UserSpec) *int, observed func(*litellm.User) *int,
	set func(*userReq, *int)) userField {
	return value(name, func(u *v1alpha1.User) (*int, bool) { return pointerSet(spec(&u.Spec)) },
		func(_ *v1alpha1.User, o *litellm.User) *int { return observed(o) }, intEqual, set, nil)
}

func userList(name string, spec func(*v1alpha1.UserSpec) []string, observed func(*litellm.User) []string,
	set func(*userReq, []string)) userField {
	return value(name, func(u *v1alpha1.User) ([]string, bool) { return nonEmptyList(spec(&u.Spec)) },
		func(_ *v1alpha1.User, o *litellm.User) []string { return observed(o) }, sameSet, set, nil)
}

// UserNewRequest maps the spec to /user/new for the user ID the operator chose. LiteLLM creates a
// key of its own unless told not to: the User's key is a VirtualKey object instead.
func UserNewRequest(u *v1alpha1.User, id string) litellm.UserNewRequest {
	s := &u.Spec
	req := litellm.UserNewRequest{
		UserID: id, UserEmail: s.UserEmail, UserAlias: s.UserAlias, UserRole: s.UserRole,
		BudgetDuration: s.BudgetDuration, Models: s.Models, TPMLimit: s.TPMLimit, RPMLimit: s.RPMLimit,
		MaxParallelRequests: s.MaxParallelRequests, ModelMaxBudget: modelMaxBudget(s.ModelMaxBudget),
		Metadata: specMetadata(s.Metadata), Aliases: s.Aliases, Permissions: v1alpha1.JSONValues(s.Permissions),
		AllowedCacheControls: s.AllowedCacheControls, Guardrails: s.Guardrails, Blocked: s.Blocked,
		SendInviteEmail: s.SendInviteEmail, SSOUserID: s.SSOUserID, AutoCreateKey: new(bool),
		MaxBudget: Money(s.MaxBudget), SoftBudget: Money(s.SoftBudget), Spend: Money(s.Spend),
	}
	req.ModelRPMLimit, _ = v1alpha1.ParseIntStrings(s.ModelRPMLimit)
	req.ModelTPMLimit, _ = v1alpha1.ParseIntStrings(s.ModelTPMLimit)
	return req
}

// UserIgnored names the fields of the spec that LiteLLM accepts on /user/new but does not keep in
// the user row, so they have no effect (compat: POST /user/new): aliases, permissions and blocked
// always (the operator cannot read them back), softBudget unless LiteLLM reports one (an older
// release that keeps it). observed is nil before the user exists.
func UserIgnored(u *v1alpha1.User, observed *litellm.User) []string {
	var names []string
	if u.Spec.SoftBudget != nil && (observed == nil || observed.SoftBudget == nil) {
		names = append(names, "softBudget")
	}
	if len(u.Spec.Aliases) > 0 {
		names = append(names, "aliases")
	}
	if len(u.Spec.Permissions) > 0 {
		names = append(names, "permissions")
	}
	if u.Spec.Blocked != nil {
		names = append(names, "blocked")
	}
	if len(names) == 0 {
		return nil
	}
	return []string{strings.Join(names, ", ") + ": LiteLLM accepts these for a user but does not store them, so they have no effect " +
		"(set them on the user's VirtualKeys instead)"}
}

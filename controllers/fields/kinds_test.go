package fields

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"k8s.io/utils/ptr"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

type (
	vk   = *v1alpha1.VirtualKey
	key  = *litellm.Key
	user = *v1alpha1.User
	lu   = *litellm.User
	team = *v1alpha1.Team
	lt   = *litellm.Team
	tma  = *v1alpha1.TeamMemberAssociation
	mem  = *Member
)

func TestKeyFields(t *testing.T) {
	checkTable(t, Keys, func() vk { return &v1alpha1.VirtualKey{Spec: v1alpha1.VirtualKeySpec{KeyAlias: "svc"}} },
		func() key { return &litellm.Key{KeyAlias: "svc"} },
		[]fieldCase[vk, key]{
			{field: "key_alias", reason: "the alias is required and repaired", required: true,
				set: func(vk) {}, same: func(vk, key) {}, other: func(_ vk, k key) { k.KeyAlias = "renamed" }, sent: "svc"},
			{field: "models", reason: "compared as a set; [] allows every model, LiteLLM's default",
				set:   func(s vk) { s.Spec.Models = []string{"gpt-4o", "claude"} },
				same:  func(_ vk, k key) { k.Models = []string{"claude", "gpt-4o", "claude"} },
				other: func(_ vk, k key) { k.Models = []string{"gpt-4o"} },
				sent:  []any{"gpt-4o", "claude"}, clears: true, cleared: []any{}},
			{field: "max_budget", reason: "dollars as numbers; null removes the budget",
				set:   func(s vk) { s.Spec.MaxBudget = ptr.To("10.50") },
				same:  func(_ vk, k key) { k.MaxBudget = ptr.To(10.5) },
				other: func(_ vk, k key) { k.MaxBudget = ptr.To(10.0) },
				sent:  10.5, clears: true, cleared: nil},
			{field: "budget_duration", reason: "LiteLLM ignores a null budget_duration on /key/update",
				set:   func(s vk) { s.Spec.BudgetDuration = "30d" },
				same:  func(_ vk, k key) { k.BudgetDuration = "30d" },
				other: func(_ vk, k key) { k.BudgetDuration = "1d" },
				sent:  "30d"},
			{field: "duration", reason: "sent only when the spec changed (it moves the expiry); null: never expires",
				set:   func(s vk) { s.Spec.Duration = "30d" },
				same:  func(s vk, _ key) { s.Status.Duration = "30d" },
				other: func(s vk, _ key) { s.Status.Duration = "7d" },
				sent:  "30d", clears: true, cleared: nil},
			{field: "user_id", reason: "null unbinds the key from the user",
				set: func(s vk) { s.Spec.UserID = "u1" }, same: func(_ vk, k key) { k.UserID = "u1" },
				other: func(_ vk, k key) { k.UserID = "u2" }, sent: "u1", clears: true, cleared: nil},
			{field: "team_id", reason: "null takes the key out of the team",
				set: func(s vk) { s.Spec.TeamID = "t1" }, same: func(_ vk, k key) { k.TeamID = "t1" },
				other: func(_ vk, k key) { k.TeamID = "t2" }, sent: "t1", clears: true, cleared: nil},
			{field: "budget_id", reason: "null detaches the budget",
				set: func(s vk) { s.Spec.BudgetID = "b1" }, same: func(_ vk, k key) { k.BudgetID = "b1" },
				other: func(_ vk, k key) { k.BudgetID = "b2" }, sent: "b1", clears: true, cleared: nil},
			{field: "tpm_limit", reason: "0 is a limit, not unset; null removes the limit",
				set: func(s vk) { s.Spec.TPMLimit = ptr.To(0) }, same: func(_ vk, k key) { k.TPMLimit = ptr.To(0) },
				other: func(_ vk, k key) { k.TPMLimit = nil }, sent: 0.0, clears: true, cleared: nil},
			{field: "rpm_limit", reason: "a number field",
				set: func(s vk) { s.Spec.RPMLimit = ptr.To(60) }, same: func(_ vk, k key) { k.RPMLimit = ptr.To(60) },
				other: func(_ vk, k key) { k.RPMLimit = ptr.To(30) }, sent: 60.0, clears: true, cleared: nil},
			{field: "max_parallel_requests", reason: "a number field",
				set:   func(s vk) { s.Spec.MaxParallelRequests = ptr.To(4) },
				same:  func(_ vk, k key) { k.MaxParallelRequests = ptr.To(4) },
				other: func(_ vk, k key) { k.MaxParallelRequests = ptr.To(8) }, sent: 4.0, clears: true, cleared: nil},
			{field: "model_rpm_limit", reason: "LiteLLM keeps it in metadata; {} clears it",
				set:   func(s vk) { s.Spec.ModelRPMLimit = map[string]int{"gpt-4o": 10} },
				same:  func(_ vk, k key) { k.Metadata = map[string]any{"model_rpm_limit": map[string]any{"gpt-4o": 10.0}} },
				other: func(_ vk, k key) { k.Metadata = map[string]any{"model_rpm_limit": map[string]any{"gpt-4o": 5.0}} },
				sent:  map[string]any{"gpt-4o": 10.0}, clears: true, cleared: map[string]any{}},
			{field: "model_tpm_limit", reason: "LiteLLM keeps it in metadata; {} clears it",
				set:   func(s vk) { s.Spec.ModelTPMLimit = map[string]int{"gpt-4o": 1000} },
				same:  func(_ vk, k key) { k.Metadata = map[string]any{"model_tpm_limit": map[string]any{"gpt-4o": 1000}} },
				other: func(_ vk, k key) {},
				sent:  map[string]any{"gpt-4o": 1000.0}, clears: true, cleared: map[string]any{}},
			{field: "model_max_budget", reason: "'10/30d' is LiteLLM's {budget_limit, time_period}; {} clears it",
				set: func(s vk) {
					s.Spec.ModelMaxBudget = map[string]v1alpha1.ModelBudgetString{"gpt-4o": "10/30d"}
				},
				same: func(_ vk, k key) {
					k.ModelMaxBudget = map[string]any{"gpt-4o": map[string]any{"budget_limit": 10, "time_period": "30d"}}
				},
				other: func(_ vk, k key) {
					k.ModelMaxBudget = map[string]any{"gpt-4o": map[string]any{"budget_limit": 10, "time_period": "1d"}}
				},
				sent:   map[string]any{"gpt-4o": map[string]any{"budget_limit": 10.0, "time_period": "30d"}},
				clears: true, cleared: map[string]any{}},
			{field: "metadata", reason: "only the spec's keys are compared and sent on top of LiteLLM's own; which keys an earlier spec set is unknown, so not cleared",
				set:   func(s vk) { s.Spec.Metadata = map[string]string{"owner": "a", "tier": "2"} },
				same:  func(_ vk, k key) { k.Metadata = map[string]any{"owner": "a", "tier": 2, "tags": []any{"x"}} },
				other: func(_ vk, k key) { k.Metadata = map[string]any{"owner": "b", "tags": []any{"x"}} },
				sent:  map[string]any{"owner": "a", "tier": 2.0, "tags": []any{"x"}}},
			{field: "aliases", reason: "an object; {} clears it",
				set:   func(s vk) { s.Spec.Aliases = map[string]string{"gpt": "gpt-4o"} },
				same:  func(_ vk, k key) { k.Aliases = map[string]any{"gpt": "gpt-4o"} },
				other: func(_ vk, k key) { k.Aliases = map[string]any{"gpt": "gpt-4"} },
				sent:  map[string]any{"gpt": "gpt-4o"}, clears: true, cleared: map[string]any{}},
			{field: "config", reason: "string values become JSON values",
				set:   func(s vk) { s.Spec.Config = map[string]string{"cache": "true"} },
				same:  func(_ vk, k key) { k.Config = map[string]any{"cache": true} },
				other: func(_ vk, k key) { k.Config = map[string]any{"cache": "true"} },
				sent:  map[string]any{"cache": true}, clears: true, cleared: map[string]any{}},
			{field: "permissions", reason: "string values become JSON values",
				set:   func(s vk) { s.Spec.Permissions = map[string]string{"pii": "false"} },
				same:  func(_ vk, k key) { k.Permissions = map[string]any{"pii": false} },
				other: func(_ vk, k key) {},
				sent:  map[string]any{"pii": false}, clears: true, cleared: map[string]any{}},
			{field: "allowed_cache_controls", reason: "a set; [] clears it",
				set:   func(s vk) { s.Spec.AllowedCacheControls = []string{"no-cache"} },
				same:  func(_ vk, k key) { k.AllowedCacheControls = []string{"no-cache"} },
				other: func(_ vk, k key) {},
				sent:  []any{"no-cache"}, clears: true, cleared: []any{}},
			{field: "allowed_routes", reason: "a set; [] allows every route",
				set:   func(s vk) { s.Spec.AllowedRoutes = []string{"/chat/completions"} },
				same:  func(_ vk, k key) { k.AllowedRoutes = []string{"/chat/completions"} },
				other: func(_ vk, k key) { k.AllowedRoutes = []string{"/embeddings"} },
				sent:  []any{"/chat/completions"}, clears: true, cleared: []any{}},
			{field: "tags", reason: "LiteLLM keeps them in metadata",
				set:   func(s vk) { s.Spec.Tags = []string{"prod"} },
				same:  func(_ vk, k key) { k.Metadata = map[string]any{"tags": []any{"prod"}} },
				other: func(_ vk, k key) { k.Metadata = map[string]any{"tags": []any{"dev"}} },
				sent:  []any{"prod"}, clears: true, cleared: []any{}},
			{field: "guardrails", reason: "LiteLLM keeps them in metadata",
				set:   func(s vk) { s.Spec.Guardrails = []string{"pii"} },
				same:  func(_ vk, k key) { k.Metadata = map[string]any{"guardrails": []any{"pii"}} },
				other: func(_ vk, k key) {},
				sent:  []any{"pii"}, clears: true, cleared: []any{}},
			{field: "enforced_params", reason: "LiteLLM keeps them in metadata (unverified)",
				set:   func(s vk) { s.Spec.EnforcedParams = []string{"user"} },
				same:  func(_ vk, k key) { k.Metadata = map[string]any{"enforced_params": []any{"user"}} },
				other: func(_ vk, k key) {},
				sent:  []any{"user"}, clears: true, cleared: []any{}},
		})
}

func TestUserFields(t *testing.T) {
	checkTable(t, Users, func() user { return &v1alpha1.User{Spec: v1alpha1.UserSpec{UserEmail: "Jane@Example.com"}} },
		func() lu { return &litellm.User{UserEmail: "jane@example.com"} },
		[]fieldCase[user, lu]{
			{field: "user_email", reason: "required; emails compare case-insensitively", required: true,
				set: func(user) {}, same: func(user, lu) {}, other: func(_ user, o lu) { o.UserEmail = "john@example.com" },
				sent: "Jane@Example.com"},
			{field: "user_alias", reason: "LiteLLM ignores empty values on /user/update",
				set: func(s user) { s.Spec.UserAlias = "Jane" }, same: func(_ user, o lu) { o.UserAlias = "Jane" },
				other: func(_ user, o lu) { o.UserAlias = "J" }, sent: "Jane"},
			{field: "user_role", reason: "a role cannot be unset",
				set: func(s user) { s.Spec.UserRole = "internal_user" }, same: func(_ user, o lu) { o.UserRole = "internal_user" },
				other: func(_ user, o lu) { o.UserRole = "internal_user_viewer" }, sent: "internal_user"},
			{field: "max_budget", reason: "the one field /user/update clears with null",
				set: func(s user) { s.Spec.MaxBudget = ptr.To("100") }, same: func(_ user, o lu) { o.MaxBudget = ptr.To(100.0) },
				other: func(_ user, o lu) { o.MaxBudget = ptr.To(50.0) }, sent: 100.0, clears: true, cleared: nil},
			{field: "soft_budget", reason: "current LiteLLM keeps none for users: compared only when reported",
				set: func(s user) { s.Spec.SoftBudget = ptr.To("5") }, same: func(_ user, o lu) { o.SoftBudget = nil },
				other: func(_ user, o lu) { o.SoftBudget = ptr.To(3.0) }, sent: 5.0},
			{field: "budget_duration", reason: "null is ignored by /user/update: not cleared",
				set: func(s user) { s.Spec.BudgetDuration = "30d" }, same: func(_ user, o lu) { o.BudgetDuration = "30d" },
				other: func(_ user, o lu) { o.BudgetDuration = "7d" }, sent: "30d"},
			{field: "models", reason: "[] is ignored by /user/update, so an empty list counts as unset",
				set: func(s user) { s.Spec.Models = []string{"gpt-4o"} }, same: func(_ user, o lu) { o.Models = []string{"gpt-4o"} },
				other: func(_ user, o lu) { o.Models = nil }, sent: []any{"gpt-4o"}},
			{field: "tpm_limit", reason: "null is ignored: not cleared",
				set: func(s user) { s.Spec.TPMLimit = ptr.To(100) }, same: func(_ user, o lu) { o.TPMLimit = ptr.To(100) },
				other: func(_ user, o lu) { o.TPMLimit = ptr.To(10) }, sent: 100.0},
			{field: "rpm_limit", reason: "null is ignored: not cleared",
				set: func(s user) { s.Spec.RPMLimit = ptr.To(10) }, same: func(_ user, o lu) { o.RPMLimit = ptr.To(10) },
				other: func(_ user, o lu) { o.RPMLimit = nil }, sent: 10.0},
			{field: "max_parallel_requests", reason: "null is ignored: not cleared",
				set:   func(s user) { s.Spec.MaxParallelRequests = ptr.To(2) },
				same:  func(_ user, o lu) { o.MaxParallelRequests = ptr.To(2) },
				other: func(_ user, o lu) { o.MaxParallelRequests = ptr.To(1) }, sent: 2.0},
			{field: "metadata", reason: "{} is ignored: not cleared; the spec's keys go on top of LiteLLM's",
				set:   func(s user) { s.Spec.Metadata = map[string]string{"dept": "ml"} },
				same:  func(_ user, o lu) { o.Metadata = map[string]any{"dept": "ml", "x": 1} },
				other: func(_ user, o lu) { o.Metadata = map[string]any{"x": 1} },
				sent:  map[string]any{"dept": "ml", "x": 1.0}},
			{field: "model_max_budget", reason: "{} is ignored: not cleared",
				set: func(s user) {
					s.Spec.ModelMaxBudget = map[string]v1alpha1.ModelBudgetString{"gpt-4o": "10"}
				},
				same: func(_ user, o lu) {
					o.ModelMaxBudget = map[string]any{"gpt-4o": map[string]any{"budget_limit": 10.0}}
				},
				other: func(_ user, o lu) {},
				sent:  map[string]any{"gpt-4o": map[string]any{"budget_limit": 10.0}}},
			{field: "allowed_cache_controls", reason: "[] is ignored: not cleared",
				set:   func(s user) { s.Spec.AllowedCacheControls = []string{"no-store"} },
				same:  func(_ user, o lu) { o.AllowedCacheControls = []string{"no-store"} },
				other: func(_ user, o lu) {}, sent: []any{"no-store"}},
			{field: "sso_user_id", reason: "an empty string cannot be sent: not cleared",
				set: func(s user) { s.Spec.SSOUserID = "sso-1" }, same: func(_ user, o lu) { o.SSOUserID = "sso-1" },
				other: func(_ user, o lu) { o.SSOUserID = "sso-2" }, sent: "sso-1"},
		})
}

func TestTeamFields(t *testing.T) {
	checkTable(t, Teams, func() team { return &v1alpha1.Team{Spec: v1alpha1.TeamSpec{TeamAlias: "Data"}} },
		func() lt { return &litellm.Team{TeamAlias: "Data"} },
		[]fieldCase[team, lt]{
			{field: "team_alias", reason: "required and repaired", required: true,
				set: func(team) {}, same: func(team, lt) {}, other: func(_ team, o lt) { o.TeamAlias = "data" }, sent: "Data"},
			{field: "max_budget", reason: "null removes the budget",
				set: func(s team) { s.Spec.MaxBudget = ptr.To("1000") }, same: func(_ team, o lt) { o.MaxBudget = ptr.To(1000.0) },
				other: func(_ team, o lt) { o.MaxBudget = nil }, sent: 1000.0, clears: true, cleared: nil},
			{field: "budget_duration", reason: "/team/update writes an explicit null: the reset period is cleared",
				set: func(s team) { s.Spec.BudgetDuration = "30d" }, same: func(_ team, o lt) { o.BudgetDuration = "30d" },
				other: func(_ team, o lt) { o.BudgetDuration = "1mo" }, sent: "30d", clears: true, cleared: nil},
			{field: "models", reason: "a set; [] allows every model",
				set: func(s team) { s.Spec.Models = []string{"gpt-4o"} }, same: func(_ team, o lt) { o.Models = []string{"gpt-4o"} },
				other: func(_ team, o lt) {}, sent: []any{"gpt-4o"}, clears: true, cleared: []any{}},
			{field: "tpm_limit", reason: "null removes the limit",
				set: func(s team) { s.Spec.TPMLimit = ptr.To(1000) }, same: func(_ team, o lt) { o.TPMLimit = ptr.To(1000) },
				other: func(_ team, o lt) {}, sent: 1000.0, clears: true, cleared: nil},
			{field: "rpm_limit", reason: "null removes the limit",
				set: func(s team) { s.Spec.RPMLimit = ptr.To(10) }, same: func(_ team, o lt) { o.RPMLimit = ptr.To(10) },
				other: func(_ team, o lt) { o.RPMLimit = ptr.To(20) }, sent: 10.0, clears: true, cleared: nil},
			{field: "blocked", reason: "clearing restores LiteLLM's default: unblocked",
				set: func(s team) { s.Spec.Blocked = ptr.To(true) }, same: func(_ team, o lt) { o.Blocked = ptr.To(true) },
				other: func(_ team, o lt) { o.Blocked = nil }, sent: true, clears: true, cleared: false},
			{field: "organization_id", reason: "what a null does to a team's organization is unverified: not cleared",
				set: func(s team) { s.Spec.OrganizationID = "org" }, same: func(_ team, o lt) { o.OrganizationID = "org" },
				other: func(_ team, o lt) {}, sent: "org"},
			{field: "team_member_permissions", reason: "a set; [] clears it",
				set:   func(s team) { s.Spec.TeamMemberPermissions = []string{"/key/generate"} },
				same:  func(_ team, o lt) { o.TeamMemberPermissions = []string{"/key/generate"} },
				other: func(_ team, o lt) {}, sent: []any{"/key/generate"}, clears: true, cleared: []any{}},
			{field: "model_aliases", reason: "read from the model table; whether {} removes aliases is unverified: not cleared",
				set: func(s team) { s.Spec.ModelAliases = map[string]string{"gpt": "gpt-4o"} },
				same: func(_ team, o lt) {
					o.LiteLLMModelTable = map[string]any{"model_aliases": map[string]any{"gpt": "gpt-4o"}}
				},
				other: func(_ team, o lt) { o.LiteLLMModelTable = map[string]any{"model_aliases": map[string]any{}} },
				sent:  map[string]any{"gpt": "gpt-4o"}},
			{field: "tags", reason: "kept in metadata; [] clears them",
				set:   func(s team) { s.Spec.Tags = []string{"prod"} },
				same:  func(_ team, o lt) { o.Metadata = map[string]any{"tags": []any{"prod"}} },
				other: func(_ team, o lt) {}, sent: []any{"prod"}, clears: true, cleared: []any{}},
			{field: "guardrails", reason: "kept in metadata; [] clears them",
				set:   func(s team) { s.Spec.Guardrails = []string{"pii"} },
				same:  func(_ team, o lt) { o.Metadata = map[string]any{"guardrails": []any{"pii"}} },
				other: func(_ team, o lt) { o.Metadata = map[string]any{"guardrails": []any{"toxicity"}} },
				sent:  []any{"pii"}, clears: true, cleared: []any{}},
			{field: "metadata", reason: "the spec's keys on top of LiteLLM's; not cleared",
				set:   func(s team) { s.Spec.Metadata = map[string]string{"cost-center": "42"} },
				same:  func(_ team, o lt) { o.Metadata = map[string]any{"cost-center": 42, "tags": []any{"a"}} },
				other: func(_ team, o lt) { o.Metadata = map[string]any{"tags": []any{"a"}} },
				sent:  map[string]any{"cost-center": 42.0, "tags": []any{"a"}}},
		})
}

func TestMemberFields(t *testing.T) {
	checkTable(t, Members, func() tma {
		return &v1alpha1.TeamMemberAssociation{Spec: v1alpha1.TeamMemberAssociationSpec{Role: "user"}}
	},
		func() mem { return &Member{Role: "user"} },
		[]fieldCase[tma, mem]{
			{field: "role", reason: "required; changed through /team/member_update", required: true,
				set: func(tma) {}, same: func(tma, mem) {}, other: func(_ tma, o mem) { o.Role = "admin" }, sent: "user"},
			{field: "max_budget_in_team", reason: "an explicit null removes the member budget on current releases",
				set:   func(s tma) { s.Spec.MaxBudgetInTeam = ptr.To("5") },
				same:  func(_ tma, o mem) { o.MaxBudget = ptr.To(5.0) },
				other: func(_ tma, o mem) { o.MaxBudget = ptr.To(2.5) }, sent: 5.0, clears: true, cleared: nil},
		})
}

func TestKeyIgnored(t *testing.T) {
	for _, tc := range []struct {
		name, reason  string
		spec, applied *string
		ignored       bool
	}{
		{name: "unchanged", reason: "the key was created with the spec's soft budget", spec: ptr.To("5"), applied: ptr.To("5")},
		{name: "same number", reason: "compared as amounts, not as text", spec: ptr.To("5.0"), applied: ptr.To("5")},
		{name: "never set", reason: "nothing to apply", spec: nil, applied: nil},
		{name: "changed", reason: "/key/update ignores soft_budget", spec: ptr.To("8"), applied: ptr.To("5"), ignored: true},
		{name: "added", reason: "a key made without one cannot get one by update", spec: ptr.To("8"), applied: nil, ignored: true},
		{name: "removed", reason: "LiteLLM ignores the null as well", spec: nil, applied: ptr.To("5"), ignored: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := &v1alpha1.VirtualKey{Spec: v1alpha1.VirtualKeySpec{SoftBudget: tc.spec}}
			if tc.applied != nil {
				k.Status.SoftBudget = *tc.applied
			}
			got := KeyIgnored(k)
			if !tc.ignored {
				assert.Empty(t, got, tc.reason)
				return
			}
			require.Len(t, got, 1, tc.reason)
			assert.Contains(t, got[0], "softBudget", "the note names the field")
		})
	}
}

func TestUserIgnored(t *testing.T) {
	full := &v1alpha1.User{Spec: v1alpha1.UserSpec{SoftBudget: ptr.To("5"), Aliases: map[string]string{"a": "b"},
		Permissions: map[string]string{"pii": "false"}, Blocked: ptr.To(false)}}
	for _, tc := range []struct {
		name, reason string
		user         *v1alpha1.User
		observed     *litellm.User
		want         []string
	}{
		{name: "nothing set", reason: "no note without the fields", user: &v1alpha1.User{}, observed: &litellm.User{}},
		{name: "before creation", reason: "reported from the first reconcile", user: full,
			want: []string{"softBudget", "aliases", "permissions", "blocked"}},
		{name: "soft budget kept", reason: "an older release that stores it applies it", user: full,
			observed: &litellm.User{SoftBudget: ptr.To(5.0)}, want: []string{"aliases", "permissions", "blocked"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := UserIgnored(tc.user, tc.observed)
			if tc.want == nil {
				assert.Empty(t, got, tc.reason)
				return
			}
			require.Len(t, got, 1, tc.reason)
			assert.True(t, strings.HasPrefix(got[0], strings.Join(tc.want, ", ")+":"), "%s: %s", tc.reason, got[0])
		})
	}
}

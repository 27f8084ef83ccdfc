package fields

import (
	"encoding/json"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

type (
	teamReq   = litellm.TeamUpdateRequest
	teamField = Field[*v1alpha1.Team, *litellm.Team, teamReq]
)

// Teams maps a Team to /team/update, where only the fields sent are written and an explicit null
// writes null (compat: POST /team/update). Members change through the
// membership calls, never here.
var Teams = Table[*v1alpha1.Team, *litellm.Team, teamReq]{
	value("team_alias", func(t *v1alpha1.Team) (string, bool) { return t.Spec.TeamAlias, true },
		func(_ *v1alpha1.Team, o *litellm.Team) string { return o.TeamAlias }, stringEqual,
		setTo(func(r *teamReq) *litellm.Optional[string] { return &r.TeamAlias }), nil),
	value("max_budget", func(t *v1alpha1.Team) (*float64, bool) { return moneySet(t.Spec.MaxBudget) },
		func(_ *v1alpha1.Team, o *litellm.Team) *float64 { return o.MaxBudget }, floatEqual,
		setPointee(teamMaxBudget), clearNull(teamMaxBudget)),
	value("budget_duration", func(t *v1alpha1.Team) (string, bool) { return stringSet(t.Spec.BudgetDuration) },
		func(_ *v1alpha1.Team, o *litellm.Team) string { return o.BudgetDuration }, stringEqual,
		setTo(teamBudgetDuration), clearNull(teamBudgetDuration)),
	teamList("models", func(s *v1alpha1.TeamSpec) []string { return s.Models },
		func(o *litellm.Team) []string { return o.Models }, func(r *teamReq) *litellm.Optional[[]string] { return &r.Models }),
	teamInt("tpm_limit", func(s *v1alpha1.TeamSpec) *int { return s.TPMLimit },
		func(o *litellm.Team) *int { return o.TPMLimit }, func(r *teamReq) *litellm.Optional[int] { return &r.TPMLimit }),
	teamInt("rpm_limit", func(s *v1alpha1.TeamSpec) *int { return s.RPMLimit },
		func(o *litellm.Team) *int { return o.RPMLimit }, func(r *teamReq) *litellm.Optional[int] { return &r.RPMLimit }),
	// Clearing blocked restores LiteLLM's default: the team is unblocked.
	value("blocked", func(t *v1alpha1.Team) (*bool, bool) { return pointerSet(t.Spec.Blocked) },
		func(_ *v1alpha1.Team, o *litellm.Team) *bool { return o.Blocked }, boolEqual,
		setPointee(teamBlocked), clearTo(teamBlocked, false)),
	// What a null organization_id does to a team is unverified: a removed one is left as it is.
	value("organization_id", func(t *v1alpha1.Team) (string, bool) { return stringSet(t.Spec.OrganizationID) },
		func(_ *v1alpha1.Team, o *litellm.Team) string { return o.OrganizationID }, stringEqual,
		setTo(func(r *teamReq) *litellm.Optional[string] { return &r.OrganizationID }), nil),
	teamList("team_member_permissions", func(s *v1alpha1.TeamSpec) []string { return s.TeamMemberPermissions },
		func(o *litellm.Team) []string { return o.TeamMemberPermissions },
		func(r *teamReq) *litellm.Optional[[]string] { return &r.TeamMemberPermissions }),
	// Model aliases live in the team's model table, which /team/info may leave out (current
	// releases do): then the spec is compared with the table last reported by /team/new or
	// /team/update, kept in status. Whether {} removes aliases is unverified: a removed
	// modelAliases is left as it is.
	{
		Name:  "model_aliases",
		IsSet: func(t *v1alpha1.Team) bool { return t.Spec.ModelAliases != nil },
		Equal: func(t *v1alpha1.Team, o *litellm.Team) bool {
			return jsonEqual(t.Spec.ModelAliases, TeamModelAliases(t, o))
		},
		Set: func(t *v1alpha1.Team, _ *litellm.Team, r *teamReq) {
			r.ModelAliases = litellm.Set(nonNilMap(t.Spec.ModelAliases))
		},
	},
	// LiteLLM keeps tags and guardrails inside metadata.
	teamList("tags", func(s *v1alpha1.TeamSpec) []string { return s.Tags },
		func(o *litellm.Team) []string { return MetadataStrings(o.Metadata, "tags") },
		func(r *teamReq) *litellm.Optional[[]string] { return &r.Tags }),
	teamList("guardrails", func(s *v1alpha1.TeamSpec) []string { return s.Guardrails },
		func(o *litellm.Team) []string { return MetadataStrings(o.Metadata, "guardrails") },
		func(r *teamReq) *litellm.Optional[[]string] { return &r.Guardrails }),
	metadata(func(t *v1alpha1.Team) map[string]string { return t.Spec.Metadata },
		func(o *litellm.Team) map[string]any { return o.Metadata },
		func(r *teamReq, m map[string]any) { r.Metadata = litellm.Set(m) }),
}

func teamMaxBudget(r *teamReq) *litellm.Optional[float64]     { return &r.MaxBudget }
func teamBudgetDuration(r *teamReq) *litellm.Optional[string] { return &r.BudgetDuration }
func teamBlocked(r *teamReq) *litellm.Optional[bool]          { return &r.Blocked }

func teamInt(name string, spec func(*v1alpha1.TeamSpec) *int, observed func(*litellm.Team) *int,
	field func(*teamReq) *litellm.Optional[int]) teamField {
	return value(name, func(t *v1alpha1.Team) (*int, bool) { return pointerSet(spec(&t.Spec)) },
		func(_ *v1alpha1.Team, o *litellm.Team) *int { return observed(o) }, intEqual, setPointee(field), clearNull(field))
}

func teamList(name string, spec func(*v1alpha1.TeamSpec) []string, observed func(*litellm.Team) []string,
	field func(*teamReq) *litellm.Optional[[]string]) teamField {
	return value(name, func(t *v1alpha1.Team) ([]string, bool) { return listSet(spec(&t.Spec)) },
		func(_ *v1alpha1.Team, o *litellm.Team) []string { return observed(o) }, sameSet,
		setList(field), clearTo(field, []string{}))
}

// TeamModelAliases is the team's model aliases as LiteLLM last reported them: from the observed
// row when it carries the model table, else from the table status kept.
func TeamModelAliases(t *v1alpha1.Team, o *litellm.Team) any {
	if o != nil && o.LiteLLMModelTable != nil {
		return o.LiteLLMModelTable["model_aliases"]
	}
	var table map[string]any
	if err := json.Unmarshal([]byte(t.Status.LiteLLMModelTable), &table); err != nil {
		return nil
	}
	return table["model_aliases"]
}

// TeamNewRequest maps the spec to /team/new for the team ID the operator chose.
func TeamNewRequest(t *v1alpha1.Team, id string) litellm.TeamNewRequest {
	s := &t.Spec
	return litellm.TeamNewRequest{
		TeamID: id, TeamAlias: s.TeamAlias, Metadata: specMetadata(s.Metadata),
		TPMLimit: s.TPMLimit, RPMLimit: s.RPMLimit, BudgetDuration: s.BudgetDuration, Models: s.Models,
		Blocked: s.Blocked, Tags: s.Tags, Guardrails: s.Guardrails, OrganizationID: s.OrganizationID,
		ModelAliases: s.ModelAliases, TeamMemberPermissions: s.TeamMemberPermissions, MaxBudget: Money(s.MaxBudget),
	}
}

package fields

import (
	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// Member is a membership as LiteLLM reports it: the member's role in members_with_roles and the
// budget of its team_memberships row.
type Member struct {
	Role      string
	MaxBudget *float64
}

type memberReq = litellm.TeamMemberUpdateRequest

// Members maps a TeamMemberAssociation to /team/member_update. A removed maxBudgetInTeam is sent
// as an explicit null, which removes the member budget on current LiteLLM releases; older ones
// ignore it, which the update's answer shows (compat: Team members).
var Members = Table[*v1alpha1.TeamMemberAssociation, *Member, memberReq]{
	value("role", func(m *v1alpha1.TeamMemberAssociation) (string, bool) { return m.Spec.Role, true },
		func(_ *v1alpha1.TeamMemberAssociation, o *Member) string { return o.Role }, stringEqual,
		func(r *memberReq, v string) { r.Role = v }, nil),
	value("max_budget_in_team", func(m *v1alpha1.TeamMemberAssociation) (*float64, bool) { return moneySet(m.Spec.MaxBudgetInTeam) },
		func(_ *v1alpha1.TeamMemberAssociation, o *Member) *float64 { return o.MaxBudget }, floatEqual,
		func(r *memberReq, v *float64) { r.MaxBudgetInTeam = v }, func(r *memberReq) { r.RemoveMaxBudgetInTeam = true }),
}

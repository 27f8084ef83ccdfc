package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers/managed"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// RBAC (see virtualkey_controller.go): a Team owns nothing, so no finalizers permission.
// +kubebuilder:rbac:groups=auth.litellm.ai,resources=teams,verbs=list;watch;patch
// +kubebuilder:rbac:groups=auth.litellm.ai,resources=teams/status,verbs=patch

// EventKeysDeleted warns that LiteLLM deletes keys along with a team or a membership.
const EventKeysDeleted = "KeysDeleted"

type teamConnector struct {
	client   client.Client
	idPrefix string
	recorder events.EventRecorder
}

func (c *teamConnector) Connect(ctx context.Context, lc *litellm.Client, t *v1alpha1.Team) (managed.External[*v1alpha1.Team], error) {
	id, err := objectID(ctx, c.client, c.recorder, t, c.idPrefix, t.Spec.TeamID, v1alpha1.AnnotationTeamID, t.Status.TeamID)
	if err != nil {
		return nil, err
	}
	return &teamExternal{lc: lc, recorder: c.recorder, id: id}, nil
}

type teamExternal struct {
	lc       *litellm.Client
	recorder events.EventRecorder
	id       string
	observed *litellm.TeamInfoResponse
}

// Observe reads the team by the ID chosen before it was created: a lost /team/new response is
// repaired by this read, never by a second create.
func (e *teamExternal) Observe(ctx context.Context, t *v1alpha1.Team) (managed.Observation, error) {
	info, err := e.lc.TeamInfo(ctx, e.id)
	if litellm.IsNotFound(err) {
		return managed.Observation{}, nil
	}
	if err != nil {
		return managed.Observation{}, err
	}
	e.observed = info
	if foundExisting(t, t.Status.TeamID) {
		e.recorder.Eventf(t, nil, corev1.EventTypeNormal, managed.EventAdopted, "Adopt",
			"team %s already existed in LiteLLM: it is now managed by this object, and the spec is applied to it", e.id)
	}
	copyTeamStatus(t, &info.TeamInfo)
	_, d := teamUpdate(t, &info.TeamInfo)
	var unavailable string
	if boolValue(info.TeamInfo.Blocked) {
		unavailable = "the team is blocked: its keys are refused"
	}
	return managed.Observation{Exists: true, UpToDate: len(d) == 0, Diff: d, Unavailable: unavailable}, nil
}

func (e *teamExternal) Create(ctx context.Context, t *v1alpha1.Team) error {
	s := &t.Spec
	req := litellm.TeamNewRequest{
		TeamID: e.id, TeamAlias: s.TeamAlias, Metadata: v1alpha1.JSONValues(s.Metadata),
		TPMLimit: s.TPMLimit, RPMLimit: s.RPMLimit, BudgetDuration: s.BudgetDuration, Models: s.Models,
		Blocked: s.Blocked, Tags: s.Tags, Guardrails: s.Guardrails, OrganizationID: s.OrganizationID,
		ModelAliases: s.ModelAliases, TeamMemberPermissions: s.TeamMemberPermissions,
	}
	req.MaxBudget = moneyPtr(s.MaxBudget)
	team, err := e.lc.NewTeam(ctx, req)
	if litellm.IsAlreadyExists(err) {
		// Our own earlier create whose response was lost: the next observation adopts it.
		return fmt.Errorf("team %s already exists; observing it again: %w", e.id, err)
	}
	if err != nil {
		return err
	}
	copyTeamStatus(t, team)
	return nil
}

func (e *teamExternal) Update(ctx context.Context, t *v1alpha1.Team, _ managed.Observation) error {
	req, _ := teamUpdate(t, &e.observed.TeamInfo)
	resp, err := e.lc.UpdateTeam(ctx, req)
	if err != nil {
		return err
	}
	copyTeamStatus(t, &resp.Data)
	return nil
}

// Delete deletes the team. LiteLLM deletes every key of the team with it (litellm-api.md §3.16):
// the Event says how many, and VirtualKeys that declare the team wait (DependencyMissing) instead
// of recreating them.
func (e *teamExternal) Delete(ctx context.Context, t *v1alpha1.Team) error {
	if info, err := e.lc.TeamInfo(ctx, e.id); err == nil && len(info.Keys) > 0 {
		e.recorder.Eventf(t, nil, corev1.EventTypeWarning, EventKeysDeleted, "Delete",
			"deleting team %s in LiteLLM also deletes its %d keys", e.id, len(info.Keys))
	}
	if _, err := e.lc.DeleteTeams(ctx, e.id); err != nil && !litellm.IsNotFound(err) {
		return err
	}
	return nil
}

// teamUpdate builds the /team/update request with only the fields that differ from LiteLLM.
func teamUpdate(t *v1alpha1.Team, obs *litellm.Team) (litellm.TeamUpdateRequest, diff) {
	s := &t.Spec
	req := litellm.TeamUpdateRequest{TeamID: obs.TeamID}
	var d diff
	if d.add("team_alias", s.TeamAlias != obs.TeamAlias) {
		req.TeamAlias = litellm.Set(s.TeamAlias)
	}
	if s.MaxBudget != nil && d.add("max_budget", !floatEqual(money(s.MaxBudget), obs.MaxBudget)) {
		req.MaxBudget = litellm.Set(money(s.MaxBudget))
	}
	if s.BudgetDuration != "" && d.add("budget_duration", s.BudgetDuration != obs.BudgetDuration) {
		req.BudgetDuration = litellm.Set(s.BudgetDuration)
	}
	if s.Models != nil && d.add("models", !sameSet(s.Models, obs.Models)) {
		req.Models = litellm.Set(nonNil(s.Models))
	}
	if s.TPMLimit != nil && d.add("tpm_limit", !intEqual(s.TPMLimit, obs.TPMLimit)) {
		req.TPMLimit = litellm.Set(*s.TPMLimit)
	}
	if s.RPMLimit != nil && d.add("rpm_limit", !intEqual(s.RPMLimit, obs.RPMLimit)) {
		req.RPMLimit = litellm.Set(*s.RPMLimit)
	}
	if s.Blocked != nil && d.add("blocked", *s.Blocked != boolValue(obs.Blocked)) {
		req.Blocked = litellm.Set(*s.Blocked)
	}
	teamAccessUpdate(s, obs, &req, &d)
	return req, d
}

// teamAccessUpdate adds the fields about what the team may do: organization, routes, model
// aliases, tags, guardrails and metadata.
func teamAccessUpdate(s *v1alpha1.TeamSpec, obs *litellm.Team, req *litellm.TeamUpdateRequest, d *diff) {
	if s.OrganizationID != "" && d.add("organization_id", s.OrganizationID != obs.OrganizationID) {
		req.OrganizationID = litellm.Set(s.OrganizationID)
	}
	if s.TeamMemberPermissions != nil && d.add("team_member_permissions", !sameSet(s.TeamMemberPermissions, obs.TeamMemberPermissions)) {
		req.TeamMemberPermissions = litellm.Set(nonNil(s.TeamMemberPermissions))
	}
	if s.ModelAliases != nil && d.add("model_aliases", !jsonEqual(s.ModelAliases, obs.LiteLLMModelTable["model_aliases"])) {
		req.ModelAliases = litellm.Set(s.ModelAliases)
	}
	// LiteLLM keeps tags and guardrails inside metadata and adds keys of its own there: compare
	// only the spec's keys, and send them on top of what LiteLLM holds.
	if s.Tags != nil && d.add("tags", !sameSet(s.Tags, metadataStrings(obs.Metadata, "tags"))) {
		req.Tags = litellm.Set(nonNil(s.Tags))
	}
	if s.Guardrails != nil && d.add("guardrails", !sameSet(s.Guardrails, metadataStrings(obs.Metadata, "guardrails"))) {
		req.Guardrails = litellm.Set(nonNil(s.Guardrails))
	}
	if s.Metadata != nil && d.add("metadata", !subsetEqual(v1alpha1.JSONValues(s.Metadata), obs.Metadata)) {
		req.Metadata = litellm.Set(mergeMetadata(obs.Metadata, s.Metadata))
	}
}

func copyTeamStatus(t *v1alpha1.Team, team *litellm.Team) {
	st := &t.Status
	st.TeamID, st.TeamAlias = team.TeamID, team.TeamAlias
	st.Blocked = boolValue(team.Blocked)
	st.BudgetDuration, st.BudgetResetAt = team.BudgetDuration, formatTime(team.BudgetResetAt)
	st.MaxBudget, st.Spend = formatOptionalMoney(team.MaxBudget), formatMoney(team.Spend)
	st.Models = team.Models
	st.TPMLimit, st.RPMLimit, st.MaxParallelRequests = team.TPMLimit, team.RPMLimit, team.MaxParallelRequests
	st.OrganizationID = team.OrganizationID
	st.TeamMemberPermissions = team.TeamMemberPermissions
	st.Tags = emptyToNil(metadataStrings(team.Metadata, "tags"))
	st.ModelID = ""
	if team.ModelID != nil {
		st.ModelID = fmt.Sprint(team.ModelID)
	}
	st.LiteLLMModelTable = ""
	if len(team.LiteLLMModelTable) > 0 {
		st.LiteLLMModelTable = jsonString(team.LiteLLMModelTable)
	}
	st.CreatedAt, st.UpdatedAt = formatTime(team.CreatedAt), formatTime(team.UpdatedAt)
	st.MembersWithRole = nil
	for _, m := range team.MembersWithRoles {
		st.MembersWithRole = append(st.MembersWithRole, v1alpha1.TeamMemberWithRole{UserID: m.UserID, UserEmail: m.UserEmail, Role: m.Role})
	}
}

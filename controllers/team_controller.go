package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers/fields"
	"github.com/litellm-operator/litellm-operator/controllers/managed"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// RBAC (see virtualkey_controller.go): a Team owns nothing, so no finalizers permission.
// +kubebuilder:rbac:groups=auth.litellm.ai,resources=teams,verbs=list;watch;patch
// +kubebuilder:rbac:groups=auth.litellm.ai,resources=teams/status,verbs=patch

// EventKeysDeleted warns that LiteLLM deletes keys along with a team or a membership.
const EventKeysDeleted = "KeysDeleted"

type teamConnector struct {
	idPrefix string
	recorder events.EventRecorder
}

func (c *teamConnector) Connect(_ context.Context, lc *litellm.Client, t *v1alpha1.Team) (managed.External[*v1alpha1.Team], error) {
	id := objectID(c.idPrefix, t.Spec.TeamID, t.Annotations[v1alpha1.AnnotationTeamID], t.Namespace, t.Name)
	return &teamExternal{lc: lc, recorder: c.recorder, id: id}, nil
}

type teamExternal struct {
	lc       *litellm.Client
	recorder events.EventRecorder
	id       string
	observed *litellm.TeamInfoResponse
	plan     fields.Plan
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
	copyTeamStatus(t, &info.TeamInfo)
	e.plan = fields.Teams.Plan(t, &info.TeamInfo, t.Status.ManagedFields)
	if e.plan.Empty() {
		t.Status.ManagedFields = fields.Teams.Managed(t)
	}
	var unavailable string
	if fields.BoolValue(info.TeamInfo.Blocked) {
		unavailable = "the team is blocked: its keys are refused"
	}
	return managed.Observation{Exists: true, UpToDate: e.plan.Empty(), Diff: e.plan.Diff(), Unavailable: unavailable}, nil
}

func (e *teamExternal) Create(ctx context.Context, t *v1alpha1.Team) error {
	team, err := e.lc.NewTeam(ctx, fields.TeamNewRequest(t, e.id))
	if err != nil {
		return err // "already exists": the loop observes again and adopts our own earlier create
	}
	copyTeamStatus(t, team)
	t.Status.ManagedFields = fields.Teams.Managed(t)
	return nil
}

func (e *teamExternal) Update(ctx context.Context, t *v1alpha1.Team, _ managed.Observation) error {
	if e.plan.Writes() {
		req := litellm.TeamUpdateRequest{TeamID: e.id}
		fields.Teams.Apply(e.plan, t, &e.observed.TeamInfo, &req)
		resp, err := e.lc.UpdateTeam(ctx, req)
		if err != nil {
			return err
		}
		copyTeamStatus(t, &resp.Data)
	}
	warnNotCleared(e.recorder, t, e.plan.NotCleared)
	t.Status.ManagedFields = fields.Teams.Managed(t)
	return nil
}

// Delete deletes the team. LiteLLM deletes every key of the team with it: the Event says how many,
// and VirtualKeys that declare the team wait (DependencyMissing) instead of recreating them.
func (e *teamExternal) Delete(ctx context.Context, t *v1alpha1.Team) error {
	if n := len(e.observed.Keys); n > 0 {
		e.recorder.Eventf(t, nil, corev1.EventTypeWarning, EventKeysDeleted, "Delete",
			"deleting team %s in LiteLLM also deletes its %d keys", e.id, n)
	}
	if _, err := e.lc.DeleteTeams(ctx, e.id); err != nil && !litellm.IsNotFound(err) {
		return err
	}
	return nil
}

func copyTeamStatus(t *v1alpha1.Team, team *litellm.Team) {
	st := &t.Status
	st.TeamID, st.TeamAlias = team.TeamID, team.TeamAlias
	st.Blocked = fields.BoolValue(team.Blocked)
	st.BudgetDuration, st.BudgetResetAt = team.BudgetDuration, formatTime(team.BudgetResetAt)
	st.MaxBudget, st.Spend = formatOptionalMoney(team.MaxBudget), formatMoney(team.Spend)
	st.Models = team.Models
	st.TPMLimit, st.RPMLimit, st.MaxParallelRequests = team.TPMLimit, team.RPMLimit, team.MaxParallelRequests
	st.OrganizationID = team.OrganizationID
	st.TeamMemberPermissions = team.TeamMemberPermissions
	st.Tags = emptyToNil(fields.MetadataStrings(team.Metadata, "tags"))
	st.ModelID = ""
	if team.ModelID != nil {
		st.ModelID = fmt.Sprint(team.ModelID)
	}
	// /team/info of current releases leaves the model table out: keep what was last reported.
	if team.LiteLLMModelTable != nil {
		st.LiteLLMModelTable = jsonString(team.LiteLLMModelTable)
	}
	st.CreatedAt, st.UpdatedAt = formatTime(team.CreatedAt), formatTime(team.UpdatedAt)
	st.MembersWithRole = nil
	for _, m := range team.MembersWithRoles {
		st.MembersWithRole = append(st.MembersWithRole, v1alpha1.TeamMemberWithRole{UserID: m.UserID, UserEmail: m.UserEmail, Role: m.Role})
	}
}

package controllers

import (
	"context"
	"errors"
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
	idPrefix     string
	installation string
	recorder     events.EventRecorder
}

func (c *teamConnector) Connect(_ context.Context, p managed.Proxy, t *v1alpha1.Team) (managed.External[*v1alpha1.Team], error) {
	id := objectID(c.idPrefix, t.Spec.TeamID, t.Annotations[v1alpha1.AnnotationTeamID], t.Namespace, t.Name)
	return &teamExternal{lc: p.Client, recorder: c.recorder, id: id,
		tenancy: newTenancy(c.installation, kindTeam, t, p.Grant, c.idPrefix)}, nil
}

type teamExternal struct {
	lc       *litellm.Client
	recorder events.EventRecorder
	tenancy  tenancy
	id       string
	observed *litellm.TeamInfoResponse
	plan     fields.Plan
	// stamp says why the team, found without an owner stamp, is taken over ("" when it has ours).
	stamp string
}

// Check refuses, before any call, an ID of another object's derived form and what the grant does
// not allow.
func (e *teamExternal) Check(_ context.Context, t *v1alpha1.Team) error {
	return errors.Join(
		e.tenancy.checkIdentity("spec.teamID", t.Spec.TeamID),
		e.tenancy.checkIdentity("the annotation "+v1alpha1.AnnotationTeamID, t.Annotations[v1alpha1.AnnotationTeamID]),
		e.tenancy.checkModels("models", t.Spec.Models, t.Spec.ModelAliases),
		e.tenancy.checkOrganization(t.Spec.OrganizationID),
	)
}

// Observe reads the team by the ID chosen before it was created: a lost /team/new response is
// repaired by this read, never by a second create. A team that is not this object's is left alone.
func (e *teamExternal) Observe(ctx context.Context, t *v1alpha1.Team) (managed.Observation, error) {
	info, err := e.lc.TeamInfo(ctx, e.id)
	if litellm.IsNotFound(err) {
		return managed.Observation{}, nil
	}
	if err != nil {
		return managed.Observation{}, err
	}
	var proof string
	if e.id == derivedID(e.tenancy.idPrefix, t.Namespace, t.Name) {
		proof = "its ID is derived from this object's namespace and name"
	}
	what := fmt.Sprintf("team %q", e.id)
	v := e.tenancy.takeOver(e.tenancy.ownership(what, info.TeamInfo.Metadata, proof, info.TeamInfo.TeamAlias == t.Spec.TeamAlias),
		kindTeam, e.id, what, "")
	if v.refused() {
		return v.observation(), nil
	}
	e.stamp = v.stamp
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
	return managed.Observation{Exists: true, UpToDate: e.plan.Empty() && e.stamp == "", Diff: e.plan.Diff(), Unavailable: unavailable}, nil
}

func (e *teamExternal) Create(ctx context.Context, t *v1alpha1.Team) error {
	req := fields.TeamNewRequest(t, e.id)
	req.Metadata = e.tenancy.owner.Stamp(req.Metadata)
	team, err := e.lc.NewTeam(ctx, req)
	if err != nil {
		return err // "already exists": the loop observes again and adopts our own earlier create
	}
	copyTeamStatus(t, team)
	t.Status.ManagedFields = fields.Teams.Managed(t)
	return nil
}

func (e *teamExternal) Update(ctx context.Context, t *v1alpha1.Team, _ managed.Observation) error {
	if e.plan.Writes() || e.stamp != "" {
		req := litellm.TeamUpdateRequest{TeamID: e.id}
		fields.Teams.Apply(e.plan, t, &e.observed.TeamInfo, &req)
		if md, set := req.Metadata.Get(); set || e.stamp != "" {
			if !set {
				md = e.observed.TeamInfo.Metadata
			}
			req.Metadata = litellm.Set(e.tenancy.owner.Stamp(md))
		}
		resp, err := e.lc.UpdateTeam(ctx, req)
		if err != nil {
			return err
		}
		copyTeamStatus(t, &resp.Data)
		if e.stamp != "" {
			stamped(e.recorder, t, fmt.Sprintf("team %q", e.id), e.stamp)
		}
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

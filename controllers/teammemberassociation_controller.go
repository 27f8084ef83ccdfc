package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers/fields"
	"github.com/litellm-operator/litellm-operator/controllers/managed"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// RBAC (see virtualkey_controller.go): a TeamMemberAssociation owns nothing, so no finalizers permission.
// +kubebuilder:rbac:groups=auth.litellm.ai,resources=teammemberassociations,verbs=list;watch;patch
// +kubebuilder:rbac:groups=auth.litellm.ai,resources=teammemberassociations/status,verbs=patch

// waitForDependency is how soon an association looks again for a Team or User it waits for; the
// watches on Teams and Users usually wake it earlier.
const waitForDependency = 30 * time.Second

type membershipConnector struct {
	client       client.Client
	recorder     events.EventRecorder
	installation string
	idPrefix     string
}

// Connect resolves the team alias and the user email to LiteLLM IDs: through a Team or User
// object in the namespace with the same connection first, else through LiteLLM by exact match
// (for a granted object, among the teams and users its namespace owns or the grant lists).
func (c *membershipConnector) Connect(ctx context.Context, p managed.Proxy, m *v1alpha1.TeamMemberAssociation) (managed.External[*v1alpha1.TeamMemberAssociation], error) {
	lc := p.Client
	ext := &membershipExternal{lc: lc, recorder: c.recorder,
		tenancy: newTenancy(c.installation, "TeamMemberAssociation", m, p.Grant, c.idPrefix)}
	if !m.DeletionTimestamp.IsZero() {
		// Delete what was associated, as recorded (and checked again before anything is deleted);
		// a membership never made has nothing to delete.
		ext.teamID, ext.userID = m.Status.TeamID, m.Status.UserID
		return ext, nil
	}
	var err error
	if ext.teamID, err = c.resolveTeam(ctx, ext.tenancy, lc, m); err != nil {
		return nil, err
	}
	if ext.userID, err = c.resolveUser(ctx, ext.tenancy, lc, m); err != nil {
		return nil, err
	}
	m.Status.TeamID, m.Status.TeamAlias = ext.teamID, m.Spec.TeamAlias
	m.Status.UserID, m.Status.UserEmail = ext.userID, m.Spec.UserEmail
	return ext, nil
}

func (c *membershipConnector) resolveTeam(ctx context.Context, t tenancy, lc *litellm.Client, m *v1alpha1.TeamMemberAssociation) (string, error) {
	teams := &v1alpha1.TeamList{}
	if err := c.client.List(ctx, teams, client.InNamespace(m.Namespace)); err != nil {
		return "", err
	}
	for i := range teams.Items {
		t := &teams.Items[i]
		if t.Spec.TeamAlias == m.Spec.TeamAlias && equality.Semantic.DeepEqual(t.Spec.ConnectionRef, m.Spec.ConnectionRef) {
			if !isReady(t.Status.Conditions, t.Generation) || t.Status.TeamID == "" {
				return "", managed.Waiting(v1alpha1.ReasonWaiting, fmt.Sprintf("waiting for Team %s to be Ready", t.Name), waitForDependency)
			}
			return t.Status.TeamID, nil
		}
	}
	// Only the teams with the alias, page by page: never every team with its key rows
	// (compat: Listing teams).
	found, err := lc.TeamsByAlias(ctx, m.Spec.TeamAlias)
	if err != nil {
		return "", err
	}
	var ids []string
	for _, team := range found {
		if t.mayReference(kindTeam, team.TeamID, team.Metadata) {
			ids = append(ids, team.TeamID)
		}
	}
	switch len(ids) {
	case 1:
		return ids[0], nil
	case 0:
		return "", managed.Waiting(v1alpha1.ReasonDependencyMissing,
			fmt.Sprintf("no Team in this namespace and no LiteLLM team %shas the alias %q", t.scope(), m.Spec.TeamAlias), waitForDependency)
	default:
		return "", managed.Terminalf(v1alpha1.ReasonInvalidSpec,
			"%d LiteLLM teams %shave the alias %q: give the team a unique alias, or manage it with a Team object here",
			len(ids), t.scope(), m.Spec.TeamAlias)
	}
}

func (c *membershipConnector) resolveUser(ctx context.Context, t tenancy, lc *litellm.Client, m *v1alpha1.TeamMemberAssociation) (string, error) {
	users := &v1alpha1.UserList{}
	if err := c.client.List(ctx, users, client.InNamespace(m.Namespace)); err != nil {
		return "", err
	}
	for i := range users.Items {
		u := &users.Items[i]
		if strings.EqualFold(u.Spec.UserEmail, m.Spec.UserEmail) && equality.Semantic.DeepEqual(u.Spec.ConnectionRef, m.Spec.ConnectionRef) {
			if !isReady(u.Status.Conditions, u.Generation) || u.Status.UserID == "" {
				return "", managed.Waiting(v1alpha1.ReasonWaiting, fmt.Sprintf("waiting for User %s to be Ready", u.Name), waitForDependency)
			}
			return u.Status.UserID, nil
		}
	}
	// LiteLLM's email filter is a substring match: keep exact, case-insensitive matches only.
	found, err := lc.ListUsers(ctx, litellm.UserListOptions{UserEmail: m.Spec.UserEmail, PageSize: 100})
	if err != nil {
		return "", err
	}
	var ids []string
	for _, u := range found.Users {
		if strings.EqualFold(u.UserEmail, m.Spec.UserEmail) && t.mayReference(kindUser, u.UserID, u.Metadata) {
			ids = append(ids, u.UserID)
		}
	}
	switch len(ids) {
	case 1:
		return ids[0], nil
	case 0:
		return "", managed.Waiting(v1alpha1.ReasonDependencyMissing,
			fmt.Sprintf("no User in this namespace and no LiteLLM user %shas the email %q", t.scope(), m.Spec.UserEmail), waitForDependency)
	default:
		return "", managed.Terminalf(v1alpha1.ReasonInvalidSpec, "%d LiteLLM users %shave the email %q",
			len(ids), t.scope(), m.Spec.UserEmail)
	}
}

type membershipExternal struct {
	lc             *litellm.Client
	recorder       events.EventRecorder
	tenancy        tenancy
	teamID, userID string
	observed       fields.Member
	plan           fields.Plan
}

// Observe finds the membership in the team. While the association is being deleted, a team that
// is gone (or a membership never made) means there is nothing left to delete. A granted
// association manages a membership only when its namespace owns (or the grant lists) both the team
// and the user, whatever its status or the Team and User objects' status say: memberships carry no
// metadata in LiteLLM, so their ownership follows the team's and the user's.
func (e *membershipExternal) Observe(ctx context.Context, m *v1alpha1.TeamMemberAssociation) (managed.Observation, error) {
	deleting := !m.DeletionTimestamp.IsZero()
	if e.teamID == "" || e.userID == "" {
		return managed.Observation{}, nil
	}
	info, err := e.lc.TeamInfo(ctx, e.teamID)
	found := err == nil
	if err != nil && !litellm.IsNotFound(err) {
		return managed.Observation{}, err
	}
	if found && deleting && !e.tenancy.mayReference(kindTeam, e.teamID, info.TeamInfo.Metadata) {
		return managed.Observation{NotOurs: managed.Terminalf(v1alpha1.ReasonNotOwned,
			"team %q is not a team of this namespace: its members are not this object's to remove", e.teamID)}, nil
	}
	if !deleting {
		if err := e.tenancy.reference(ctx, kindTeam, e.teamID, known(found, func() map[string]any { return info.TeamInfo.Metadata })); err != nil {
			return managed.Observation{}, err
		}
	}
	switch {
	case !found && deleting:
		return managed.Observation{}, nil
	case !found:
		return managed.Observation{}, managed.Waiting(v1alpha1.ReasonDependencyMissing,
			fmt.Sprintf("team %s does not exist in LiteLLM", e.teamID), waitForDependency)
	}
	if err := e.tenancy.reference(ctx, kindUser, e.userID, lookup(e.lc, kindUser, e.userID)); err != nil {
		if deleting && isManagedError(err) {
			return managed.Observation{NotOurs: managed.Terminalf(v1alpha1.ReasonNotOwned,
				"user %q is not a user of this namespace: its memberships are not this object's to remove", e.userID)}, nil
		}
		return managed.Observation{}, err
	}
	shared, err := e.sharedOnly(ctx, info.TeamInfo.Metadata)
	switch {
	case err != nil:
		return managed.Observation{}, err
	case shared && deleting:
		return managed.Observation{NotOurs: managed.Terminalf(v1alpha1.ReasonNotOwned,
			"team %q and user %q are both shared by the grant policy: their membership is not this object's to remove", e.teamID, e.userID)}, nil
	case shared:
		return managed.Observation{}, e.tenancy.notPermitted(
			fmt.Sprintf("a membership of team %q and user %q, which the grant policy shares with every granted namespace", e.teamID, e.userID),
			"make the team or the user one of this namespace's, or ask the instance's owner to manage that membership")
	}
	i := slices.IndexFunc(info.TeamInfo.MembersWithRoles, func(mem litellm.TeamMember) bool { return mem.UserID == e.userID })
	if i < 0 {
		return managed.Observation{}, nil
	}
	e.observed.Role = info.TeamInfo.MembersWithRoles[i].Role
	for _, ms := range info.TeamMemberships {
		if ms.UserID == e.userID && ms.LiteLLMBudgetTable != nil {
			e.observed.MaxBudget = ms.LiteLLMBudgetTable.MaxBudget
		}
	}
	e.plan = fields.Members.Plan(m, &e.observed, m.Status.ManagedFields)
	if e.plan.Empty() {
		m.Status.ManagedFields = fields.Members.Managed(m)
	}
	return managed.Observation{Exists: true, UpToDate: e.plan.Empty(), Diff: e.plan.Diff()}, nil
}

// sharedOnly reports a membership whose team and user the namespace may use only because the
// grant policy lists both: it belongs to no granted namespace (the platform may have made it, or
// another namespace's association), so no association of this one adds, counts or removes it.
func (e *membershipExternal) sharedOnly(ctx context.Context, teamMetadata map[string]any) (bool, error) {
	t := e.tenancy
	if t.grant == nil || !t.lists(kindTeam, e.teamID) || !t.lists(kindUser, e.userID) || t.owner.InNamespace(teamMetadata, kindTeam) {
		return false, nil
	}
	md, found, err := lookup(e.lc, kindUser, e.userID)(ctx)
	if err != nil {
		return false, err
	}
	return !found || !t.owner.InNamespace(md, kindUser), nil
}

func (e *membershipExternal) Create(ctx context.Context, m *v1alpha1.TeamMemberAssociation) error {
	req := litellm.TeamMemberAddRequest{TeamID: e.teamID,
		Member: litellm.TeamMember{UserID: e.userID, UserEmail: m.Spec.UserEmail, Role: m.Spec.Role}}
	req.MaxBudgetInTeam = fields.Money(m.Spec.MaxBudgetInTeam)
	if _, err := e.lc.AddTeamMember(ctx, req); err != nil && !litellm.IsAlreadyExists(err) {
		return err
	}
	m.Status.ManagedFields = fields.Members.Managed(m)
	return nil
}

func (e *membershipExternal) Update(ctx context.Context, m *v1alpha1.TeamMemberAssociation, _ managed.Observation) error {
	if e.plan.Writes() {
		req := litellm.TeamMemberUpdateRequest{TeamID: e.teamID, UserID: e.userID}
		fields.Members.Apply(e.plan, m, &e.observed, &req)
		resp, err := e.lc.UpdateTeamMember(ctx, req)
		if err != nil {
			return err
		}
		if req.RemoveMaxBudgetInTeam && resp.MaxBudgetInTeam != nil {
			// A release that ignores the null keeps the budget (compat: Team members).
			e.plan.NotCleared = append(e.plan.NotCleared, "max_budget_in_team")
		}
	}
	warnNotCleared(e.recorder, m, e.plan.NotCleared)
	m.Status.ManagedFields = fields.Members.Managed(m)
	return nil
}

// Delete removes the membership. Current LiteLLM deletes the member's keys in the team with it;
// VirtualKeys that declare that user and team then wait with DependencyMissing rather than
// recreate them.
func (e *membershipExternal) Delete(ctx context.Context, m *v1alpha1.TeamMemberAssociation) error {
	e.recorder.Eventf(m, nil, corev1.EventTypeNormal, EventKeysDeleted, "Delete",
		"removing user %s from team %s; LiteLLM also deletes the user's keys in the team", e.userID, e.teamID)
	_, err := e.lc.DeleteTeamMember(ctx, litellm.TeamMemberDeleteRequest{TeamID: e.teamID, UserID: e.userID})
	if err != nil && !litellm.IsNotFound(err) {
		return err
	}
	return nil
}

func isReady(conditions []metav1.Condition, generation int64) bool {
	c := meta.FindStatusCondition(conditions, v1alpha1.ConditionTypeReady)
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == generation
}

// associationsNaming maps a Team or User event to the associations that name it (by team alias
// or user email, with the same connection), so an association waiting for it goes on as soon as
// it is Ready, and no other association is disturbed.
func associationsNaming(c client.Client) func(context.Context, client.Object) []reconcile.Request {
	return func(ctx context.Context, obj client.Object) []reconcile.Request {
		var names func(*v1alpha1.TeamMemberAssociation) bool
		switch o := obj.(type) {
		case *v1alpha1.Team:
			names = func(m *v1alpha1.TeamMemberAssociation) bool {
				return m.Spec.TeamAlias == o.Spec.TeamAlias && equality.Semantic.DeepEqual(m.Spec.ConnectionRef, o.Spec.ConnectionRef)
			}
		case *v1alpha1.User:
			names = func(m *v1alpha1.TeamMemberAssociation) bool {
				return strings.EqualFold(m.Spec.UserEmail, o.Spec.UserEmail) && equality.Semantic.DeepEqual(m.Spec.ConnectionRef, o.Spec.ConnectionRef)
			}
		default:
			return nil
		}
		list := &v1alpha1.TeamMemberAssociationList{}
		if err := c.List(ctx, list, client.InNamespace(obj.GetNamespace())); err != nil {
			return nil
		}
		var reqs []reconcile.Request
		for i := range list.Items {
			if names(&list.Items[i]) {
				reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
			}
		}
		return reqs
	}
}

// dependencyChanged passes the Team and User events an association can act on: creates, deletes,
// and updates of what an association reads of them (alias or email, LiteLLM ID, readiness), not
// every status write of a resync.
func dependencyChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return dependencyState(e.ObjectOld) != dependencyState(e.ObjectNew)
	}}
}

type dependency struct {
	name, id string
	ready    bool
}

func dependencyState(obj client.Object) dependency {
	switch o := obj.(type) {
	case *v1alpha1.Team:
		return dependency{o.Spec.TeamAlias, o.Status.TeamID, isReady(o.Status.Conditions, o.Generation)}
	case *v1alpha1.User:
		return dependency{strings.ToLower(o.Spec.UserEmail), o.Status.UserID, isReady(o.Status.Conditions, o.Generation)}
	}
	return dependency{}
}

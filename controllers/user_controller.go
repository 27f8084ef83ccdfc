package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers/managed"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// RBAC (see virtualkey_controller.go): users/finalizers because a User is the blocking owner of its
// auto-created VirtualKey, which it creates and deletes.
// +kubebuilder:rbac:groups=auth.litellm.ai,resources=users,verbs=list;watch;patch
// +kubebuilder:rbac:groups=auth.litellm.ai,resources=users/status,verbs=patch
// +kubebuilder:rbac:groups=auth.litellm.ai,resources=users/finalizers,verbs=update
// +kubebuilder:rbac:groups=auth.litellm.ai,resources=virtualkeys,verbs=create;delete

// UserKeySuffix names a User's own VirtualKey: "<user>-key".
const UserKeySuffix = "-key"

type userConnector struct {
	client   client.Client
	recorder events.EventRecorder
	idPrefix string
}

func (c *userConnector) Connect(ctx context.Context, lc *litellm.Client, u *v1alpha1.User) (managed.External[*v1alpha1.User], error) {
	id, err := objectID(ctx, c.client, c.recorder, u, c.idPrefix, u.Spec.UserID, v1alpha1.AnnotationUserID, u.Status.UserID)
	if err != nil {
		return nil, err
	}
	return &userExternal{connector: c, lc: lc, id: id}, nil
}

// Finalize deletes the User's own VirtualKey before the user: /user/delete deletes the user's keys
// itself, and the VirtualKey must not race it by recreating its key.
func (c *userConnector) Finalize(ctx context.Context, u *v1alpha1.User) (bool, error) {
	child := &v1alpha1.VirtualKey{}
	err := c.client.Get(ctx, client.ObjectKey{Namespace: u.Namespace, Name: u.Name + UserKeySuffix}, child)
	if apierrors.IsNotFound(err) || (err == nil && !metav1.IsControlledBy(child, u)) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if child.DeletionTimestamp.IsZero() {
		if err := c.client.Delete(ctx, child); client.IgnoreNotFound(err) != nil {
			return false, err
		}
	}
	return false, nil
}

type userExternal struct {
	connector *userConnector
	lc        *litellm.Client
	id        string
	observed  *litellm.User
}

// Observe reads the user by the ID chosen before it was created, so a lost /user/new response is
// repaired by this read, never by a second user.
func (e *userExternal) Observe(ctx context.Context, u *v1alpha1.User) (managed.Observation, error) {
	info, err := e.lc.UserInfo(ctx, e.id)
	if litellm.IsNotFound(err) {
		return managed.Observation{}, nil
	}
	if err != nil {
		return managed.Observation{}, err
	}
	e.observed = info.UserInfo
	if foundExisting(u, u.Status.UserID) {
		e.connector.recorder.Eventf(u, nil, corev1.EventTypeNormal, managed.EventAdopted, "Adopt",
			"user %s already existed in LiteLLM: it is now managed by this object, and the spec is applied to it", e.id)
	}
	copyUserStatus(u, info.UserInfo)
	_, d := userUpdate(u, info.UserInfo)
	d = append(d, e.missingTeams(u)...)
	return managed.Observation{Exists: true, UpToDate: len(d) == 0, Diff: d}, nil
}

func (e *userExternal) Create(ctx context.Context, u *v1alpha1.User) error {
	s := &u.Spec
	req := litellm.UserNewRequest{
		UserID: e.id, UserEmail: s.UserEmail, UserAlias: s.UserAlias, UserRole: s.UserRole,
		BudgetDuration: s.BudgetDuration, Models: s.Models, TPMLimit: s.TPMLimit, RPMLimit: s.RPMLimit,
		MaxParallelRequests: s.MaxParallelRequests, ModelMaxBudget: modelMaxBudget(s.ModelMaxBudget),
		Metadata: v1alpha1.JSONValues(s.Metadata), Aliases: s.Aliases, Permissions: v1alpha1.JSONValues(s.Permissions),
		AllowedCacheControls: s.AllowedCacheControls, Guardrails: s.Guardrails, Blocked: s.Blocked,
		SendInviteEmail: s.SendInviteEmail, SSOUserID: s.SSOUserID,
		// LiteLLM creates a key of its own by default; the User's key is a VirtualKey object instead.
		AutoCreateKey: new(bool),
	}
	req.ModelRPMLimit, _ = v1alpha1.ParseIntStrings(s.ModelRPMLimit)
	req.ModelTPMLimit, _ = v1alpha1.ParseIntStrings(s.ModelTPMLimit)
	req.MaxBudget, req.SoftBudget, req.Spend = moneyPtr(s.MaxBudget), moneyPtr(s.SoftBudget), moneyPtr(s.Spend)
	resp, err := e.lc.NewUser(ctx, req)
	if litellm.IsAlreadyExists(err) {
		return e.explainConflict(ctx, u, err)
	}
	if err != nil {
		return err
	}
	copyUserStatus(u, &resp.User)
	return e.joinTeams(ctx, u)
}

// explainConflict tells an email taken by another user (e.g. one who came in through SSO) from our
// own earlier create whose response was lost.
func (e *userExternal) explainConflict(ctx context.Context, u *v1alpha1.User, err error) error {
	found, lerr := e.lc.ListUsers(ctx, litellm.UserListOptions{UserEmail: u.Spec.UserEmail, PageSize: 100})
	if lerr != nil {
		return err
	}
	for _, other := range found.Users {
		if strings.EqualFold(other.UserEmail, u.Spec.UserEmail) && other.UserID != e.id {
			return managed.Terminalf(v1alpha1.ReasonEmailInUse,
				"the email %s belongs to LiteLLM user %s: set spec.userID to %q to manage that user, or use another email",
				u.Spec.UserEmail, other.UserID, other.UserID)
		}
	}
	return fmt.Errorf("user %s already exists; observing it again: %w", e.id, err)
}

func (e *userExternal) Update(ctx context.Context, u *v1alpha1.User, _ managed.Observation) error {
	req, d := userUpdate(u, e.observed)
	if len(d) > 0 {
		resp, err := e.lc.UpdateUser(ctx, req)
		if err != nil {
			return err
		}
		copyUserStatus(u, &resp.Data)
	}
	return e.joinTeams(ctx, u)
}

// Delete deletes the user. LiteLLM deletes the user's keys and memberships with it (§3.11).
func (e *userExternal) Delete(ctx context.Context, _ *v1alpha1.User) error {
	if _, err := e.lc.DeleteUsers(ctx, e.id); err != nil && !litellm.IsNotFound(err) {
		return err
	}
	return nil
}

// Finish keeps the User's own VirtualKey in line with the User once the user exists.
func (e *userExternal) Finish(ctx context.Context, u *v1alpha1.User) error {
	return e.connector.syncKey(ctx, u, e.id)
}

// missingTeams lists spec.teams the user is not in. Memberships are only ever added: /user/new
// ignores failures to join, and memberships made elsewhere are not the User's to remove.
func (e *userExternal) missingTeams(u *v1alpha1.User) []string {
	var missing []string
	for _, t := range u.Spec.Teams {
		if e.observed == nil || !slices.Contains(e.observed.Teams, t) {
			missing = append(missing, "team "+t)
		}
	}
	return missing
}

func (e *userExternal) joinTeams(ctx context.Context, u *v1alpha1.User) error {
	for _, team := range u.Spec.Teams {
		if e.observed != nil && slices.Contains(e.observed.Teams, team) {
			continue
		}
		_, err := e.lc.AddTeamMember(ctx, litellm.TeamMemberAddRequest{TeamID: team,
			Member: litellm.TeamMember{UserID: e.id, Role: litellm.RoleUser}})
		switch {
		case litellm.IsNotFound(err):
			return managed.Waiting(v1alpha1.ReasonDependencyMissing, fmt.Sprintf("team %s in spec.teams does not exist in LiteLLM", team), waitForDependency)
		case err != nil && !litellm.IsAlreadyExists(err):
			return err
		}
	}
	return nil
}

// userUpdate builds the /user/update request with only the fields that differ. LiteLLM ignores
// null, [] and {} there (except max_budget), so a field removed from the spec keeps its value.
func userUpdate(u *v1alpha1.User, obs *litellm.User) (litellm.UserUpdateRequest, diff) {
	s := &u.Spec
	req := litellm.UserUpdateRequest{UserID: obs.UserID}
	var d diff
	if d.add("user_email", !strings.EqualFold(s.UserEmail, obs.UserEmail)) {
		req.UserEmail = s.UserEmail
	}
	if s.UserAlias != "" && d.add("user_alias", s.UserAlias != obs.UserAlias) {
		req.UserAlias = s.UserAlias
	}
	if s.UserRole != "" && d.add("user_role", s.UserRole != obs.UserRole) {
		req.UserRole = s.UserRole
	}
	if s.MaxBudget != nil && d.add("max_budget", !floatEqual(money(s.MaxBudget), obs.MaxBudget)) {
		req.MaxBudget = litellm.Set(money(s.MaxBudget))
	}
	if s.SoftBudget != nil && obs.SoftBudget != nil && d.add("soft_budget", !floatEqual(money(s.SoftBudget), obs.SoftBudget)) {
		req.SoftBudget = moneyPtr(s.SoftBudget)
	}
	if s.BudgetDuration != "" && d.add("budget_duration", s.BudgetDuration != obs.BudgetDuration) {
		req.BudgetDuration = s.BudgetDuration
	}
	if len(s.Models) > 0 && d.add("models", !sameSet(s.Models, obs.Models)) {
		req.Models = s.Models
	}
	userLimitsUpdate(s, obs, &req, &d)
	return req, d
}

// userLimitsUpdate adds the rate limits, metadata, per-model budgets, cache controls and SSO ID.
func userLimitsUpdate(s *v1alpha1.UserSpec, obs *litellm.User, req *litellm.UserUpdateRequest, d *diff) {
	if s.TPMLimit != nil && d.add("tpm_limit", !intEqual(s.TPMLimit, obs.TPMLimit)) {
		req.TPMLimit = s.TPMLimit
	}
	if s.RPMLimit != nil && d.add("rpm_limit", !intEqual(s.RPMLimit, obs.RPMLimit)) {
		req.RPMLimit = s.RPMLimit
	}
	if s.MaxParallelRequests != nil && d.add("max_parallel_requests", !intEqual(s.MaxParallelRequests, obs.MaxParallelRequests)) {
		req.MaxParallelRequests = s.MaxParallelRequests
	}
	if len(s.Metadata) > 0 && d.add("metadata", !subsetEqual(v1alpha1.JSONValues(s.Metadata), obs.Metadata)) {
		req.Metadata = mergeMetadata(obs.Metadata, s.Metadata)
	}
	if len(s.ModelMaxBudget) > 0 && d.add("model_max_budget", !jsonEqual(modelMaxBudget(s.ModelMaxBudget), obs.ModelMaxBudget)) {
		req.ModelMaxBudget = modelMaxBudget(s.ModelMaxBudget)
	}
	if len(s.AllowedCacheControls) > 0 && d.add("allowed_cache_controls", !sameSet(s.AllowedCacheControls, obs.AllowedCacheControls)) {
		req.AllowedCacheControls = s.AllowedCacheControls
	}
	if s.SSOUserID != "" && d.add("sso_user_id", s.SSOUserID != obs.SSOUserID) {
		req.SSOUserID = s.SSOUserID
	}
}

func copyUserStatus(u *v1alpha1.User, user *litellm.User) {
	st := &u.Status
	st.UserID, st.UserEmail, st.UserAlias, st.UserRole = user.UserID, user.UserEmail, user.UserAlias, user.UserRole
	st.Teams = user.Teams
	st.MaxBudget, st.Spend = formatOptionalMoney(user.MaxBudget), formatMoney(user.Spend)
	st.SoftBudget = formatOptionalMoney(user.SoftBudget)
	st.BudgetDuration, st.BudgetResetAt = user.BudgetDuration, formatTime(user.BudgetResetAt)
	st.Models = user.Models
	st.TPMLimit, st.RPMLimit, st.MaxParallelRequests = user.TPMLimit, user.RPMLimit, user.MaxParallelRequests
	st.AllowedCacheControls = user.AllowedCacheControls
	st.CreatedAt, st.UpdatedAt = formatTime(user.CreatedAt), formatTime(user.UpdatedAt)
	st.CreatedBy, st.UpdatedBy = user.CreatedBy, user.UpdatedBy
	st.ModelMaxBudget = stringMap(user.ModelMaxBudget)
	st.Guardrails = emptyToNil(metadataStrings(user.Metadata, "guardrails"))
	st.Tags = emptyToNil(metadataStrings(user.Metadata, "tags"))
}

// syncKey makes the User's own VirtualKey match autoCreateKey: created, kept in line with the
// User (direct edits are put back), or deleted. A VirtualKey of that name that the User does not
// own is reported and left alone.
func (c *userConnector) syncKey(ctx context.Context, u *v1alpha1.User, userID string) error {
	name := client.ObjectKey{Namespace: u.Namespace, Name: u.Name + UserKeySuffix}
	child := &v1alpha1.VirtualKey{}
	err := c.client.Get(ctx, name, child)
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	exists := err == nil
	if exists && !metav1.IsControlledBy(child, u) {
		return managed.Terminalf(v1alpha1.ReasonInvalidSpec,
			"VirtualKey %s exists and is not owned by this User: rename or delete it to let autoCreateKey create the User's key", name.Name)
	}
	if !boolValue(u.Spec.AutoCreateKey) {
		u.Status.KeySecretRef, u.Status.KeyName, u.Status.KeyAlias, u.Status.Token, u.Status.Expires = "", "", "", "", ""
		if exists && child.DeletionTimestamp.IsZero() {
			return client.IgnoreNotFound(c.client.Delete(ctx, child))
		}
		return nil
	}

	desired := userKeySpec(u, userID)
	if !exists {
		child = &v1alpha1.VirtualKey{ObjectMeta: metav1.ObjectMeta{Namespace: name.Namespace, Name: name.Name}, Spec: desired}
		if err := controllerutil.SetControllerReference(u, child, c.client.Scheme()); err != nil {
			return err
		}
		if err := c.client.Create(ctx, child); err != nil {
			return fmt.Errorf("creating the User's VirtualKey %s: %w", name.Name, err)
		}
		c.recorder.Eventf(u, child, corev1.EventTypeNormal, managed.EventCreated, "Create", "created VirtualKey %s for the user", name.Name)
	} else if !equality.Semantic.DeepEqual(child.Spec, desired) {
		before := child.DeepCopy()
		child.Spec = desired
		if err := c.client.Patch(ctx, child, client.MergeFrom(before)); err != nil {
			return fmt.Errorf("updating the User's VirtualKey %s: %w", name.Name, err)
		}
	}
	st := &u.Status
	st.KeySecretRef = child.Status.KeySecretRef
	st.KeyName, st.KeyAlias, st.Token, st.Expires = child.Status.KeyName, child.Status.KeyAlias, child.Status.TokenID, child.Status.Expires
	st.Duration = child.Status.Duration
	return nil
}

// userKeySpec is the VirtualKey a User with autoCreateKey owns: same models, budget, durations,
// connection and user ID.
func userKeySpec(u *v1alpha1.User, userID string) v1alpha1.VirtualKeySpec {
	alias := u.Spec.KeyAlias
	if alias == "" {
		alias = userID
	}
	return v1alpha1.VirtualKeySpec{
		ConnectionRef:  u.Spec.ConnectionRef,
		KeyAlias:       alias,
		UserID:         userID,
		Models:         u.Spec.Models,
		MaxBudget:      u.Spec.MaxBudget,
		BudgetDuration: u.Spec.BudgetDuration,
		Duration:       u.Spec.Duration,
		DeletionPolicy: u.GetDeletionPolicy(),
	}
}

package controllers

import (
	"context"
	"errors"
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
	"github.com/litellm-operator/litellm-operator/controllers/fields"
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
	client       client.Client
	recorder     events.EventRecorder
	idPrefix     string
	installation string
}

func (c *userConnector) Connect(_ context.Context, p managed.Proxy, u *v1alpha1.User) (managed.External[*v1alpha1.User], error) {
	id := objectID(c.idPrefix, u.Spec.UserID, u.Annotations[v1alpha1.AnnotationUserID], u.Namespace, u.Name)
	return &userExternal{connector: c, lc: p.Client, id: id, tenancy: newTenancy(c.installation, kindUser, u, p.Grant, c.idPrefix)}, nil
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
	tenancy   tenancy
	id        string
	observed  *litellm.User
	plan      fields.Plan
	// stamp says why the user, found without an owner stamp, is taken over ("" when it has ours).
	stamp string
}

// Check refuses, before any call, an ID of another object's derived form and what the grant does
// not allow: a role, models, and the budget of the key autoCreateKey would make.
func (e *userExternal) Check(_ context.Context, u *v1alpha1.User) error {
	errs := []error{
		e.tenancy.checkIdentity("spec.userID", u.Spec.UserID),
		e.tenancy.checkIdentity("the annotation "+v1alpha1.AnnotationUserID, u.Annotations[v1alpha1.AnnotationUserID]),
		e.tenancy.checkUserRole(u.Spec.UserRole),
		e.tenancy.checkModels("models", u.Spec.Models, nil),
	}
	if fields.BoolValue(u.Spec.AutoCreateKey) {
		key := userKeySpec(u, e.id)
		errs = append(errs, e.tenancy.checkBudget(key.MaxBudget, key.BudgetID))
	}
	return errors.Join(errs...)
}

// Observe reads the user by the ID chosen before it was created, so a lost /user/new response is
// repaired by this read, never by a second user. A user that is not this object's is left alone.
func (e *userExternal) Observe(ctx context.Context, u *v1alpha1.User) (managed.Observation, error) {
	info, err := e.lc.UserInfo(ctx, e.id)
	if litellm.IsNotFound(err) {
		return managed.Observation{Ignored: fields.UserIgnored(u, nil)}, e.checkTeams(ctx, u)
	}
	if err != nil {
		return managed.Observation{}, err
	}
	var proof string
	if e.id == derivedID(e.tenancy.idPrefix, u.Namespace, u.Name) {
		proof = "its ID is derived from this object's namespace and name"
	}
	what := fmt.Sprintf("user %q", e.id)
	v := e.tenancy.takeOver(e.tenancy.ownership(what, info.UserInfo.Metadata, proof,
		strings.EqualFold(info.UserInfo.UserEmail, u.Spec.UserEmail)), kindUser, e.id, what, info.UserInfo.UserRole)
	if v.refused() {
		return v.observation(), nil
	}
	e.stamp = v.stamp
	e.observed = info.UserInfo
	copyUserStatus(u, info.UserInfo)
	e.plan = fields.Users.Plan(u, info.UserInfo, u.Status.ManagedFields)
	if e.plan.Empty() {
		u.Status.ManagedFields = fields.Users.Managed(u)
	}
	missing := e.missingTeams(u)
	if len(missing) > 0 && u.DeletionTimestamp.IsZero() {
		if err := e.checkTeams(ctx, u); err != nil {
			return managed.Observation{}, err
		}
	}
	upToDate := e.plan.Empty() && len(missing) == 0 && e.stamp == ""
	return managed.Observation{Exists: true, UpToDate: upToDate, Diff: append(e.plan.Diff(), missing...),
		Ignored: fields.UserIgnored(u, info.UserInfo)}, nil
}

// checkTeams refuses spec.teams that a granted User may not join, before the user is created or
// joins them: teams its namespace does not own and the grant does not list.
func (e *userExternal) checkTeams(ctx context.Context, u *v1alpha1.User) error {
	if !u.DeletionTimestamp.IsZero() {
		return nil
	}
	for _, team := range u.Spec.Teams {
		if e.observed != nil && slices.Contains(e.observed.Teams, team) {
			continue
		}
		if err := e.tenancy.reference(ctx, kindTeam, team, lookup(e.lc, kindTeam, team)); err != nil {
			return err
		}
	}
	return nil
}

func (e *userExternal) Create(ctx context.Context, u *v1alpha1.User) error {
	req := fields.UserNewRequest(u, e.id)
	req.Metadata = e.tenancy.owner.Stamp(req.Metadata)
	resp, err := e.lc.NewUser(ctx, req)
	if litellm.IsAlreadyExists(err) {
		return e.explainConflict(ctx, u, err)
	}
	if err != nil {
		return err
	}
	copyUserStatus(u, &resp.User)
	u.Status.ManagedFields = fields.Users.Managed(u)
	return e.joinTeams(ctx, u)
}

// explainConflict tells an email taken by another user (e.g. one who came in through SSO) from our
// own earlier create whose response was lost, which the loop observes again.
func (e *userExternal) explainConflict(ctx context.Context, u *v1alpha1.User, err error) error {
	found, lerr := e.lc.ListUsers(ctx, litellm.UserListOptions{UserEmail: u.Spec.UserEmail, PageSize: 100})
	if lerr != nil {
		return err
	}
	for _, other := range found.Users {
		if strings.EqualFold(other.UserEmail, u.Spec.UserEmail) && other.UserID != e.id {
			// The other user is not named: it may belong to another namespace, or to no one here.
			return managed.Terminalf(v1alpha1.ReasonEmailInUse,
				"the email %s belongs to another LiteLLM user: use another email, or ask the proxy's administrator about that user",
				u.Spec.UserEmail)
		}
	}
	return err
}

func (e *userExternal) Update(ctx context.Context, u *v1alpha1.User, _ managed.Observation) error {
	if e.plan.Writes() || e.stamp != "" {
		req := litellm.UserUpdateRequest{UserID: e.id}
		fields.Users.Apply(e.plan, u, e.observed, &req)
		if req.Metadata != nil || e.stamp != "" {
			md := req.Metadata
			if md == nil {
				md = e.observed.Metadata
			}
			// /user/update replaces a non-empty metadata object whole: the stamp goes with it.
			req.Metadata = e.tenancy.owner.Stamp(md)
		}
		resp, err := e.lc.UpdateUser(ctx, req)
		if err != nil {
			return err
		}
		copyUserStatus(u, &resp.Data)
		if e.stamp != "" {
			stamped(e.connector.recorder, u, fmt.Sprintf("user %q", e.id), e.stamp)
		}
	}
	warnNotCleared(e.connector.recorder, u, e.plan.NotCleared)
	u.Status.ManagedFields = fields.Users.Managed(u)
	return e.joinTeams(ctx, u)
}

// Delete deletes the user. LiteLLM deletes the user's keys and memberships with it.
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
	st.Guardrails = emptyToNil(fields.MetadataStrings(user.Metadata, "guardrails"))
	st.Tags = emptyToNil(fields.MetadataStrings(user.Metadata, "tags"))
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
	if !fields.BoolValue(u.Spec.AutoCreateKey) {
		u.Status.KeySecretRef, u.Status.KeyName, u.Status.KeyAlias, u.Status.Token, u.Status.Expires = "", "", "", "", ""
		if exists && child.DeletionTimestamp.IsZero() {
			return client.IgnoreNotFound(c.client.Delete(ctx, child))
		}
		return nil
	}

	desired := userKeySpec(u, userID)
	if !exists {
		child = &v1alpha1.VirtualKey{ObjectMeta: metav1.ObjectMeta{Namespace: name.Namespace, Name: name.Name}, Spec: desired}
		if secret := u.Annotations[v1alpha1.AnnotationKeySecret]; secret != "" {
			// The User's key Secret from the operator this one replaces: its VirtualKey takes it over.
			child.Annotations = map[string]string{v1alpha1.AnnotationKeySecret: secret}
		}
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

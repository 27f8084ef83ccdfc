package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers/managed"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// Event reasons of VirtualKeys beyond the shared loop's.
const (
	EventRotating  = "Rotating"
	EventRotated   = "Rotated"
	EventUnmanaged = "FieldNotCleared"
)

// RBAC: the operator reads its kinds from the cache (list, watch) and writes them only with patches;
// test/olm records every check a run makes and compares it with these rules. update on
// virtualkeys/finalizers is what OwnerReferencesPermissionEnforcement (on in OpenShift) asks for when
// a key Secret names its VirtualKey as a blocking owner. Secrets: get reads keyFrom, connection and
// legacy Secrets directly; delete is asked by the same plugin when adopting a legacy key Secret moves
// its controller reference. Events: patch continues a series of repeated Events.
// +kubebuilder:rbac:groups=auth.litellm.ai,resources=virtualkeys,verbs=list;watch;patch
// +kubebuilder:rbac:groups=auth.litellm.ai,resources=virtualkeys/status,verbs=patch
// +kubebuilder:rbac:groups=auth.litellm.ai,resources=virtualkeys/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// virtualKeyConnector starts a VirtualKey reconcile: it makes sure the key Secret exists first.
type virtualKeyConnector struct {
	client    client.Client
	apiReader client.Reader
	recorder  events.EventRecorder
	now       func() time.Time
}

func (c *virtualKeyConnector) Connect(ctx context.Context, lc *litellm.Client, vk *v1alpha1.VirtualKey) (managed.External[*v1alpha1.VirtualKey], error) {
	ks, err := c.ensureKeySecret(ctx, vk, lc.BaseURL())
	if err != nil {
		return nil, err
	}
	if ks.secret != nil {
		vk.Status.KeySecretRef = ks.secret.Name
		if vk.DeletionTimestamp.IsZero() && vk.Spec.KeyFrom == nil { // never touch the user's Secret
			if err := c.syncSecretTemplate(ctx, vk, ks.secret, lc.BaseURL()); err != nil {
				return nil, err
			}
		}
	}
	setNextRotation(vk)
	return &virtualKeyExternal{connector: c, lc: lc, secret: ks}, nil
}

// virtualKeyExternal is one reconcile of one VirtualKey against LiteLLM.
type virtualKeyExternal struct {
	connector *virtualKeyConnector
	lc        *litellm.Client
	secret    *keySecret

	// Found by Observe, used by Create and Update.
	observed *litellm.Key
	// previous is the key this object held before a rotation, still in LiteLLM.
	previous string
	// previousName is the redacted form of the key status named before this reconcile.
	previousName string
}

// hash is the token of the key in the Secret.
func (e *virtualKeyExternal) hash() string { return litellm.HashKey(e.secret.raw) }

// Observe finds the key by the hash of the Secret's key first, then by alias: a lost
// /key/generate response is repaired by adopting the key, never by creating a second one.
func (e *virtualKeyExternal) Observe(ctx context.Context, vk *v1alpha1.VirtualKey) (managed.Observation, error) {
	hash := e.hash()
	prev := vk.Status.TokenID
	e.previousName = vk.Status.KeyName
	if e.secret.fresh && prev == "" {
		// A key generated in this reconcile cannot be in LiteLLM yet: go straight to one
		// /key/generate. If its alias is taken, LiteLLM refuses it and the next reconcile's
		// full observation reports AliasInUse.
		return managed.Observation{}, nil
	}
	info, err := e.lc.KeyInfo(ctx, hash)
	switch {
	case err == nil:
		key := info.Info
		key.Token = hash
		e.observed = &key
		if prev != "" && prev != hash {
			e.previous = prev // a rotation that stopped before deleting the old key
		}
		e.copyStatus(vk, &key)
		diff := e.diff(vk, &key)
		if e.previous != "" {
			diff = append(diff, "previous key")
			// Until the rotation is finished, status keeps naming the previous key: a failure on
			// the way must not make the operator forget it.
			vk.Status.KeyID, vk.Status.Token, vk.Status.TokenID = prev, prev, prev
			vk.Status.KeyName = e.previousName
		}
		// A renewal is not a spec change: it has its own Event, not in diff.
		return managed.Observation{Exists: true, UpToDate: len(diff) == 0 && !renewRequested(vk), Diff: diff, Unavailable: unavailable(&key, e.connector.now())}, nil
	case !litellm.IsNotFound(err):
		return managed.Observation{}, err
	}

	holders, err := e.lc.ListKeys(ctx, litellm.KeyListOptions{KeyAlias: vk.Spec.KeyAlias, ReturnFullObject: true, Size: 100})
	if err != nil {
		return managed.Observation{}, err
	}
	for _, k := range holders.Keys {
		if prev != "" && k.Token == prev && prev != hash {
			e.previous = prev
			continue
		}
		return managed.Observation{}, managed.Terminalf(v1alpha1.ReasonAliasInUse,
			"key alias %q belongs to another LiteLLM key (%s) that this VirtualKey does not own: choose another keyAlias, or delete that key in LiteLLM",
			vk.Spec.KeyAlias, k.KeyName)
	}
	return managed.Observation{Exists: false}, nil
}

func (e *virtualKeyExternal) Create(ctx context.Context, vk *v1alpha1.VirtualKey) error {
	if err := e.checkDependencies(ctx, vk); err != nil {
		return err
	}
	req := generateRequest(vk, e.secret.raw)
	if e.previous != "" {
		// The previous key still holds the alias and LiteLLM refuses a second key with it: issue
		// the new key without alias, delete the old one, then move the alias. Each step is safe to
		// repeat after a crash: re-sending the same key without alias creates nothing new.
		req.KeyAlias = ""
	}
	resp, err := e.lc.GenerateKey(ctx, req)
	if err != nil {
		return err
	}
	key := resp.Key
	key.Token = e.hash()
	if e.previous != "" {
		if err := e.finishRotation(ctx, vk, &key); err != nil {
			return err
		}
	}
	e.copyStatus(vk, &key)
	e.recordApplied(vk)
	// A new key gets its expiry from spec.duration: a pending renewal is done with it.
	vk.Status.RenewRequest = vk.Annotations[v1alpha1.AnnotationRenew]
	return nil
}

// finishRotation gives the alias to the new key and deletes the previous one: at once, or, with
// a grace period, once it is over (the previous key first gives up the alias).
func (e *virtualKeyExternal) finishRotation(ctx context.Context, vk *v1alpha1.VirtualKey, key *litellm.Key) error {
	grace := gracePeriod(vk)
	if grace > 0 {
		if err := e.retire(ctx, vk, e.previous, e.previousName, grace); err != nil {
			return err
		}
	} else if _, err := e.lc.DeleteKeys(ctx, litellm.KeyDeleteRequest{Keys: []string{e.previous}}); err != nil && !litellm.IsNotFound(err) {
		return err
	}
	if key.KeyAlias != vk.Spec.KeyAlias {
		updated, err := e.lc.UpdateKey(ctx, litellm.KeyUpdateRequest{Key: e.hash(), KeyAlias: litellm.Set(vk.Spec.KeyAlias)})
		if err != nil {
			return err
		}
		*key = *updated
		key.Token = e.hash()
	}
	oldName := e.previousName
	e.previous = ""
	vk.Status.KeyID, vk.Status.Token, vk.Status.TokenID = e.hash(), e.hash(), e.hash()
	vk.Status.KeyName = litellm.KeyName(e.secret.raw)
	vk.Status.LastRotation = e.connector.now().UTC().Format(time.RFC3339)
	vk.Status.RotationRequest = vk.Annotations[v1alpha1.AnnotationRotate]
	setNextRotation(vk)
	if grace > 0 {
		e.connector.recorder.Eventf(vk, nil, corev1.EventTypeNormal, EventRotated, "Rotate",
			"the key is now %s; the previous key %s stays valid for the grace period of %s, then it is deleted from LiteLLM",
			litellm.KeyName(e.secret.raw), oldName, grace)
		return nil
	}
	e.connector.recorder.Eventf(vk, nil, corev1.EventTypeNormal, EventRotated, "Rotate",
		"the key is now %s; the previous key %s was deleted from LiteLLM", litellm.KeyName(e.secret.raw), oldName)
	return nil
}

func (e *virtualKeyExternal) Update(ctx context.Context, vk *v1alpha1.VirtualKey, _ managed.Observation) error {
	key := e.observed
	if e.previous != "" {
		if err := e.finishRotation(ctx, vk, key); err != nil {
			return err
		}
	}
	req := litellm.KeyUpdateRequest{Key: e.hash()}
	renewBefore := vk.Status.RenewRequest
	renewing := e.renew(vk, &req)
	changed := renewing
	for _, f := range keyFields {
		switch {
		case f.isSet(&vk.Spec) && !f.upToDate(&vk.Spec, key, &vk.Status):
			f.apply(&vk.Spec, key, &req)
			changed = true
		case !f.isSet(&vk.Spec) && slices.Contains(vk.Status.ManagedFields, f.name):
			if f.clear == nil {
				e.connector.recorder.Eventf(vk, nil, corev1.EventTypeWarning, EventUnmanaged, "Update",
					"%s was removed from the spec but LiteLLM cannot clear it on a key; it keeps its value and is no longer managed", f.name)
				continue
			}
			f.clear(&req)
			changed = true
		}
	}
	if changed {
		updated, err := e.lc.UpdateKey(ctx, req)
		if err != nil {
			if renewing {
				vk.Status.RenewRequest = renewBefore // not honoured: try again
			}
			return err
		}
		*key = *updated
		key.Token = e.hash()
		if renewing {
			e.connector.recorder.Eventf(vk, nil, corev1.EventTypeNormal, EventRenewed, "Renew",
				"%s=%q: re-sent duration %s, the key now expires at %s", v1alpha1.AnnotationRenew, vk.Status.RenewRequest,
				vk.Spec.Duration, formatTime(key.Expires))
		}
	}
	if want, ok := desiredBlocked(vk); ok && boolValue(key.Blocked) != want {
		call := e.lc.UnblockKey
		if want {
			call = e.lc.BlockKey
		}
		updated, err := call(ctx, e.hash())
		if err != nil {
			return err
		}
		*key = *updated
		key.Token = e.hash()
	}
	e.copyStatus(vk, key)
	e.recordApplied(vk)
	return nil
}

// Delete removes the Secret's key and, after an interrupted rotation, the previous one. A key that
// was never created, or is already gone, counts as deleted.
func (e *virtualKeyExternal) Delete(ctx context.Context, vk *v1alpha1.VirtualKey) error {
	var tokens []string
	if e.secret.raw != "" {
		tokens = append(tokens, e.hash())
	}
	if t := vk.Status.TokenID; t != "" && !slices.Contains(tokens, t) {
		tokens = append(tokens, t)
	}
	for _, r := range vk.Status.RetiringKeys {
		if !slices.Contains(tokens, r.TokenID) {
			tokens = append(tokens, r.TokenID)
		}
	}
	if len(tokens) == 0 {
		return nil
	}
	if _, err := e.lc.DeleteKeys(ctx, litellm.KeyDeleteRequest{Keys: tokens}); err != nil && !litellm.IsNotFound(err) {
		return err
	}
	return nil
}

// diff names the fields where LiteLLM differs from the spec, or that must be cleared.
func (e *virtualKeyExternal) diff(vk *v1alpha1.VirtualKey, key *litellm.Key) []string {
	var diff []string
	for _, f := range keyFields {
		set := f.isSet(&vk.Spec)
		if (set && !f.upToDate(&vk.Spec, key, &vk.Status)) || (!set && f.clear != nil && slices.Contains(vk.Status.ManagedFields, f.name)) {
			diff = append(diff, f.name)
		}
	}
	if want, ok := desiredBlocked(vk); ok && boolValue(key.Blocked) != want {
		diff = append(diff, "blocked")
	}
	return diff
}

// checkDependencies keeps a key from being created for a user or team that does not exist in
// LiteLLM (e.g. after a team was deleted, which deletes its keys): the key comes back when they do.
func (e *virtualKeyExternal) checkDependencies(ctx context.Context, vk *v1alpha1.VirtualKey) error {
	if id := vk.Spec.UserID; id != "" {
		if _, err := e.lc.UserInfo(ctx, id); litellm.IsNotFound(err) {
			return managed.Waiting(v1alpha1.ReasonDependencyMissing,
				fmt.Sprintf("user %q does not exist in LiteLLM; the key is created once it does", id), time.Minute)
		} else if err != nil {
			return err
		}
	}
	if id := vk.Spec.TeamID; id != "" {
		team, err := e.lc.TeamInfo(ctx, id)
		if litellm.IsNotFound(err) {
			return managed.Waiting(v1alpha1.ReasonDependencyMissing,
				fmt.Sprintf("team %q does not exist in LiteLLM; the key is created once it does", id), time.Minute)
		} else if err != nil {
			return err
		}
		// Removing a member from a team deletes the member's keys in it (current LiteLLM): a key
		// for a user who is no longer a member is not brought back.
		if user := vk.Spec.UserID; user != "" && !slices.ContainsFunc(team.TeamInfo.MembersWithRoles, func(m litellm.TeamMember) bool { return m.UserID == user }) {
			return managed.Waiting(v1alpha1.ReasonDependencyMissing,
				fmt.Sprintf("user %q is not a member of team %q in LiteLLM; the key is created once it is", user, id), time.Minute)
		}
	}
	return nil
}

// recordApplied remembers what the spec set, for fields LiteLLM does not report and for clearing
// fields that are later removed from the spec.
func (e *virtualKeyExternal) recordApplied(vk *v1alpha1.VirtualKey) {
	vk.Status.Duration = vk.Spec.Duration
	vk.Status.SoftBudget = ""
	if vk.Spec.SoftBudget != nil {
		vk.Status.SoftBudget = *vk.Spec.SoftBudget
	}
	vk.Status.ManagedFields = managedKeyFields(&vk.Spec)
}

// copyStatus copies LiteLLM's view of the key into the status. Never the raw key: token fields
// hold the hash, keyName the redacted form.
func (e *virtualKeyExternal) copyStatus(vk *v1alpha1.VirtualKey, k *litellm.Key) {
	st := &vk.Status
	st.KeyID, st.Token, st.TokenID = k.Token, k.Token, k.Token
	st.KeyName = k.KeyName
	if st.KeyName == "" {
		st.KeyName = litellm.KeyName(e.secret.raw)
	}
	st.KeyAlias = k.KeyAlias
	st.Spend = formatMoney(k.Spend)
	st.CurrentSpend = st.Spend
	st.MaxBudget = formatOptionalMoney(k.MaxBudget)
	st.Expires = formatTime(k.Expires)
	st.ExpiryDate = st.Expires
	st.BudgetDuration = k.BudgetDuration
	st.BudgetResetAt = formatTime(k.BudgetResetAt)
	st.BudgetID = k.BudgetID
	st.Blocked = boolValue(k.Blocked)
	st.Models = k.Models
	st.TPMLimit, st.RPMLimit, st.MaxParallelRequests = k.TPMLimit, k.RPMLimit, k.MaxParallelRequests
	st.UserID, st.TeamID = k.UserID, k.TeamID
	st.Aliases = stringMap(k.Aliases)
	st.Config = stringMap(k.Config)
	st.Permissions = stringMap(k.Permissions)
	st.AllowedCacheControls = k.AllowedCacheControls
	st.AllowedRoutes = k.AllowedRoutes
	st.Tags = emptyToNil(metadataList(k, "tags"))
	st.Guardrails = emptyToNil(metadataList(k, "guardrails"))
	st.EnforcedParams = emptyToNil(metadataList(k, "enforced_params"))
	st.CreatedAt, st.UpdatedAt = formatTime(k.CreatedAt), formatTime(k.UpdatedAt)
	st.CreatedBy, st.UpdatedBy = k.CreatedBy, k.UpdatedBy
	st.LiteLLMBudgetTable = ""
	if k.LiteLLMBudgetTable != nil {
		st.LiteLLMBudgetTable = budgetTableJSON(k.LiteLLMBudgetTable)
	}
	st.IsActive = unavailable(k, e.connector.now()) == ""
}

// unavailable says why the key cannot be used now, or "" when it can.
func unavailable(k *litellm.Key, now time.Time) string {
	var why []string
	if boolValue(k.Blocked) {
		why = append(why, "the key is blocked")
	}
	if k.Expires != nil && !k.Expires.IsZero() && !k.Expires.After(now) {
		why = append(why, "the key expired at "+formatTime(k.Expires))
	}
	if k.MaxBudget != nil && k.Spend >= *k.MaxBudget {
		why = append(why, fmt.Sprintf("the budget is used up (spend %s of max %s)", formatMoney(k.Spend), formatMoney(*k.MaxBudget)))
	}
	return strings.Join(why, "; ")
}

// generateRequest maps the spec to /key/generate, including the creation-only fields.
func generateRequest(vk *v1alpha1.VirtualKey, raw string) litellm.KeyGenerateRequest {
	s := &vk.Spec
	req := litellm.KeyGenerateRequest{
		Key: raw, KeyAlias: s.KeyAlias, Duration: s.Duration, Models: s.Models,
		BudgetDuration: s.BudgetDuration, UserID: s.UserID, TeamID: s.TeamID, BudgetID: s.BudgetID,
		TPMLimit: s.TPMLimit, RPMLimit: s.RPMLimit, MaxParallelRequests: s.MaxParallelRequests,
		ModelRPMLimit: s.ModelRPMLimit, ModelTPMLimit: s.ModelTPMLimit, ModelMaxBudget: modelMaxBudget(s.ModelMaxBudget),
		Metadata: v1alpha1.JSONValues(s.Metadata), Aliases: s.Aliases,
		Config: v1alpha1.JSONValues(s.Config), Permissions: v1alpha1.JSONValues(s.Permissions),
		AllowedCacheControls: s.AllowedCacheControls, AllowedRoutes: s.AllowedRoutes,
		Guardrails: s.Guardrails, Tags: s.Tags, EnforcedParams: s.EnforcedParams,
		Blocked: s.Blocked, SendInviteEmail: s.SendInviteEmail,
	}
	req.MaxBudget, req.SoftBudget, req.Spend = moneyPtr(s.MaxBudget), moneyPtr(s.SoftBudget), moneyPtr(s.Spend)
	return req
}

// desiredBlocked is always managed: a key blocked outside the operator is unblocked on resync, so
// revoking a key is done the Kubernetes way (spec.blocked, or rotation) and shows in Git.
func desiredBlocked(vk *v1alpha1.VirtualKey) (want, managedField bool) {
	return boolValue(vk.Spec.Blocked), true
}

func boolValue(b *bool) bool { return b != nil && *b }

func emptyToNil(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

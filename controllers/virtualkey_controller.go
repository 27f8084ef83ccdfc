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
	"github.com/litellm-operator/litellm-operator/controllers/fields"
	"github.com/litellm-operator/litellm-operator/controllers/keyvalues"
	"github.com/litellm-operator/litellm-operator/controllers/managed"
	"github.com/litellm-operator/litellm-operator/controllers/ownership"
	"github.com/litellm-operator/litellm-operator/pkg/connection"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// Event reasons of VirtualKeys beyond the shared loop's.
const (
	EventRotating = "Rotating"
	EventRotated  = "Rotated"
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
	client       client.Client
	apiReader    client.Reader
	recorder     events.EventRecorder
	now          func() time.Time
	installation string
	idPrefix     string
	// secrets tells key Secrets unchanged since the operator last saw their data.
	secrets keySecretMemory
	// keyValues says, per proxy, whether the operator or LiteLLM chooses key values.
	keyValues *keyvalues.Chooser
}

func (c *virtualKeyConnector) Connect(ctx context.Context, p managed.Proxy, vk *v1alpha1.VirtualKey) (managed.External[*v1alpha1.VirtualKey], error) {
	lc := p.Client
	t := newTenancy(c.installation, kindVirtualKey, vk, p.Grant, c.idPrefix)
	if vk.DeletionTimestamp.IsZero() {
		// What the grant does not allow is refused before anything is made, the key Secret included.
		if err := t.checkKeySpec(&vk.Spec); err != nil {
			return nil, err
		}
	}
	ks, err := c.ensureKeySecret(ctx, vk, lc.BaseURL(), c.keyValues.Generates(lc.BaseURL()), func(token string) (bool, error) {
		info, err := lc.KeyInfo(ctx, token)
		if litellm.IsNotFound(err) {
			return true, nil // nothing to stamp: the rotation recreates the key
		}
		if err != nil {
			return false, err
		}
		return t.owner.Claim(info.Info.Metadata) == ownership.Ours, nil
	})
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
	return &virtualKeyExternal{connector: c, lc: lc, secret: ks, tenancy: t, enterprise: p.Enterprise}, nil
}

// virtualKeyExternal is one reconcile of one VirtualKey against LiteLLM.
type virtualKeyExternal struct {
	connector *virtualKeyConnector
	lc        *litellm.Client
	secret    *keySecret
	tenancy   tenancy
	// enterprise reports that the connection declares the proxy licensed for Enterprise.
	enterprise bool

	// Found by Observe, used by Create and Update.
	observed *litellm.Key
	plan     fields.Plan
	// stamp says why the key, found without an owner stamp, is taken over ("" when it has ours).
	stamp string
	// previous is the key status named before a rotation that has not finished; previousOurs
	// reports that LiteLLM holds it with this object's stamp, so it may be retired or deleted.
	previous     string
	previousOurs bool
	// previousName is the redacted form of the key status named before this reconcile.
	previousName string
	// deletable are the keys Delete deletes: those LiteLLM records as this object's.
	deletable []string
	// aliasChecked reports that checkAliasHolders ran (Observe skips it for a key just chosen).
	aliasChecked bool
}

// hash is the token of the key in the Secret.
func (e *virtualKeyExternal) hash() string { return e.secret.token }

// Observe finds the key by the hash of the Secret's key first, then by alias: a lost
// /key/generate response is repaired by adopting the key, never by creating a second one. Before a
// create it checks that the key's user and team exist.
func (e *virtualKeyExternal) Observe(ctx context.Context, vk *v1alpha1.VirtualKey) (managed.Observation, error) {
	if !vk.DeletionTimestamp.IsZero() {
		return e.observeForDeletion(ctx, vk)
	}
	hash := e.hash()
	prev := vk.Status.TokenID
	e.previousName = vk.Status.KeyName
	if e.secret.fresh && prev == "" {
		// A key generated in this reconcile cannot be in LiteLLM yet: go straight to one
		// /key/generate. If LiteLLM refuses it because its alias is taken, the loop observes
		// again, for real this time, and reports AliasInUse.
		e.secret.fresh = false
		return managed.Observation{Unavailable: e.enforcedParamsRefused(vk)}, e.checkDependencies(ctx, vk)
	}
	info, err := e.secretKeyInfo(ctx, hash)
	switch {
	case err == nil:
		key := info.Info
		key.Token = hash
		v, err := e.keyOwnership(ctx, &key)
		switch {
		case err != nil:
			return managed.Observation{}, err
		case v.refused():
			return v.observation(), nil
		}
		e.stamp = v.stamp
		e.observed = &key
		if e.secret.rotate != "" {
			// LiteLLM generates the replacement: Create makes it, then retires this key, which
			// holds the alias.
			e.previous, e.previousOurs, e.previousName = hash, true, key.KeyName
			e.aliasChecked = true
			return managed.Observation{Unavailable: e.enforcedParamsRefused(vk)}, e.checkDependencies(ctx, vk)
		}
		if prev != "" && prev != hash {
			// A rotation that stopped before deleting the old key; status is only a hint.
			if err := e.checkPrevious(ctx, vk, prev); err != nil {
				return managed.Observation{}, err
			}
		}
		e.copyStatus(vk, &key)
		e.plan = fields.Keys.Plan(vk, &key, vk.Status.ManagedFields)
		if err := e.checkChangedReferences(ctx, vk); err != nil {
			return managed.Observation{}, err
		}
		diff := e.plan.Diff()
		if blockedDiffers(vk, &key) {
			diff = append(diff, "blocked")
		}
		if e.previous != "" {
			diff = append(diff, "previous key")
			// Until the rotation is finished, status keeps naming the previous key: a failure on
			// the way must not make the operator forget it.
			vk.Status.KeyID, vk.Status.Token, vk.Status.TokenID = prev, prev, prev
			vk.Status.KeyName = e.previousName
		}
		if e.plan.Empty() {
			vk.Status.ManagedFields = fields.KeyManaged(vk)
		}
		// A renewal is not a spec change: it has its own Event, not in diff.
		upToDate := len(diff) == 0 && e.plan.Empty() && !renewRequested(vk) && e.stamp == ""
		why := strings.Join(slices.DeleteFunc([]string{unavailable(&key, e.connector.now()), e.enforcedParamsRefused(vk)},
			func(s string) bool { return s == "" }), "; ")
		return managed.Observation{Exists: true, UpToDate: upToDate, Diff: diff, Unavailable: why,
			Ignored: fields.KeyIgnored(vk)}, nil
	case !litellm.IsNotFound(err):
		return managed.Observation{}, err
	}

	if err := e.checkAliasHolders(ctx, vk, hash, prev); err != nil {
		return managed.Observation{}, err
	}
	return managed.Observation{Unavailable: e.enforcedParamsRefused(vk)}, e.checkDependencies(ctx, vk)
}

// checkAliasHolders finds the keys holding spec.keyAlias that are not the Secret's key (hash):
// this object's earlier key becomes the previous key of a rotation; another key is AliasInUse.
func (e *virtualKeyExternal) checkAliasHolders(ctx context.Context, vk *v1alpha1.VirtualKey, hash, prev string) error {
	holders, err := e.lc.ListKeys(ctx, litellm.KeyListOptions{KeyAlias: vk.Spec.KeyAlias, ReturnFullObject: true, Size: 100})
	if err != nil {
		return err
	}
	for _, k := range holders.Keys {
		if k.Token != hash && e.tenancy.owner.Claim(k.Metadata) == ownership.Ours {
			// This object's earlier key (status may have lost it): the rotation replaces it.
			e.previous, e.previousOurs = k.Token, true
			if k.Token != prev {
				e.previousName = k.KeyName
			}
			continue
		}
		return aliasInUse(vk)
	}
	e.aliasChecked = true
	return nil
}

// aliasInUse reports spec.keyAlias held by a key this object does not own. The other key is not
// named: it may be another namespace's.
func aliasInUse(vk *v1alpha1.VirtualKey) error {
	return managed.Terminalf(v1alpha1.ReasonAliasInUse,
		"key alias %q belongs to another LiteLLM key that this VirtualKey does not own: choose another keyAlias, or ask the proxy's administrator about that key",
		vk.Spec.KeyAlias)
}

// keyOwnership decides whether the key found by the hash of the Secret's key may be managed. The
// object holds the raw key, so an unstamped key is this object's (a release without stamps made
// it), except that a granted object takes over only keys bound to nothing beyond its namespace.
// The error is a failure to find out (a read of the key's team or user).
func (e *virtualKeyExternal) keyOwnership(ctx context.Context, key *litellm.Key) (verdict, error) {
	if e.tenancy.owner.Claim(key.Metadata) != ownership.Unstamped {
		return e.tenancy.ownership("the key in Secret "+e.secret.name(), key.Metadata, "", false), nil
	}
	proof := "this object's key Secret holds its key"
	if e.tenancy.grant != nil {
		for kind, id := range map[string]string{kindTeam: key.TeamID, kindUser: key.UserID} {
			if id == "" {
				continue
			}
			md, found, err := lookup(e.lc, kind, id)(ctx)
			if err != nil {
				return verdict{}, err
			}
			if found && !e.tenancy.mayReference(kind, id, md) {
				proof = "" // bound to a team or user beyond the namespace (one that is gone binds nothing)
			}
		}
	}
	return e.tenancy.ownership("the key in Secret "+e.secret.name(), key.Metadata, proof, true), nil
}

// checkPrevious finds out whether the key status names from before a rotation is this object's:
// only then is it retired or deleted. A key status names that LiteLLM records as someone else's is
// left alone, whatever status claims.
func (e *virtualKeyExternal) checkPrevious(ctx context.Context, vk *v1alpha1.VirtualKey, prev string) error {
	e.previous = prev
	info, err := e.lc.KeyInfo(ctx, prev)
	switch {
	case litellm.IsNotFound(err):
		return nil
	case err != nil:
		return err
	case e.tenancy.owner.Claim(info.Info.Metadata) == ownership.Ours:
		e.previousOurs = true
	default:
		e.connector.recorder.Eventf(vk, nil, corev1.EventTypeWarning, managed.EventNotDeleted, "Rotate",
			"status named a previous key that LiteLLM does not record as this object's: it is left in place")
	}
	return nil
}

// checkChangedReferences refuses an update that would bind the key to a team or user the
// namespace may not reference.
func (e *virtualKeyExternal) checkChangedReferences(ctx context.Context, vk *v1alpha1.VirtualKey) error {
	if slices.Contains(e.plan.Set, "team_id") {
		if err := e.tenancy.reference(ctx, kindTeam, vk.Spec.TeamID, lookup(e.lc, kindTeam, vk.Spec.TeamID)); err != nil {
			return err
		}
	}
	if slices.Contains(e.plan.Set, "user_id") {
		return e.tenancy.reference(ctx, kindUser, vk.Spec.UserID, lookup(e.lc, kindUser, vk.Spec.UserID))
	}
	return nil
}

// observeForDeletion finds the keys Delete deletes: of the keys the Secret and status name, those
// LiteLLM records as this object's (by its stamp, or for the Secret's own key, by possession).
// Keys that exist but are not this object's are left in place.
func (e *virtualKeyExternal) observeForDeletion(ctx context.Context, vk *v1alpha1.VirtualKey) (managed.Observation, error) {
	found := false
	for _, token := range e.tokens(vk) {
		info, err := e.lc.KeyInfo(ctx, token)
		if litellm.IsNotFound(err) {
			continue
		}
		if err != nil {
			return managed.Observation{}, err
		}
		found = true
		key := info.Info
		switch e.tenancy.owner.Claim(key.Metadata) {
		case ownership.Ours:
			e.deletable = append(e.deletable, token)
		case ownership.Unstamped:
			if e.secret.token == "" || token != e.hash() {
				continue // status alone proves nothing
			}
			v, err := e.keyOwnership(ctx, &key)
			if err != nil {
				return managed.Observation{}, err
			}
			if !v.refused() {
				e.deletable = append(e.deletable, token)
			}
		}
	}
	// Keys LiteLLM generated for this object whose value was never stored (see package keyvalues).
	unstored, err := e.unstoredKeys(ctx)
	if err != nil {
		return managed.Observation{}, err
	}
	for _, token := range unstored {
		if !slices.Contains(e.deletable, token) {
			e.deletable = append(e.deletable, token)
		}
	}
	if found && len(e.deletable) == 0 {
		return managed.Observation{NotOurs: managed.Terminalf(v1alpha1.ReasonNotOwned,
			"the keys this object names are not recorded as this object's in LiteLLM")}, nil
	}
	return managed.Observation{Exists: len(e.deletable) > 0}, nil
}

// Create makes the key: with the value in the Secret, or, on a proxy that refuses chosen values,
// with a value LiteLLM generates (createGenerated).
func (e *virtualKeyExternal) Create(ctx context.Context, vk *v1alpha1.VirtualKey) error {
	chooser := e.connector.keyValues
	switch {
	case e.secret.generate:
		return e.createGenerated(ctx, vk)
	case userChosenKey(vk) != "" && chooser.Mode() == keyvalues.LiteLLM:
		return customKeysDisabled(vk, "the operator runs with --key-values=litellm, so LiteLLM generates every key value")
	}
	err := e.createChosen(ctx, vk)
	if !litellm.IsCustomKeyRefused(err) {
		return err
	}
	const refused = "this LiteLLM proxy refuses chosen key values (its disable_custom_api_keys setting) and generates every key itself"
	learned := chooser.Refused(e.lc.BaseURL())
	switch {
	case userChosenKey(vk) != "":
		return customKeysDisabled(vk, refused)
	case !learned:
		return managed.Terminalf(v1alpha1.ReasonCustomKeysDisabled,
			"%s, but the operator runs with --key-values=operator: run it with --key-values=auto, or allow custom key values on the proxy", refused)
	}
	return e.createGenerated(ctx, vk)
}

// createChosen makes the key with the value the Secret holds (read from it if this reconcile has
// not read it yet).
func (e *virtualKeyExternal) createChosen(ctx context.Context, vk *v1alpha1.VirtualKey) error {
	raw, err := e.connector.rawKey(ctx, e.secret)
	if err != nil {
		return err
	}
	req := fields.KeyGenerateRequest(vk, raw)
	req.Metadata = e.tenancy.owner.Stamp(req.Metadata)
	if e.previous != "" {
		// The previous key still holds the alias and LiteLLM refuses a second key with it: issue
		// the new key without alias, delete the old one, then move the alias. Each step is safe to
		// repeat after a crash: re-sending the same key without alias creates nothing new.
		req.KeyAlias = ""
	}
	resp, err := e.generateKey(ctx, vk, req)
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
	e.created(vk, &key)
	return nil
}

// created records a new key in status.
func (e *virtualKeyExternal) created(vk *v1alpha1.VirtualKey, key *litellm.Key) {
	e.copyStatus(vk, key)
	e.recordApplied(vk)
	recordCreated(vk)
	// A new key gets its expiry from spec.duration: a pending renewal is done with it.
	vk.Status.RenewRequest = vk.Annotations[v1alpha1.AnnotationRenew]
}

// generateKey sends /key/generate; an unknown spec.budgetID is a missing dependency, not a retry.
func (e *virtualKeyExternal) generateKey(ctx context.Context, vk *v1alpha1.VirtualKey, req litellm.KeyGenerateRequest) (*litellm.KeyGenerateResponse, error) {
	resp, err := e.lc.GenerateKey(ctx, req)
	if litellm.IsUnknownBudget(err) {
		return nil, unknownBudget(vk.Spec.BudgetID, err)
	}
	return resp, err
}

// finishRotation gives the alias to the new key and deletes the previous one: at once, or, with
// a grace period, once it is over (the previous key first gives up the alias).
func (e *virtualKeyExternal) finishRotation(ctx context.Context, vk *v1alpha1.VirtualKey, key *litellm.Key) error {
	grace := gracePeriod(vk)
	switch {
	case !e.previousOurs:
		// Gone already, or not this object's: nothing to retire or delete.
	case grace > 0:
		if err := e.retire(ctx, vk, e.previous, e.previousName, grace); err != nil {
			return err
		}
	default:
		if _, err := e.lc.DeleteKeys(ctx, litellm.KeyDeleteRequest{Keys: []string{e.previous}}); err != nil && !litellm.IsNotFound(err) {
			return err
		}
	}
	if err := e.giveAlias(ctx, vk, key); err != nil {
		return err
	}
	oldName := e.previousName
	e.previous = ""
	vk.Status.KeyID, vk.Status.Token, vk.Status.TokenID = e.hash(), e.hash(), e.hash()
	vk.Status.KeyName = e.secret.keyName
	e.recordRotation(vk)
	switch {
	case !e.previousOurs:
		e.connector.recorder.Eventf(vk, nil, corev1.EventTypeNormal, EventRotated, "Rotate",
			"the key is now %s; LiteLLM holds no previous key of this object: nothing was deleted", e.secret.keyName)
	case grace > 0:
		e.connector.recorder.Eventf(vk, nil, corev1.EventTypeNormal, EventRotated, "Rotate",
			"the key is now %s; the previous key %s stays valid for the grace period of %s, then it is deleted from LiteLLM",
			e.secret.keyName, oldName, grace)
	default:
		e.connector.recorder.Eventf(vk, nil, corev1.EventTypeNormal, EventRotated, "Rotate",
			"the key is now %s; the previous key %s was deleted from LiteLLM", e.secret.keyName, oldName)
	}
	return nil
}

// giveAlias moves spec.keyAlias to the Secret's key, which was made without it.
func (e *virtualKeyExternal) giveAlias(ctx context.Context, vk *v1alpha1.VirtualKey, key *litellm.Key) error {
	if key.KeyAlias == vk.Spec.KeyAlias {
		return nil
	}
	req := litellm.KeyUpdateRequest{KeyAlias: litellm.Set(vk.Spec.KeyAlias)}
	if err := e.addressUpdate(ctx, vk, &req); err != nil {
		return err
	}
	updated, err := e.lc.UpdateKey(ctx, req)
	if litellm.IsAlreadyExists(err) {
		return aliasInUse(vk) // taken since it was checked
	}
	if err != nil {
		return err
	}
	*key = *updated
	key.Token = e.hash()
	return nil
}

// recordRotation records in status that the rotation asked for is done.
func (e *virtualKeyExternal) recordRotation(vk *v1alpha1.VirtualKey) {
	vk.Status.LastRotation = e.connector.now().UTC().Format(time.RFC3339)
	vk.Status.RotationRequest = vk.Annotations[v1alpha1.AnnotationRotate]
	setNextRotation(vk)
}

func (e *virtualKeyExternal) Update(ctx context.Context, vk *v1alpha1.VirtualKey, _ managed.Observation) error {
	key := e.observed
	if e.previous != "" {
		if err := e.finishRotation(ctx, vk, key); err != nil {
			return err
		}
		e.plan = fields.Keys.Plan(vk, key, vk.Status.ManagedFields)
	}
	var req litellm.KeyUpdateRequest
	renewBefore := vk.Status.RenewRequest
	renewing := e.renew(vk, &req)
	fields.Keys.Apply(e.plan, vk, key, &req)
	if md, set := req.Metadata.Get(); set || e.stamp != "" {
		if !set {
			md = key.Metadata
		}
		req.Metadata = litellm.Set(e.tenancy.owner.Stamp(md))
	}
	if e.plan.Writes() || renewing || e.stamp != "" {
		err := e.addressUpdate(ctx, vk, &req)
		var updated *litellm.Key
		if err == nil {
			updated, err = e.lc.UpdateKey(ctx, req)
		}
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
		if e.stamp != "" {
			stamped(e.connector.recorder, vk, "the key "+vk.Status.KeyName, e.stamp)
		}
	}
	if blockedDiffers(vk, key) {
		call := e.lc.UnblockKey
		if fields.BoolValue(vk.Spec.Blocked) {
			call = e.lc.BlockKey
		}
		updated, err := call(ctx, e.hash())
		if err != nil {
			return err
		}
		*key = *updated
		key.Token = e.hash()
	}
	warnNotCleared(e.connector.recorder, vk, e.plan.NotCleared)
	e.copyStatus(vk, key)
	e.recordApplied(vk)
	return nil
}

// addressUpdate addresses /key/update by the raw key from the Secret: LiteLLM then drops its cached
// copy of the key, and the change is enforced at once; addressed by hash, the old limits may stay
// in force until the cache entry expires (compat: Auth cache; read in LiteLLM's source, unverified
// on a live proxy, so the safe choice is taken either way). The raw key is read from the Secret
// only here, when an update is sent (the cache holds key Secrets' metadata only); it travels only
// in the request body, and the client redacts it from errors. Without a key in the Secret (no
// Secret, or none valid) the key is addressed by the hash status names, with that delay.
func (e *virtualKeyExternal) addressUpdate(ctx context.Context, vk *v1alpha1.VirtualKey, req *litellm.KeyUpdateRequest) error {
	if e.secret.token == "" {
		req.Key, req.AddressByRawKey = vk.Status.TokenID, false
		return nil
	}
	raw, err := e.connector.rawKey(ctx, e.secret)
	if err != nil {
		return err
	}
	req.Key, req.AddressByRawKey = raw, true
	return nil
}

// Delete removes the keys observeForDeletion found to be this object's: the Secret's key and,
// after an interrupted rotation, the previous ones.
func (e *virtualKeyExternal) Delete(ctx context.Context, _ *v1alpha1.VirtualKey) error {
	if _, err := e.lc.DeleteKeys(ctx, litellm.KeyDeleteRequest{Keys: e.deletable}); err != nil && !litellm.IsNotFound(err) {
		return err
	}
	return nil
}

// tokens lists the hashes of every key of the VirtualKey that LiteLLM may hold: the Secret's, the
// one status names, and replaced keys in their grace period.
func (e *virtualKeyExternal) tokens(vk *v1alpha1.VirtualKey) []string {
	var tokens []string
	add := func(t string) {
		if t != "" && !slices.Contains(tokens, t) {
			tokens = append(tokens, t)
		}
	}
	if e.secret.token != "" {
		add(e.hash())
	}
	add(vk.Status.TokenID)
	for _, r := range vk.Status.RetiringKeys {
		add(r.TokenID)
	}
	return tokens
}

// blockedDiffers: blocked is always managed (unset means unblocked), so a key blocked outside the
// operator is unblocked on resync, and revoking a key is done the Kubernetes way (spec.blocked, or
// rotation) and shows in Git.
func blockedDiffers(vk *v1alpha1.VirtualKey, key *litellm.Key) bool {
	return fields.BoolValue(key.Blocked) != fields.BoolValue(vk.Spec.Blocked)
}

// checkDependencies keeps a key from being created for a user or team that does not exist in
// LiteLLM (e.g. after a team was deleted, which deletes its keys): the key comes back when they do.
// A granted object may bind its key only to a team or user its namespace owns or the grant lists;
// that is decided first, from the same reads, and reads the same whether the other exists or not.
func (e *virtualKeyExternal) checkDependencies(ctx context.Context, vk *v1alpha1.VirtualKey) error {
	if id := vk.Spec.UserID; id != "" {
		info, err := e.lc.UserInfo(ctx, id)
		found := err == nil
		if err != nil && !litellm.IsNotFound(err) {
			return err
		}
		if err := e.tenancy.reference(ctx, kindUser, id, known(found, func() map[string]any { return info.UserInfo.Metadata })); err != nil {
			return err
		}
		if !found {
			return managed.Waiting(v1alpha1.ReasonDependencyMissing,
				fmt.Sprintf("user %q does not exist in LiteLLM; the key is created once it does", id), time.Minute)
		}
	}
	if id := vk.Spec.TeamID; id != "" {
		team, err := e.lc.TeamInfo(ctx, id)
		found := err == nil
		if err != nil && !litellm.IsNotFound(err) {
			return err
		}
		if err := e.tenancy.reference(ctx, kindTeam, id, known(found, func() map[string]any { return team.TeamInfo.Metadata })); err != nil {
			return err
		}
		if !found {
			return managed.Waiting(v1alpha1.ReasonDependencyMissing,
				fmt.Sprintf("team %q does not exist in LiteLLM; the key is created once it does", id), time.Minute)
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

// unknownBudget reports a budgetID that LiteLLM does not have. LiteLLM answers it with a generic
// 500 that looks transient (compat: Key budgets): the client confirmed it with /budget/info. It is
// a missing dependency rather than an invalid spec: budgets are made outside Kubernetes
// (/budget/new), and the key is created once the budget exists. Until then the loop comes back at
// the next resync or spec change, never in a hot loop.
func unknownBudget(id string, err error) error {
	return managed.Terminal(v1alpha1.ReasonDependencyMissing, fmt.Errorf(
		"spec.budgetID: the key is created once LiteLLM has budget %q (make it with /budget/new, or correct spec.budgetID): %w", id, err))
}

// known is a reference lookup whose answer was read already.
func known(found bool, metadata func() map[string]any) func(context.Context) (map[string]any, bool, error) {
	return func(context.Context) (map[string]any, bool, error) {
		if !found {
			return nil, false, nil
		}
		return metadata(), true, nil
	}
}

// recordApplied remembers what the spec set, for fields LiteLLM does not report and for clearing
// fields that are later removed from the spec.
func (e *virtualKeyExternal) recordApplied(vk *v1alpha1.VirtualKey) {
	vk.Status.Duration = vk.Spec.Duration
	vk.Status.ManagedFields = fields.KeyManaged(vk)
}

// recordCreated remembers what only a new key takes: its soft budget (see fields.KeyIgnored).
func recordCreated(vk *v1alpha1.VirtualKey) {
	vk.Status.SoftBudget = ""
	if vk.Spec.SoftBudget != nil {
		vk.Status.SoftBudget = *vk.Spec.SoftBudget
	}
}

// copyStatus copies LiteLLM's view of the key into the status. Never the raw key: token fields
// hold the hash, keyName the redacted form.
func (e *virtualKeyExternal) copyStatus(vk *v1alpha1.VirtualKey, k *litellm.Key) {
	st := &vk.Status
	st.KeyID, st.Token, st.TokenID = k.Token, k.Token, k.Token
	st.KeyName = k.KeyName
	if st.KeyName == "" {
		st.KeyName = e.secret.keyName
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
	st.Blocked = fields.BoolValue(k.Blocked)
	st.Models = k.Models
	st.TPMLimit, st.RPMLimit, st.MaxParallelRequests = k.TPMLimit, k.RPMLimit, k.MaxParallelRequests
	st.UserID, st.TeamID = k.UserID, k.TeamID
	st.Aliases = stringMap(k.Aliases)
	st.Config = stringMap(k.Config)
	st.Permissions = stringMap(k.Permissions)
	st.AllowedCacheControls = k.AllowedCacheControls
	st.AllowedRoutes = k.AllowedRoutes
	st.Tags = emptyToNil(fields.MetadataStrings(k.Metadata, "tags"))
	st.Guardrails = emptyToNil(fields.MetadataStrings(k.Metadata, "guardrails"))
	st.EnforcedParams = emptyToNil(fields.MetadataStrings(k.Metadata, "enforced_params"))
	st.CreatedAt, st.UpdatedAt = formatTime(k.CreatedAt), formatTime(k.UpdatedAt)
	st.CreatedBy, st.UpdatedBy = k.CreatedBy, k.UpdatedBy
	st.LiteLLMBudgetTable = ""
	if k.LiteLLMBudgetTable != nil {
		st.LiteLLMBudgetTable = budgetTableJSON(k.LiteLLMBudgetTable)
	}
	st.IsActive = unavailable(k, e.connector.now()) == "" && e.enforcedParamsRefused(vk) == ""
}

// enforcedParamsRefused says why a key with enforcedParams cannot be used, or "" when it can. A
// proxy without Enterprise accepts enforced_params when the key is made, then refuses every
// request made with the key (compat: Enforced params). LiteLLM offers no way to ask whether it is
// licensed, so the proxy is taken to be free unless its connection Secret says otherwise: the key
// is reported unusable (Ready=False) before the first request fails, not after.
func (e *virtualKeyExternal) enforcedParamsRefused(vk *v1alpha1.VirtualKey) string {
	if len(vk.Spec.EnforcedParams) == 0 || e.enterprise {
		return ""
	}
	return fmt.Sprintf("enforcedParams needs LiteLLM Enterprise: a proxy without it refuses every request made with this key; "+
		"remove enforcedParams, or, if the proxy is licensed, set %q to \"true\" in its connection Secret", connection.EnterpriseDataKey)
}

// unavailable says why the key cannot be used now, or "" when it can.
func unavailable(k *litellm.Key, now time.Time) string {
	var why []string
	if fields.BoolValue(k.Blocked) {
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

func emptyToNil(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

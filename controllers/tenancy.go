package controllers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers/managed"
	"github.com/litellm-operator/litellm-operator/controllers/ownership"
	"github.com/litellm-operator/litellm-operator/pkg/connection"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// The tenancy rules every kind applies (docs/multi-tenancy.md):
//   - ownership lives in LiteLLM: the operator writes to, and deletes, only what carries this
//     object's owner stamp, or no stamp and a proof that it is this object's;
//   - an object that uses an instance of another namespace (a grant) keeps to the grant's policy,
//     and may reference only teams and users its own namespace owns or the policy lists;
//   - nothing an object's author writes (spec, annotations, status, ownerReferences) is taken as
//     proof of ownership.

// RBAC: an instance may grant namespaces by label, so the operator reads the labels of an
// object's own namespace. Kubernetes authorizes a get of a namespace within that namespace, so this
// is a namespaced permission like the others: granted in the namespaces the operator watches.
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get

// Kinds as the owner stamp and references name them.
const (
	kindVirtualKey = "VirtualKey"
	kindUser       = "User"
	kindTeam       = "Team"
)

// EventStamped says that an existing LiteLLM object without an owner stamp was recorded as this
// object's (the upgrade from a release without stamps, or a take-over the rules allow).
const EventStamped = "Stamped"

// referenceRetry is how soon a refused reference is looked at again: the team or user may be one
// the namespace is still creating.
const referenceRetry = time.Minute

// tenancy is what one reconcile of one object may do with its proxy.
type tenancy struct {
	owner ownership.Owner
	// grant is the policy of the instance the object uses from another namespace; nil means full
	// rights.
	grant    *connection.Grant
	idPrefix string
}

func newTenancy(installation, kind string, obj client.Object, grant *connection.Grant, idPrefix string) tenancy {
	return tenancy{
		owner:    ownership.Owner{Installation: installation, Kind: kind, Namespace: obj.GetNamespace(), Name: obj.GetName()},
		grant:    grant,
		idPrefix: idPrefix,
	}
}

// notPermitted refuses what the grant does not allow, saying how to get it granted.
func (t tenancy) notPermitted(what, how string) error {
	return managed.Terminal(v1alpha1.ReasonNotPermitted, errors.New(t.grant.Refusal(what, how)))
}

// ownership decides whether the existing LiteLLM object described by what may be managed by this
// object. An unstamped object is taken over (and stamped) when proof says why it is this object's,
// when the object has full rights, or when the grant allows adoptUnstamped and similar reports that
// the LiteLLM object matches the spec (its email or alias). A refusal never says who owns the
// object.
func (t tenancy) ownership(what string, metadata map[string]any, proof string, similar bool) verdict {
	switch t.owner.Claim(metadata) {
	case ownership.Ours:
		return verdict{}
	case ownership.Foreign:
		return refusal(managed.Terminalf(v1alpha1.ReasonNotOwned,
			"%s exists in LiteLLM and belongs to another object (its owner stamp %s names another one): nothing is written to it; give this object another ID or name",
			what, ownership.Key))
	}
	switch {
	case proof != "":
		return verdict{stamp: proof}
	case t.grant == nil:
		return verdict{stamp: "this object has full rights on its proxy (it uses a connection of its own namespace)"}
	case t.grant.Policy.AdoptUnstamped && similar:
		return verdict{stamp: "the grant policy of instance " + t.grant.Instance + " allows adoptUnstamped"}
	}
	return refusal(managed.Terminalf(v1alpha1.ReasonNotOwned,
		"%s exists in LiteLLM without an owner stamp: it was not made by this operator for this object, and a namespace granted instance %s may not take it over; "+
			"the instance's owner can allow it with adoptUnstamped: true in %s on Secret %s (for a migration), or give this object another ID or name",
		what, t.grant.Instance, v1alpha1.AnnotationGrantPolicy, t.grant.Secret))
}

// takeOver limits what a granted object takes over without a stamp (v says whether and why it
// would): never a team or user the policy shares with every granted namespace (teams, users),
// which all may reference and none may own, and never a user whose role the grant does not allow
// (an admin the platform made outside the operator), which would give the namespace that user's
// rights and keys. role is the LiteLLM user's ("" for a team).
func (t tenancy) takeOver(v verdict, kind, id, what, role string) verdict {
	switch {
	case v.stamp == "" || t.grant == nil:
		return v
	case t.lists(kind, id):
		return refusal(managed.Terminalf(v1alpha1.ReasonNotOwned,
			"%s is shared with granted namespaces by the grant policy of instance %s: it may be referenced, not taken over; give this object another ID",
			what, t.grant.Instance))
	case kind == kindUser && !t.grant.Policy.AllowsUserRole(role):
		return refusal(t.notPermitted(fmt.Sprintf("taking over %s, which has no owner stamp and the role %s", what, role),
			fmt.Sprintf("give this object another ID, or ask the instance's owner to add %s to userRoles", role)))
	}
	return v
}

// verdict is what the owner stamp rules decide about an existing LiteLLM object.
type verdict struct {
	// stamp says why an unstamped object is taken over (and stamped); "" when it is ours already.
	stamp string
	// notOurs, when set, says why the object may not be managed: the loop writes nothing to it.
	notOurs error
}

func refusal(err error) verdict { return verdict{notOurs: err} }

// refused reports that the object may not be managed.
func (v verdict) refused() bool { return v.notOurs != nil }

// observation tells the loop that the object exists and is not this object's.
func (v verdict) observation() managed.Observation { return managed.Observation{NotOurs: v.notOurs} }

// isManagedError reports a refusal of the loop's vocabulary (NotPermitted, NotOwned, ...), as
// opposed to a failure to find out (LiteLLM or the API server could not be asked).
func isManagedError(err error) bool {
	var me *managed.Error
	return errors.As(err, &me)
}

// stamped records in an Event that an unstamped LiteLLM object is now this object's.
func stamped(recorder events.EventRecorder, obj client.Object, what, why string) {
	recorder.Eventf(obj, nil, corev1.EventTypeNormal, EventStamped, "Update",
		"recorded this object as the owner of %s in LiteLLM (metadata %s): %s", what, ownership.Key, why)
}

// reference decides whether the object may reference the LiteLLM team or user id (kind Team or
// User). Full rights may reference anything; a granted object only what its namespace owns (the
// stamp of an object of that kind in its namespace) or the policy lists. read looks the id up
// (metadata, found); it is called only when the answer depends on it. A refusal reads the same
// whether the id exists or not, so it tells nothing about other namespaces; the reference is
// looked at again after a minute (the team or user may still be on its way).
func (t tenancy) reference(ctx context.Context, kind, id string, read func(context.Context) (map[string]any, bool, error)) error {
	if t.grant == nil || id == "" || t.lists(kind, id) {
		return nil
	}
	md, found, err := read(ctx)
	switch {
	case err != nil:
		return err
	case found && t.owner.InNamespace(md, kind):
		return nil
	case !found && t.ownDerived(id):
		return managed.Waiting(v1alpha1.ReasonDependencyMissing,
			fmt.Sprintf("%s %q does not exist in LiteLLM yet", strings.ToLower(kind), id), referenceRetry)
	}
	list := "teams"
	if kind == kindUser {
		list = "users"
	}
	return &managed.Error{Reason: v1alpha1.ReasonNotPermitted, RequeueAfter: referenceRetry, Err: errors.New(t.grant.Refusal(
		fmt.Sprintf("a reference to %s %q, which is not (yet) a %s of namespace %s", strings.ToLower(kind), id, strings.ToLower(kind), t.owner.Namespace),
		fmt.Sprintf("reference a %s this namespace manages, or ask the instance's owner to add %q to %s", kind, id, list)))}
}

// mayReference reports, without a read, whether the object may reference the LiteLLM team or user
// id whose metadata is known.
func (t tenancy) mayReference(kind, id string, metadata map[string]any) bool {
	return t.grant == nil || t.lists(kind, id) || t.owner.InNamespace(metadata, kind)
}

// scope qualifies a lookup in LiteLLM for messages: a granted object sees only its namespace's.
func (t tenancy) scope() string {
	if t.grant == nil {
		return ""
	}
	return "of this namespace (or listed in the grant policy) "
}

func (t tenancy) lists(kind, id string) bool {
	if kind == kindTeam {
		return t.grant.Policy.ListsTeam(id)
	}
	return t.grant.Policy.ListsUser(id)
}

// ownDerived reports an ID derived from a name in the object's own namespace.
func (t tenancy) ownDerived(id string) bool {
	ns, _, ok := derivedParts(t.idPrefix, id)
	return ok && ns == t.owner.Namespace
}

// lookup reads the metadata of the LiteLLM team or user id (kind Team or User), for reference.
func lookup(lc *litellm.Client, kind, id string) func(context.Context) (map[string]any, bool, error) {
	return func(ctx context.Context) (map[string]any, bool, error) {
		var md map[string]any
		var err error
		if kind == kindTeam {
			var info *litellm.TeamInfoResponse
			if info, err = lc.TeamInfo(ctx, id); err == nil {
				md = info.TeamInfo.Metadata
			}
		} else {
			var info *litellm.UserInfoResponse
			if info, err = lc.UserInfo(ctx, id); err == nil {
				md = info.UserInfo.Metadata
			}
		}
		if litellm.IsNotFound(err) {
			return nil, false, nil
		}
		return md, err == nil, err
	}
}

// checkIdentity refuses an explicit LiteLLM ID (spec, or an annotation anyone who may edit the
// object can write) in the form this operator derives for another object: taking it would let one
// object squat another's ID before that object exists, in any namespace.
func (t tenancy) checkIdentity(field, id string) error {
	ns, name, ok := derivedParts(t.idPrefix, id)
	if !ok || (ns == t.owner.Namespace && name == t.owner.Name) {
		return nil
	}
	return managed.Terminalf(v1alpha1.ReasonInvalidSpec,
		"%s %q has the form of the ID this operator derives for the object %s in namespace %s (<id-prefix><namespace>.<name>), which only that object may use: "+
			"choose an ID without that form (no dot after a valid namespace name), or leave it unset to use this object's own", field, id, name, ns)
}

// derivedParts splits an ID of the derived form <prefix><namespace>.<name>: the namespace part
// must be a valid namespace name and the rest a valid object name.
func derivedParts(prefix, id string) (namespace, name string, ok bool) {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok {
		return "", "", false
	}
	namespace, name, ok = strings.Cut(rest, ".")
	if !ok || len(validation.IsDNS1123Label(namespace)) > 0 || len(validation.IsDNS1123Subdomain(name)) > 0 {
		return "", "", false
	}
	return namespace, name, true
}

// The policy rules on specs, checked before any LiteLLM call. Each returns nil for full rights.

// checkModels: with an allow-list, models must be set, non-empty, and on it (an empty list means
// every model in LiteLLM); aliases must point at models on it too.
func (t tenancy) checkModels(field string, models []string, aliasTargets map[string]string) error {
	if t.grant == nil || t.grant.Policy.Models == nil {
		return nil
	}
	allowed := strings.Join(t.grant.Policy.Models, ", ")
	if len(models) == 0 {
		return t.notPermitted(field+" unset or empty (every model)",
			fmt.Sprintf("list the models this object may use, from: %s", allowed))
	}
	targets := make([]string, 0, len(aliasTargets))
	for _, m := range aliasTargets {
		targets = append(targets, m)
	}
	slices.Sort(targets)
	if outside := t.grant.Policy.ModelsOutside(append(slices.Clone(models), targets...)); len(outside) > 0 {
		return t.notPermitted(fmt.Sprintf("the models %s in %s", strings.Join(outside, ", "), field),
			fmt.Sprintf("use models from: %s, or ask the instance's owner to add them to models", allowed))
	}
	return nil
}

// checkBudget: with a ceiling, a key's maxBudget must be set and at most the ceiling, and a budget
// row (budgetID), which could carry a higher budget, cannot be attached.
func (t tenancy) checkBudget(maxBudget *string, budgetID string) error {
	if t.grant == nil || t.grant.Policy.MaxBudget == nil {
		return nil
	}
	ceiling := float64(*t.grant.Policy.MaxBudget)
	limit := formatMoney(ceiling)
	switch {
	case maxBudget == nil:
		return t.notPermitted("a key without maxBudget", fmt.Sprintf("set maxBudget to at most %s", limit))
	case budgetID != "":
		return t.notPermitted("budgetID with a maxBudget ceiling (a budget row may allow more)", "remove budgetID")
	}
	if v, err := v1alpha1.ParseBudget(*maxBudget); err == nil && v > ceiling {
		return t.notPermitted(fmt.Sprintf("maxBudget %s, above the ceiling of %s", *maxBudget, limit),
			fmt.Sprintf("set maxBudget to at most %s, or ask the instance's owner to raise maxBudget", limit))
	}
	return nil
}

// checkRoutes: a granted key may not reach management routes unless the policy allows them.
func (t tenancy) checkRoutes(routes []string) error {
	if t.grant == nil || t.grant.Policy.ManagementRoutes {
		return nil
	}
	if found := connection.ManagementRoutesIn(routes); len(found) > 0 {
		return t.notPermitted(fmt.Sprintf("the management routes %s in allowedRoutes", strings.Join(found, ", ")),
			"allow LLM API routes only (e.g. /chat/completions, llm_api_routes), or ask the instance's owner to set managementRoutes: true")
	}
	return nil
}

// checkUserRole: a granted User may have only the roles the policy allows.
func (t tenancy) checkUserRole(role string) error {
	if t.grant == nil || t.grant.Policy.AllowsUserRole(role) {
		return nil
	}
	return t.notPermitted(fmt.Sprintf("userRole %s", role), fmt.Sprintf("ask the instance's owner to add %s to userRoles", role))
}

// checkOrganization: a granted Team may join only the organizations the policy lists.
func (t tenancy) checkOrganization(id string) error {
	if t.grant == nil || id == "" || t.grant.Policy.ListsOrganization(id) {
		return nil
	}
	return t.notPermitted(fmt.Sprintf("organizationID %q", id), fmt.Sprintf("ask the instance's owner to add %q to organizations", id))
}

// checkKeySpec applies the key rules to a key spec (a VirtualKey's, or the one a User with
// autoCreateKey would get).
func (t tenancy) checkKeySpec(s *v1alpha1.VirtualKeySpec) error {
	return errors.Join(
		t.checkBudget(s.MaxBudget, s.BudgetID),
		t.checkModels("models", s.Models, s.Aliases),
		t.checkRoutes(s.AllowedRoutes),
	)
}

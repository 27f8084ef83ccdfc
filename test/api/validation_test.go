package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	authv1alpha1 "github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// mutated builds a valid object and applies one change to it.
func mutated[T client.Object](valid func(ns, name string) T, mutate func(T)) func(ns, name string) client.Object {
	return func(ns, name string) client.Object {
		o := valid(ns, name)
		mutate(o)
		return o
	}
}

func vk(mutate func(*authv1alpha1.VirtualKey)) func(ns, name string) client.Object {
	return mutated(validVirtualKey, mutate)
}

func user(mutate func(*authv1alpha1.User)) func(ns, name string) client.Object {
	return mutated(validUser, mutate)
}

func team(mutate func(*authv1alpha1.Team)) func(ns, name string) client.Object {
	return mutated(validTeam, mutate)
}

func tma(mutate func(*authv1alpha1.TeamMemberAssociation)) func(ns, name string) client.Object {
	return mutated(validMembership, mutate)
}

func noChange[T any](*T) {}

// change adapts a typed mutation to the update step of a case.
func change[T any](mutate func(*T)) func(client.Object) {
	return func(o client.Object) { mutate(any(o).(*T)) }
}

type validationCase struct {
	name   string
	reason string
	// object is created; without update the create must fail with want.
	object func(ns, name string) client.Object
	// update, when set, is applied to the created object and the update must fail with want.
	update func(client.Object)
	// reconciled writes status before the update, as the operator does for every object.
	reconciled bool
	want       string
}

// runValidationCases creates each case's object in a new namespace and checks that
// the create, or the update that follows it, is rejected with the case's message.
func runValidationCases(t *testing.T, cases []validationCase) {
	t.Helper()
	ns := newNamespace(t)
	ctx := context.Background()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := tc.object(ns, fmt.Sprintf("case-%d", i))
			err := k8s.Create(ctx, obj)
			if tc.update == nil {
				require.Error(t, err, "create should be rejected: %s", tc.reason)
				t.Log(err)
				assert.Contains(t, err.Error(), tc.want, tc.reason)
				return
			}
			require.NoError(t, err, "the object before the update must be valid")
			if tc.reconciled {
				require.NoError(t, k8s.Status().Update(ctx, obj))
			}
			tc.update(obj)
			err = k8s.Update(ctx, obj)
			require.Error(t, err, "update should be rejected: %s", tc.reason)
			t.Log(err)
			assert.Contains(t, err.Error(), tc.want, tc.reason)
		})
	}
}

func TestInvalidObjectsAreRejected(t *testing.T) {
	budgetMsg := "must be a non-negative decimal number of US dollars"
	cases := []validationCase{
		// connectionRef
		{name: "vk both connections", reason: "secretRef and instanceRef are exclusive",
			object: vk(func(o *authv1alpha1.VirtualKey) { o.Spec.ConnectionRef.SecretRef = secretConnection().SecretRef }),
			want:   "connectionRef must set exactly one of secretRef"},
		{name: "vk no connection", reason: "one of secretRef and instanceRef is needed",
			object: vk(func(o *authv1alpha1.VirtualKey) { o.Spec.ConnectionRef = authv1alpha1.ConnectionRef{} }),
			want:   "connectionRef must set exactly one of secretRef"},
		{name: "team both connections", reason: "the rule is on the shared type, so every kind has it",
			object: team(func(o *authv1alpha1.Team) { o.Spec.ConnectionRef.SecretRef = secretConnection().SecretRef }),
			want:   "connectionRef must set exactly one of secretRef"},
		{name: "secretRef without name", reason: "a Secret is found by name",
			object: user(func(o *authv1alpha1.User) {
				o.Spec.ConnectionRef = authv1alpha1.ConnectionRef{SecretRef: &authv1alpha1.SecretRef{}}
			}),
			want: "spec.connectionRef.secretRef.name"},
		{name: "secret data key with a space", reason: "Secret data keys cannot contain spaces",
			object: tma(func(o *authv1alpha1.TeamMemberAssociation) {
				o.Spec.ConnectionRef = secretConnection()
				o.Spec.ConnectionRef.SecretRef.Keys.MasterKey = "master key"
			}),
			want: "connectionRef.secretRef.keys.masterKey must be a Secret data key"},

		// money
		{name: "negative maxBudget", reason: "LiteLLM refuses negative budgets",
			object: vk(func(o *authv1alpha1.VirtualKey) { o.Spec.MaxBudget = ptr.To("-1") }),
			want:   "spec.maxBudget " + budgetMsg},
		{name: "non-numeric maxBudget", reason: "budgets are decimal strings",
			object: vk(func(o *authv1alpha1.VirtualKey) { o.Spec.MaxBudget = ptr.To("abc") }),
			want:   "spec.maxBudget " + budgetMsg},
		{name: "empty maxBudget", reason: "an empty string is not a number; omit the field instead",
			object: user(func(o *authv1alpha1.User) { o.Spec.MaxBudget = ptr.To("") }),
			want:   "spec.maxBudget " + budgetMsg},
		{name: "exponent softBudget", reason: "only plain decimals, so the value reads the same everywhere",
			object: vk(func(o *authv1alpha1.VirtualKey) { o.Spec.SoftBudget = ptr.To("1e3") }),
			want:   "spec.softBudget " + budgetMsg},
		{name: "negative spend", reason: "spend cannot be negative",
			object: user(func(o *authv1alpha1.User) { o.Spec.Spend = ptr.To("-5") }),
			want:   "spec.spend " + budgetMsg},
		{name: "team budget with a currency sign", reason: "the currency is always US dollars",
			object: team(func(o *authv1alpha1.Team) { o.Spec.MaxBudget = ptr.To("$100") }),
			want:   "spec.maxBudget " + budgetMsg},
		{name: "negative maxBudgetInTeam", reason: "member budgets are money too",
			object: tma(func(o *authv1alpha1.TeamMemberAssociation) { o.Spec.MaxBudgetInTeam = ptr.To("-5") }),
			want:   "spec.maxBudgetInTeam " + budgetMsg},

		// durations
		{name: "duration without unit", reason: "LiteLLM fails on a bare number",
			object: vk(func(o *authv1alpha1.VirtualKey) { o.Spec.Duration = "30" }),
			want:   "spec.duration must be a number followed by"},
		{name: "duration with trailing text", reason: "LiteLLM silently reads 1month as 1mo; we refuse the ambiguity",
			object: user(func(o *authv1alpha1.User) { o.Spec.Duration = "1month" }),
			want:   "spec.duration must be a number followed by"},
		{name: "budgetDuration 2mo", reason: "LiteLLM resets monthly budgets only every 1 month",
			object: vk(func(o *authv1alpha1.VirtualKey) { o.Spec.BudgetDuration = "2mo" }),
			want:   "spec.budgetDuration must be a number followed by"},
		{name: "budgetDuration unknown unit", reason: "LiteLLM would fall back to midnight silently",
			object: team(func(o *authv1alpha1.Team) { o.Spec.BudgetDuration = "30x" }),
			want:   "spec.budgetDuration must be a number followed by"},
		{name: "user budgetDuration 3mo", reason: "same rule on every kind",
			object: user(func(o *authv1alpha1.User) { o.Spec.BudgetDuration = "3mo" }),
			want:   "spec.budgetDuration must be a number followed by"},

		// the owner stamp's prefix is the operator's
		{name: "key metadata with the owner stamp", reason: "a tenant must not forge or remove the owner stamp",
			object: vk(func(o *authv1alpha1.VirtualKey) { o.Spec.Metadata = map[string]string{"auth.litellm.ai/owner": "x"} }),
			want:   "spec.metadata cannot set keys of the auth.litellm.ai/ prefix"},
		{name: "user metadata of the reserved prefix", reason: "the whole prefix is reserved, on every kind with metadata",
			object: user(func(o *authv1alpha1.User) { o.Spec.Metadata = map[string]string{"auth.litellm.ai/anything": "x"} }),
			want:   "spec.metadata cannot set keys of the auth.litellm.ai/ prefix"},
		{name: "team metadata of the reserved prefix", reason: "likewise",
			object: team(func(o *authv1alpha1.Team) { o.Spec.Metadata = map[string]string{"auth.litellm.ai/owner": ""} }),
			want:   "spec.metadata cannot set keys of the auth.litellm.ai/ prefix"},

		// enums
		{name: "unknown userRole", reason: "LiteLLM has four user roles",
			object: user(func(o *authv1alpha1.User) { o.Spec.UserRole = "admin" }),
			want:   `spec.userRole: Unsupported value: "admin"`},
		{name: "unknown member role", reason: "team members are admin or user",
			object: tma(func(o *authv1alpha1.TeamMemberAssociation) { o.Spec.Role = "owner" }),
			want:   `spec.role: Unsupported value: "owner"`},
		{name: "missing member role", reason: "the reference requires the role",
			object: tma(func(o *authv1alpha1.TeamMemberAssociation) { o.Spec.Role = "" }),
			want:   "spec.role"},
		{name: "unknown deletionPolicy", reason: "Delete or Orphan",
			object: vk(func(o *authv1alpha1.VirtualKey) { o.Spec.DeletionPolicy = "Never" }),
			want:   `spec.deletionPolicy: Unsupported value: "Never"`},

		// key
		{name: "key without sk- prefix", reason: "LiteLLM only accepts keys starting with sk-",
			object: vk(func(o *authv1alpha1.VirtualKey) { o.Spec.Key = "abc123" }),
			want:   "spec.key must start with 'sk-'"},
		{name: "key with a space", reason: "the key travels in an HTTP header",
			object: vk(func(o *authv1alpha1.VirtualKey) { o.Spec.Key = "sk-has space" }),
			want:   "spec.key must start with 'sk-'"},

		// required fields
		{name: "missing keyAlias", reason: "the reference requires keyAlias",
			object: vk(func(o *authv1alpha1.VirtualKey) { o.Spec.KeyAlias = "" }),
			want:   "spec.keyAlias"},
		{name: "missing userEmail", reason: "the reference requires userEmail",
			object: user(func(o *authv1alpha1.User) { o.Spec.UserEmail = "" }),
			want:   "spec.userEmail"},
		{name: "missing teamAlias", reason: "the reference requires teamAlias",
			object: team(func(o *authv1alpha1.Team) { o.Spec.TeamAlias = "" }),
			want:   "spec.teamAlias"},

		// emails
		{name: "user email without @", reason: "LiteLLM identifies users by email",
			object: user(func(o *authv1alpha1.User) { o.Spec.UserEmail = "not-an-email" }),
			want:   "spec.userEmail must be an email address"},
		{name: "member email with a space", reason: "same check on associations",
			object: tma(func(o *authv1alpha1.TeamMemberAssociation) { o.Spec.UserEmail = "jane doe@example.com" }),
			want:   "spec.userEmail must be an email address"},

		// lists and limits
		{name: "empty model name", reason: "an empty list item is always a mistake",
			object: vk(func(o *authv1alpha1.VirtualKey) { o.Spec.Models = []string{"gpt-4o", ""} }),
			want:   "spec.models[1]"},
		{name: "empty team permission", reason: "list items are non-empty on every kind",
			object: team(func(o *authv1alpha1.Team) { o.Spec.TeamMemberPermissions = []string{""} }),
			want:   "spec.teamMemberPermissions[0]"},
		{name: "negative rpmLimit", reason: "limits are counts",
			object: vk(func(o *authv1alpha1.VirtualKey) { o.Spec.RPMLimit = ptr.To(-1) }),
			want:   "spec.rpmLimit: Invalid value: -1: spec.rpmLimit in body should be greater than or equal to 0"},
		{name: "negative team tpmLimit", reason: "limits are counts",
			object: team(func(o *authv1alpha1.Team) { o.Spec.TPMLimit = ptr.To(-5) }),
			want:   "spec.tpmLimit"},
		{name: "negative per-model rpm", reason: "map values are checked too",
			object: vk(func(o *authv1alpha1.VirtualKey) { o.Spec.ModelRPMLimit = map[string]int{"gpt-4o": -1} }),
			want:   "spec.modelRPMLimit values must be non-negative integers"},
		{name: "non-numeric user per-model tpm", reason: "the User keeps these as integer strings",
			object: user(func(o *authv1alpha1.User) {
				o.Spec.ModelTPMLimit = map[string]authv1alpha1.IntString{"gpt-4o": "many"}
			}),
			want: "spec.modelTPMLimit values must be non-negative integers"},

		// modelMaxBudget
		{name: "modelMaxBudget word", reason: "values are <budget> or <budget>/<budgetDuration>",
			object: vk(func(o *authv1alpha1.VirtualKey) {
				o.Spec.ModelMaxBudget = map[string]authv1alpha1.ModelBudgetString{"gpt-4o": "ten"}
			}),
			want: "spec.modelMaxBudget values must be '<budget>' or '<budget>/<budgetDuration>'"},
		{name: "modelMaxBudget bad period", reason: "the period follows the budgetDuration rule",
			object: user(func(o *authv1alpha1.User) {
				o.Spec.ModelMaxBudget = map[string]authv1alpha1.ModelBudgetString{"gpt-4o": "10/2mo"}
			}),
			want: "spec.modelMaxBudget values must be"},

		// names
		{name: "virtual key name too long for its Secret", reason: "<name>-key must be a valid Secret name",
			object: func(ns, _ string) client.Object {
				return validVirtualKey(ns, strings.Repeat("a", 250))
			},
			want: "metadata.name must be at most 249 characters"},

		// immutable fields: set -> changed, set -> unset, unset -> set
		{name: "keyAlias changed", reason: "the key is found by its alias",
			object: vk(noChange), update: change(func(o *authv1alpha1.VirtualKey) { o.Spec.KeyAlias = "other" }),
			want: "spec.keyAlias is immutable"},
		{name: "vk connectionRef changed", reason: "moving proxies would orphan the key",
			object: vk(noChange),
			update: change(func(o *authv1alpha1.VirtualKey) { o.Spec.ConnectionRef.InstanceRef.Name = "other" }),
			want:   "spec.connectionRef is immutable"},
		{name: "tma connectionRef switched to a Secret", reason: "any change of the connection is refused",
			object: tma(noChange),
			update: change(func(o *authv1alpha1.TeamMemberAssociation) { o.Spec.ConnectionRef = secretConnection() }),
			want:   "spec.connectionRef is immutable"},
		{name: "userID changed", reason: "the LiteLLM user is found by its ID",
			object: user(func(o *authv1alpha1.User) { o.Spec.UserID = "jane" }),
			update: change(func(o *authv1alpha1.User) { o.Spec.UserID = "john" }),
			want:   "spec.userID is immutable"},
		{name: "userID removed", reason: "set -> unset would switch to the derived ID",
			object: user(func(o *authv1alpha1.User) { o.Spec.UserID = "jane" }),
			update: change(func(o *authv1alpha1.User) { o.Spec.UserID = "" }),
			want:   "spec.userID is immutable"},
		{name: "userID added", reason: "unset -> set would abandon the derived ID",
			object: user(noChange),
			update: change(func(o *authv1alpha1.User) { o.Spec.UserID = "jane" }),
			want:   "spec.userID is immutable"},
		{name: "user keyAlias added", reason: "the auto-created key is found by its alias",
			object: user(noChange),
			update: change(func(o *authv1alpha1.User) { o.Spec.KeyAlias = "jane-key" }),
			want:   "spec.keyAlias is immutable"},
		{name: "teamID changed", reason: "the LiteLLM team is found by its ID",
			object: team(func(o *authv1alpha1.Team) { o.Spec.TeamID = "t1" }),
			update: change(func(o *authv1alpha1.Team) { o.Spec.TeamID = "t2" }),
			want:   "spec.teamID is immutable"},
		{name: "teamID removed", reason: "set -> unset",
			object: team(func(o *authv1alpha1.Team) { o.Spec.TeamID = "t1" }),
			update: change(func(o *authv1alpha1.Team) { o.Spec.TeamID = "" }),
			want:   "spec.teamID is immutable"},
		{name: "teamID added", reason: "unset -> set",
			object: team(noChange),
			update: change(func(o *authv1alpha1.Team) { o.Spec.TeamID = "t1" }),
			want:   "spec.teamID is immutable"},
		{name: "tma teamAlias changed", reason: "a membership is for one team",
			object: tma(noChange),
			update: change(func(o *authv1alpha1.TeamMemberAssociation) { o.Spec.TeamAlias = "other" }),
			want:   "spec.teamAlias is immutable"},
		{name: "tma userEmail changed", reason: "a membership is for one user",
			object: tma(noChange),
			update: change(func(o *authv1alpha1.TeamMemberAssociation) { o.Spec.UserEmail = "john@example.com" }),
			want:   "spec.userEmail is immutable"},
	}

	runValidationCases(t, cases)
}

// TestMutableFieldsCanChange guards against immutability rules that catch too much.
func TestMutableFieldsCanChange(t *testing.T) {
	cases := []struct {
		name   string
		reason string
		object func(ns, name string) client.Object
		update func(client.Object)
	}{
		{name: "vk key rotated", reason: "design.md: with spec.key set, rotation means changing spec.key",
			object: vk(func(o *authv1alpha1.VirtualKey) { o.Spec.Key = "sk-first-1234" }),
			update: change(func(o *authv1alpha1.VirtualKey) { o.Spec.Key = "sk-second-5678" })},
		{name: "vk budget, models and limits", reason: "the everyday edits",
			object: vk(noChange),
			update: change(func(o *authv1alpha1.VirtualKey) {
				o.Spec.MaxBudget = ptr.To("200")
				o.Spec.Models = append(o.Spec.Models, "claude-3-sonnet")
				o.Spec.RPMLimit = ptr.To(0)
				o.Spec.Blocked = ptr.To(true)
			})},
		{name: "vk moved to a team", reason: "LiteLLM allows changing a key's team",
			object: vk(noChange),
			update: change(func(o *authv1alpha1.VirtualKey) { o.Spec.TeamID = "t1"; o.Spec.UserID = "u1" })},
		{name: "vk budget removed", reason: "removing a field stops managing it",
			object: vk(noChange),
			update: change(func(o *authv1alpha1.VirtualKey) { o.Spec.MaxBudget = nil; o.Spec.BudgetDuration = "" })},
		{name: "user email and role", reason: "LiteLLM updates both by user ID",
			object: user(func(o *authv1alpha1.User) { o.Spec.UserID = "jane" }),
			update: change(func(o *authv1alpha1.User) {
				o.Spec.UserEmail = "jane.doe@example.com"
				o.Spec.UserRole = "proxy_admin_viewer"
			})},
		{name: "team alias", reason: "LiteLLM team aliases can change",
			object: team(func(o *authv1alpha1.Team) { o.Spec.TeamID = "t1" }),
			update: change(func(o *authv1alpha1.Team) { o.Spec.TeamAlias = "renamed" })},
		{name: "member role and budget", reason: "changed through /team/member_update",
			object: tma(noChange),
			update: change(func(o *authv1alpha1.TeamMemberAssociation) {
				o.Spec.Role = "admin"
				o.Spec.MaxBudgetInTeam = ptr.To("5.5")
			})},
		{name: "deletion policy", reason: "a user may decide to keep the LiteLLM object at any time",
			object: team(noChange),
			update: change(func(o *authv1alpha1.Team) { o.Spec.DeletionPolicy = authv1alpha1.DeletionPolicyOrphan })},
	}
	ns := newNamespace(t)
	ctx := context.Background()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := tc.object(ns, fmt.Sprintf("mutable-%d", i))
			require.NoError(t, k8s.Create(ctx, obj))
			tc.update(obj)
			assert.NoError(t, k8s.Update(ctx, obj), tc.reason)
		})
	}
}

func TestValidValuesAreAccepted(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	obj := validVirtualKey(ns, "all-fields")
	obj.Spec.Key = "sk-abc_DEF-123"
	obj.Spec.MaxBudget = ptr.To("250.00")
	obj.Spec.SoftBudget = ptr.To("0.5")
	obj.Spec.Spend = ptr.To("0")
	obj.Spec.Duration = "1mo"
	obj.Spec.BudgetDuration = "1mo"
	obj.Spec.ModelMaxBudget = map[string]authv1alpha1.ModelBudgetString{"gpt-4o": "10", "claude": "0.5/30d", "x": "1/1mo"}
	obj.Spec.ModelRPMLimit = map[string]int{"gpt-4o": 0}
	obj.Spec.Permissions = map[string]string{"allow_pii_controls": "true"}
	obj.Spec.Metadata = map[string]string{"owner": "team-a"}
	obj.Spec.ConnectionRef = secretConnection()
	require.NoError(t, k8s.Create(ctx, obj))

	u := validUser(ns, "jane")
	u.Spec.ModelRPMLimit = map[string]authv1alpha1.IntString{"gpt-4o": "10"}
	u.Spec.ModelTPMLimit = map[string]authv1alpha1.IntString{"gpt-4o": "0"}
	u.Spec.UserEmail = "Jane.Doe+ops@example.co.uk"
	for _, role := range []string{"proxy_admin", "proxy_admin_viewer", "internal_user", "internal_user_viewer"} {
		u := u.DeepCopy()
		u.Name = "user-" + strings.ReplaceAll(role, "_", "-")
		u.Spec.UserRole = role
		assert.NoError(t, k8s.Create(ctx, u), role)
	}
	for _, d := range []string{"30s", "30m", "30h", "30d", "1w"} {
		tm := validTeam(ns, "team-"+d)
		tm.Spec.BudgetDuration = d
		assert.NoError(t, k8s.Create(ctx, tm), d)
	}
}

// TestUnsetDiffersFromZero checks that the API keeps "models: []", "rpmLimit: 0" and
// "blocked: false" apart from unset fields, through a create and a Go round trip.
func TestUnsetDiffersFromZero(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	zero := validVirtualKey(ns, "zero")
	zero.Spec.Models = []string{}
	zero.Spec.Metadata = map[string]string{}
	zero.Spec.RPMLimit = ptr.To(0)
	zero.Spec.Blocked = ptr.To(false)
	zero.Spec.MaxBudget = ptr.To("0")
	require.NoError(t, k8s.Create(ctx, zero))
	unset := validVirtualKey(ns, "unset")
	unset.Spec.Models = nil
	unset.Spec.MaxBudget = nil
	require.NoError(t, k8s.Create(ctx, unset))

	var got authv1alpha1.VirtualKey
	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(zero), &got))
	assert.NotNil(t, got.Spec.Models, "models: [] is kept")
	assert.Empty(t, got.Spec.Models)
	assert.NotNil(t, got.Spec.Metadata, "metadata: {} is kept")
	assert.Equal(t, ptr.To(0), got.Spec.RPMLimit)
	assert.Equal(t, ptr.To(false), got.Spec.Blocked)
	assert.Equal(t, ptr.To("0"), got.Spec.MaxBudget)

	// An Update of the Go object (e.g. adding a finalizer) must not drop "models: []".
	got.Finalizers = append(got.Finalizers, authv1alpha1.FinalizerName)
	require.NoError(t, k8s.Update(ctx, &got))
	raw := &unstructured.Unstructured{}
	raw.SetGroupVersionKind(authv1alpha1.GroupVersion.WithKind("VirtualKey"))
	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(zero), raw))
	models, found, err := unstructured.NestedSlice(raw.Object, "spec", "models")
	require.NoError(t, err)
	assert.True(t, found, "models: [] survives an update")
	assert.Empty(t, models)

	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(unset), &got))
	assert.Nil(t, got.Spec.Models)
	assert.Nil(t, got.Spec.MaxBudget)
	assert.Nil(t, got.Spec.RPMLimit)
	assert.Nil(t, got.Spec.Blocked)
}

func TestDeletionPolicyDefaultsToDelete(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	objs := []client.Object{validVirtualKey(ns, "a"), validUser(ns, "a"), validTeam(ns, "a"), validMembership(ns, "a")}
	for _, obj := range objs {
		require.NoError(t, k8s.Create(ctx, obj))
		assert.Equal(t, authv1alpha1.DeletionPolicyDelete,
			obj.(interface {
				GetDeletionPolicy() authv1alpha1.DeletionPolicy
			}).GetDeletionPolicy(), "%T", obj)
	}
	// The stored object carries the default too, so kubectl shows it.
	raw := &unstructured.Unstructured{}
	raw.SetGroupVersionKind(authv1alpha1.GroupVersion.WithKind("Team"))
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "a"}, raw))
	policy, _, _ := unstructured.NestedString(raw.Object, "spec", "deletionPolicy")
	assert.Equal(t, "Delete", policy)
}

// TestStatusFieldsTheGuideReads checks that currentSpend, isActive, expiryDate and keySecretRef
// are present once status is written, even at their zero values, so jsonpath reads print them.
func TestStatusFieldsTheGuideReads(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	obj := validVirtualKey(ns, "example-service")
	require.NoError(t, k8s.Create(ctx, obj))
	obj.Status.KeySecretRef = authv1alpha1.KeySecretName(obj.Name)
	obj.Status.CurrentSpend = "0"
	obj.Status.Spend = "0"
	require.NoError(t, k8s.Status().Update(ctx, obj))

	raw := &unstructured.Unstructured{}
	raw.SetGroupVersionKind(authv1alpha1.GroupVersion.WithKind("VirtualKey"))
	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(obj), raw))
	status, _, _ := unstructured.NestedMap(raw.Object, "status")
	assert.Equal(t, "0", status["currentSpend"])
	assert.Equal(t, false, status["isActive"])
	assert.Contains(t, status, "expiryDate")
	assert.Equal(t, "example-service-key", status["keySecretRef"])
	assert.NotContains(t, status, "keyValue", "the raw key is never served in status")

	b, err := json.Marshal(authv1alpha1.VirtualKeyStatus{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"keySecretRef":"","currentSpend":"","isActive":false,"expiryDate":""}`, string(b),
		"the fields the guide reads have no omitempty")
}

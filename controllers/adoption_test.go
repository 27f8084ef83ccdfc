package controllers_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

// legacyFixture reproduces what the operator this one replaces leaves in a cluster: its
// finalizer, key Secrets named "<instance>-key-<alias>" owned by the object, LiteLLM IDs (UUIDs)
// only in status, raw keys in status, and conditions of its own.
type legacyFixture struct {
	t  *testing.T
	ns string
	lc *litellm.Client
	// ref, when set, is the objects' connection instead of the late secretRef.
	ref *v1alpha1.ConnectionRef
}

const lateConnection = "late"

func (f *legacyFixture) conn() v1alpha1.ConnectionRef {
	if f.ref != nil {
		return *f.ref
	}
	return secretRef(lateConnection)
}

func (f *legacyFixture) rawKey(alias, userID string) string {
	raw, err := litellm.GenerateRawKey()
	require.NoError(f.t, err)
	seenRawKeys.Store(raw, true)
	_, err = f.lc.GenerateKey(context.Background(), litellm.KeyGenerateRequest{Key: raw, KeyAlias: alias, UserID: userID})
	require.NoError(f.t, err)
	return raw
}

// create makes obj with the legacy finalizer, then gives it the status the old operator wrote.
func (f *legacyFixture) create(obj client.Object, status func()) {
	obj.SetFinalizers([]string{v1alpha1.LegacyFinalizerName})
	create(f.t, obj)
	before := obj.DeepCopyObject().(client.Object)
	status()
	require.NoError(f.t, env.k8s.Status().Patch(context.Background(), obj, client.MergeFrom(before)))
}

func (f *legacyFixture) keySecret(owner client.Object, alias, raw string) {
	gvk, err := env.k8s.GroupVersionKindFor(owner)
	require.NoError(f.t, err)
	create(f.t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: v1alpha1.LegacyKeySecretName(f.conn(), alias), OwnerReferences: []metav1.OwnerReference{{
			APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, Name: owner.GetName(), UID: owner.GetUID(), Controller: ptr.To(true),
		}}},
		Data: map[string][]byte{"key": []byte(raw)},
	})
}

var legacyConditions = []metav1.Condition{
	{Type: "Progressing", Status: metav1.ConditionFalse, Reason: "Done", Message: "old", LastTransitionTime: metav1.Now()},
	{Type: "Degraded", Status: metav1.ConditionFalse, Reason: "AsExpected", Message: "old", LastTransitionTime: metav1.Now()},
}

// legacyObjects is what the other operator left: LiteLLM objects with IDs LiteLLM chose, and the
// Kubernetes objects that name them only in status.
type legacyObjects struct {
	userUUID, teamUUID, email string
	svcAlias, userAlias       string
	svcRaw, userRaw           string
	vk                        *v1alpha1.VirtualKey
	u                         *v1alpha1.User
	tm                        *v1alpha1.Team
	m                         *v1alpha1.TeamMemberAssociation
}

func (l *legacyObjects) all() []client.Object { return []client.Object{l.vk, l.u, l.tm, l.m} }

// assertStamped checks that LiteLLM records every adopted object as its Kubernetes object's.
func (l *legacyObjects) assertStamped(t *testing.T, sim *litellmsim.Simulator) {
	t.Helper()
	stamp := func(kind, name string) string { return "default/" + kind + "/" + l.vk.Namespace + "/" + name }
	require.Eventually(t, func() bool {
		u, _ := sim.User(l.userUUID)
		tm, _ := sim.Team(l.teamUUID)
		svc, _ := sim.KeyByHash(hash(l.svcRaw))
		own, _ := sim.KeyByHash(hash(l.userRaw))
		return u.Metadata[ownerStampKey] == stamp("User", l.u.Name) && tm.Metadata[ownerStampKey] == stamp("Team", l.tm.Name) &&
			svc.Metadata[ownerStampKey] == stamp("VirtualKey", l.vk.Name) && own.Metadata[ownerStampKey] == stamp("VirtualKey", l.u.Name+"-key")
	}, waitTimeout, 100*time.Millisecond, "LiteLLM records the adopted objects as theirs")
}

// makeLegacy builds both sides, without the connection (it comes last, so nothing happens before
// the fixture is whole).
func (f *legacyFixture) makeLegacy() *legacyObjects {
	t, ns, lc, ctx := f.t, f.ns, f.lc, context.Background()
	l := &legacyObjects{userUUID: "2b9c-user-" + ns, teamUUID: "7f3a-team-" + ns, email: "legacy@" + ns + ".example.com",
		svcAlias: "legacy-svc-" + ns, userAlias: "legacy-user-" + ns}
	_, err := lc.NewUser(ctx, litellm.UserNewRequest{UserID: l.userUUID, UserEmail: l.email, AutoCreateKey: new(bool)})
	require.NoError(t, err)
	_, err = lc.NewTeam(ctx, litellm.TeamNewRequest{TeamID: l.teamUUID, TeamAlias: "legacy-team-" + ns})
	require.NoError(t, err)
	_, err = lc.AddTeamMember(ctx, litellm.TeamMemberAddRequest{TeamID: l.teamUUID, Member: litellm.TeamMember{UserID: l.userUUID, Role: "user"}})
	require.NoError(t, err)
	l.svcRaw = f.rawKey(l.svcAlias, "")
	l.userRaw = f.rawKey(l.userAlias, l.userUUID)

	l.vk = &v1alpha1.VirtualKey{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "svc"},
		Spec: v1alpha1.VirtualKeySpec{KeyAlias: l.svcAlias, ConnectionRef: f.conn()}}
	f.create(l.vk, func() {
		l.vk.Status.KeySecretRef = v1alpha1.LegacyKeySecretName(f.conn(), l.svcAlias)
		l.vk.Status.KeyID = l.svcRaw // the old operator kept the raw key here
		l.vk.Status.Conditions = legacyConditions
	})
	f.keySecret(l.vk, l.svcAlias, l.svcRaw)

	l.u = &v1alpha1.User{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "legacy"},
		Spec: v1alpha1.UserSpec{UserEmail: l.email, AutoCreateKey: ptr.To(true), KeyAlias: l.userAlias, ConnectionRef: f.conn()}}
	f.create(l.u, func() {
		l.u.Status.UserID = l.userUUID
		l.u.Status.KeySecretRef = l.userAlias // wrongly the alias
		l.u.Status.Conditions = legacyConditions
	})
	f.keySecret(l.u, l.userAlias, l.userRaw)

	l.tm = &v1alpha1.Team{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "legacy-team"},
		Spec: v1alpha1.TeamSpec{TeamAlias: "legacy-team-" + ns, ConnectionRef: f.conn()}}
	f.create(l.tm, func() { l.tm.Status.TeamID = l.teamUUID })

	l.m = &v1alpha1.TeamMemberAssociation{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "legacy-member"},
		Spec: v1alpha1.TeamMemberAssociationSpec{TeamAlias: "legacy-team-" + ns, UserEmail: l.email, Role: "user", ConnectionRef: f.conn()}}
	f.create(l.m, func() {
		l.m.Status.TeamID, l.m.Status.UserID, l.m.Status.TeamAlias, l.m.Status.UserEmail = l.teamUUID, l.userUUID, "legacy-team-"+ns, l.email
	})
	return l
}

// TestAdoptLegacyObjects: the other operator's objects are adopted with no new key, user, team or
// membership in LiteLLM, every application key unchanged, and none of its marks left.
func TestAdoptLegacyObjects(t *testing.T) {
	ns := newNamespace(t)
	lc, err := litellm.New(litellm.Config{BaseURL: env.sim.URL(), MasterKey: masterKey})
	require.NoError(t, err)
	f := &legacyFixture{t: t, ns: ns, lc: lc}
	ctx := context.Background()
	l := f.makeLegacy()
	vk, u, tm, m := l.vk, l.u, l.tm, l.m
	userUUID, teamUUID, svcAlias, userAlias, svcRaw, userRaw := l.userUUID, l.teamUUID, l.svcAlias, l.userAlias, l.svcRaw, l.userRaw

	keys, users, teams := len(env.sim.Keys()), len(env.sim.Users()), len(env.sim.Teams())
	createConnectionSecret(t, ns, lateConnection, env.sim.URL(), nil)
	for _, obj := range []client.Object{vk, u, tm, m} {
		patchMerge(t, obj, `{"metadata":{"annotations":{"test/nudge":"1"}}}`) // reconcile now, not at the connection retry
	}

	waitReady(t, vk)
	waitUntil(t, u, "user adopted", func(u *v1alpha1.User) bool {
		return ready(u) && u.Status.KeySecretRef != "" && u.Status.KeySecretRef != userAlias
	})
	waitUntil(t, tm, "team adopted", ready[*v1alpha1.Team])
	waitUntil(t, m, "membership adopted", ready[*v1alpha1.TeamMemberAssociation])
	child := &v1alpha1.VirtualKey{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "legacy-key"}}
	waitReady(t, child)

	assert.Equal(t, keys, len(env.sim.Keys()), "no new key in LiteLLM")
	assert.Equal(t, users, len(env.sim.Users()), "no new user")
	assert.Equal(t, teams, len(env.sim.Teams()), "no new team")
	// Full rights (the objects' own secretRef) take over unstamped objects: they are stamped now.
	l.assertStamped(t, env.sim)

	for _, tc := range []struct {
		obj    client.Object
		conds  []metav1.Condition
		reason string
	}{{vk, vk.Status.Conditions, "VirtualKey"}, {u, u.Status.Conditions, "User"}, {tm, tm.Status.Conditions, "Team"}, {m, m.Status.Conditions, "TeamMemberAssociation"}} {
		assert.Equal(t, []string{v1alpha1.FinalizerName}, tc.obj.GetFinalizers(), "%s: the old finalizer is replaced", tc.reason)
		for _, c := range tc.conds {
			assert.Contains(t, []string{v1alpha1.ConditionTypeReady, v1alpha1.ConditionTypeSynced}, c.Type, "%s: only our conditions", tc.reason)
		}
	}

	// The VirtualKey keeps its Secret, by name, and its key.
	assert.Equal(t, "litellm-key-"+svcAlias, vk.Status.KeySecretRef)
	assert.Equal(t, "litellm-key-"+svcAlias, vk.Annotations[v1alpha1.AnnotationKeySecret], "recorded durably")
	assert.Equal(t, hash(svcRaw), vk.Status.KeyID, "the raw key in status is replaced by the hash")
	assert.Equal(t, svcRaw, rawKey(t, vk))
	waitForEvent(t, vk, "Adopted")

	// The User keeps its LiteLLM ID and its key, now held by its own VirtualKey.
	assert.Equal(t, userUUID, u.Annotations[v1alpha1.AnnotationUserID])
	assert.Equal(t, userUUID, u.Status.UserID)
	assert.Equal(t, "litellm-key-"+userAlias, u.Status.KeySecretRef, "status points at the real Secret")
	assert.Equal(t, userRaw, rawKey(t, child))
	assert.Equal(t, teamUUID, tm.Annotations[v1alpha1.AnnotationTeamID])

	for _, raw := range []string{svcRaw, userRaw} {
		code, body := chat(t, env.sim.URL(), raw, "gpt-4o")
		assert.Equal(t, http.StatusOK, code, "application keys keep working: %s", body)
	}

	// Deleting an adopted object cleans up LiteLLM and its Secret.
	deleteAndWait(t, vk)
	_, found := env.sim.KeyByHash(hash(svcRaw))
	assert.False(t, found)
	assert.Eventually(t, func() bool {
		err := env.k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: "litellm-key-" + svcAlias}, &corev1.Secret{})
		return apierrors.IsNotFound(err)
	}, waitTimeout, 200*time.Millisecond)
}

// TestAdoptMismatchedKey: a leftover Secret whose key is not the one LiteLLM holds under the alias
// is reported, never overwritten.
func TestAdoptMismatchedKey(t *testing.T) {
	ns := newNamespace(t)
	lc, err := litellm.New(litellm.Config{BaseURL: env.sim.URL(), MasterKey: masterKey})
	require.NoError(t, err)
	f := &legacyFixture{t: t, ns: ns, lc: lc}
	alias := "mismatch-" + ns
	f.rawKey(alias, "")
	stale, err := litellm.GenerateRawKey()
	require.NoError(t, err)
	seenRawKeys.Store(stale, true)

	vk := &v1alpha1.VirtualKey{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "svc"},
		Spec: v1alpha1.VirtualKeySpec{KeyAlias: alias, ConnectionRef: f.conn()}}
	f.create(vk, func() { vk.Status.KeySecretRef = "litellm-key-" + alias })
	f.keySecret(vk, alias, stale)
	createConnectionSecret(t, ns, lateConnection, env.sim.URL(), nil)
	patchMerge(t, vk, `{"metadata":{"annotations":{"test/nudge":"1"}}}`)

	waitForVK(t, vk, "alias in use", hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, v1alpha1.ReasonAliasInUse))
	secret := &corev1.Secret{}
	require.NoError(t, env.k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "litellm-key-" + alias}, secret))
	assert.Equal(t, stale, string(secret.Data["key"]), "the Secret is not re-keyed")
	assert.Len(t, env.sim.KeysByAlias(alias), 1, "no second key under the alias")
}

// TestLegacyObjectsPassValidation: objects as users of the replaced operator plausibly wrote them
// are accepted by this operator's stricter schema, so installing its CRDs refuses none of them.
func TestLegacyObjectsPassValidation(t *testing.T) {
	ns := newNamespace(t)
	legacyConn := v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{Name: "litellm-example", Namespace: "litellm"}}
	objects := []struct {
		reason string
		obj    client.Object
	}{
		{"the guide's basic key", &v1alpha1.VirtualKey{Spec: v1alpha1.VirtualKeySpec{KeyAlias: "example-service",
			Models: []string{"gpt-4o"}, MaxBudget: ptr.To("10"), BudgetDuration: "1h", ConnectionRef: legacyConn}}},
		{"cents, monthly budget, long duration, limits", &v1alpha1.VirtualKey{Spec: v1alpha1.VirtualKeySpec{KeyAlias: "research",
			MaxBudget: ptr.To("250.50"), BudgetDuration: "1mo", Duration: "720h", TPMLimit: ptr.To(1000), RPMLimit: ptr.To(60),
			Metadata: map[string]string{"team": "research"}, ConnectionRef: secretRef("litellm")}}},
		{"a user-chosen key", &v1alpha1.VirtualKey{Spec: v1alpha1.VirtualKeySpec{KeyAlias: "byo", Key: "sk-my-service-1234", ConnectionRef: legacyConn}}},
		{"a user with an auto-created key", &v1alpha1.User{Spec: v1alpha1.UserSpec{UserEmail: "a.b+c@example.co.uk", UserRole: "internal_user",
			AutoCreateKey: ptr.To(true), KeyAlias: "ab", Duration: "30d", MaxBudget: ptr.To("100"), Models: []string{"gpt-4o"}, ConnectionRef: legacyConn}}},
		{"a team", &v1alpha1.Team{Spec: v1alpha1.TeamSpec{TeamAlias: "Data Science", MaxBudget: ptr.To("1000"), BudgetDuration: "30d",
			Models: []string{"gpt-4o"}, ConnectionRef: legacyConn}}},
		{"an admin membership", &v1alpha1.TeamMemberAssociation{Spec: v1alpha1.TeamMemberAssociationSpec{TeamAlias: "Data Science",
			UserEmail: "a@example.com", Role: "admin", MaxBudgetInTeam: ptr.To("20"), ConnectionRef: legacyConn}}},
	}
	for i, tc := range objects {
		t.Run(tc.reason, func(t *testing.T) {
			tc.obj.SetNamespace(ns)
			tc.obj.SetName(fmt.Sprintf("legacy-%d", i))
			tc.obj.SetFinalizers([]string{v1alpha1.LegacyFinalizerName})
			assert.NoError(t, env.k8s.Create(context.Background(), tc.obj, client.DryRunAll))
		})
	}
}

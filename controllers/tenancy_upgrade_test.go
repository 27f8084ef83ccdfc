package controllers_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

// TestUpgradeStampsEarlierObjects: objects made by a release without owner stamps (derived IDs, no
// stamp in LiteLLM) are stamped on their next reconcile, with no new key, user or team and the same
// key in the Secret, through a secretRef (full rights) and through a granted instance alike. A
// rotation due at that moment waits for the stamp, so the replaced key can be proven this object's
// and deleted.
func TestUpgradeStampsEarlierObjects(t *testing.T) {
	for _, zone := range []string{"own secretRef", "granted instance"} {
		t.Run(zone, func(t *testing.T) {
			ns := newNamespace(t)
			sim := newSimulator(t, ns, "own", litellmsim.Options{})
			conn := secretRef("own")
			if zone == "granted instance" {
				instance := newNamespace(t)
				create(t, &corev1.Secret{
					ObjectMeta: metav1.ObjectMeta{Namespace: instance, Name: sharedInstance + "-secrets",
						Annotations: map[string]string{v1alpha1.AnnotationAllowedNamespaces: ns}},
					StringData: map[string]string{"masterkey": masterKey, "url": sim.URL()},
				})
				conn = v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{Name: sharedInstance, Namespace: instance}}
			}
			tm := newTeam(ns, "research", func(tm *v1alpha1.Team) { tm.Spec.ConnectionRef = conn })
			u := newUser(ns, "alice", func(u *v1alpha1.User) { u.Spec.ConnectionRef = conn })
			m := newMembership(ns, "alice-research", tm.Spec.TeamAlias, u.Spec.UserEmail)
			m.Spec.ConnectionRef = conn
			for _, obj := range []conditioned{tm, u, m} {
				create(t, obj)
			}
			waitUntil(t, tm, "team Ready", ready[*v1alpha1.Team])
			waitUntil(t, u, "user Ready", ready[*v1alpha1.User])
			waitUntil(t, m, "membership Ready", ready[*v1alpha1.TeamMemberAssociation])
			vk := newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) {
				vk.Spec.ConnectionRef = conn
				vk.Spec.TeamID, vk.Spec.UserID = tm.Status.TeamID, u.Status.UserID
			})
			create(t, vk)
			waitReady(t, vk)
			raw := rawKey(t, vk)

			// The earlier release: the same objects, without stamps.
			unstamp := func(md map[string]any) { delete(md, ownerStampKey) }
			require.True(t, sim.MutateTeam(tm.Status.TeamID, func(x *litellmsim.Team) { unstamp(x.Metadata) }))
			require.True(t, sim.MutateUser(u.Status.UserID, func(x *litellmsim.User) { unstamp(x.Metadata) }))
			require.True(t, sim.MutateKey(hash(raw), func(x *litellmsim.Key) { unstamp(x.Metadata) }))
			keys, users, teams := len(sim.Keys()), len(sim.Users()), len(sim.Teams())

			for _, obj := range []client.Object{tm, u, vk} {
				nudge(t, obj)
			}
			require.Eventually(t, func() bool {
				team, _ := sim.Team(tm.Status.TeamID)
				user, _ := sim.User(u.Status.UserID)
				key, _ := sim.KeyByHash(hash(raw))
				return team.Metadata[ownerStampKey] == "default/Team/"+ns+"/research" &&
					user.Metadata[ownerStampKey] == "default/User/"+ns+"/alice" &&
					key.Metadata[ownerStampKey] == "default/VirtualKey/"+ns+"/svc"
			}, waitTimeout, 100*time.Millisecond, "stamped on the next reconcile")
			assert.Equal(t, []int{keys, users, teams}, []int{len(sim.Keys()), len(sim.Users()), len(sim.Teams())}, "nothing new in LiteLLM")
			assert.Equal(t, raw, rawKey(t, vk), "the same key")
			waitForEvent(t, vk, "Stamped")
			code, body := chat(t, sim.URL(), raw, "gpt-4o")
			assert.Equal(t, http.StatusOK, code, "the key works: %s", body)

			// An earlier key whose rotation is due when the new release first sees it.
			require.True(t, sim.MutateKey(hash(raw), func(x *litellmsim.Key) { unstamp(x.Metadata) }))
			patchMerge(t, vk, `{"metadata":{"annotations":{"`+v1alpha1.AnnotationRotate+`":"upgrade"}}}`)
			waitForVK(t, vk, "rotated", func(vk *v1alpha1.VirtualKey) bool { return vk.Status.TokenID != hash(raw) && ready(vk) })
			_, found := sim.KeyByHash(hash(raw))
			assert.False(t, found, "the replaced key, stamped first, was deleted")
		})
	}
}

// TestAdoptLegacyObjectsGranted: the replaced operator's objects in a namespace granted a shared
// instance carry no stamp and IDs LiteLLM chose, which no rule ties to them: they are taken over
// only when the instance's owner allows adoptUnstamped (for the migration), and not by default.
// The key that uses no team or user is the Secret's key: it is taken over either way.
func TestAdoptLegacyObjectsGranted(t *testing.T) {
	for _, adopt := range []bool{false, true} {
		t.Run(map[bool]string{false: "default policy", true: "adoptUnstamped"}[adopt], func(t *testing.T) {
			ns := newNamespace(t)
			instance := newNamespace(t)
			ref := v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{Name: sharedInstance, Namespace: instance}}
			f := &legacyFixture{t: t, ns: ns, lc: adminClient(t), ref: &ref}
			l := f.makeLegacy()
			annotations := map[string]string{v1alpha1.AnnotationAllowedNamespaces: ns}
			if adopt {
				annotations[v1alpha1.AnnotationGrantPolicy] = "adoptUnstamped: true"
			}
			create(t, &corev1.Secret{ // last: nothing happens before the fixture is whole
				ObjectMeta: metav1.ObjectMeta{Namespace: instance, Name: sharedInstance + "-secrets", Annotations: annotations},
				StringData: map[string]string{"masterkey": masterKey, "url": env.sim.URL()},
			})
			for _, obj := range l.all() {
				nudge(t, obj)
			}
			waitReady(t, l.vk)
			if !adopt {
				waitUntil(t, l.u, "refused", syncedReason[*v1alpha1.User](v1alpha1.ReasonNotOwned))
				waitUntil(t, l.tm, "refused", syncedReason[*v1alpha1.Team](v1alpha1.ReasonNotOwned))
				assert.Contains(t, condition(l.u, v1alpha1.ConditionTypeSynced).Message, "adoptUnstamped", "the message says how to allow it")
				user, _ := env.sim.User(l.userUUID)
				assert.NotContains(t, user.Metadata, ownerStampKey, "nothing is written to it")
				deleteAndWait(t, l.tm)
				_, found := env.sim.Team(l.teamUUID)
				assert.True(t, found, "deleting the object does not delete what it could not prove its own")
				return
			}
			waitUntil(t, l.u, "user adopted", ready[*v1alpha1.User])
			waitUntil(t, l.tm, "team adopted", ready[*v1alpha1.Team])
			waitUntil(t, l.m, "membership adopted", ready[*v1alpha1.TeamMemberAssociation])
			waitReady(t, &v1alpha1.VirtualKey{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: l.u.Name + "-key"}})
			l.assertStamped(t, env.sim)
			for _, raw := range []string{l.svcRaw, l.userRaw} {
				code, body := chat(t, env.sim.URL(), raw, "gpt-4o")
				assert.Equal(t, http.StatusOK, code, "application keys keep working: %s", body)
			}
		})
	}
}

// TestAdoptUnstampedNeedsTheSameEmailOrAlias: adoptUnstamped takes over an unstamped user or team
// only when its email or alias is the spec's, so a tenant cannot claim one blindly by ID.
func TestAdoptUnstampedNeedsTheSameEmailOrAlias(t *testing.T) {
	ns, conn := grantedTenant(t, "adoptUnstamped: true", nil)
	lc := adminClient(t)
	id := uniqueID("outside-user")
	_, err := lc.NewUser(context.Background(), litellm.UserNewRequest{UserID: id, UserEmail: "someone@example.com", AutoCreateKey: new(bool)})
	require.NoError(t, err)
	u := newUser(ns, "claimer", func(u *v1alpha1.User) {
		u.Spec.ConnectionRef, u.Spec.UserID, u.Spec.MaxBudget = conn, id, ptr.To("1")
	})
	create(t, u)
	waitUntil(t, u, "refused", syncedReason[*v1alpha1.User](v1alpha1.ReasonNotOwned))
	user, _ := env.sim.User(id)
	assert.Equal(t, "someone@example.com", user.UserEmail, "unchanged")
	assert.NotContains(t, user.Metadata, ownerStampKey)
}

// TestAdoptUnstampedNeverAnAdmin: adoptUnstamped lets a granted User take over an unstamped user
// with its email, but never one whose role the grant does not allow (the platform's own admins,
// made outside the operator): taking it over would hand the namespace an admin user, and with
// autoCreateKey an admin key, and deleting the object would delete the admin.
func TestAdoptUnstampedNeverAnAdmin(t *testing.T) {
	ns, conn := grantedTenant(t, "adoptUnstamped: true", nil)
	lc := adminClient(t)
	id, email := uniqueID("platform-admin"), uniqueID("admin")+"@example.com"
	_, err := lc.NewUser(context.Background(), litellm.UserNewRequest{UserID: id, UserEmail: email, UserRole: "proxy_admin", AutoCreateKey: new(bool)})
	require.NoError(t, err)
	u := newUser(ns, "claimer", func(u *v1alpha1.User) {
		u.Spec.ConnectionRef, u.Spec.UserID, u.Spec.UserEmail = conn, id, email
		u.Spec.AutoCreateKey, u.Spec.KeyAlias = ptr.To(true), uniqueID("admin-key")
	})
	create(t, u)
	waitUntil(t, u, "refused", syncedReason[*v1alpha1.User](reasonNotPermitted))
	assert.Contains(t, condition(u, v1alpha1.ConditionTypeSynced).Message, "proxy_admin", "the message names the role")
	user, _ := env.sim.User(id)
	assert.Equal(t, "proxy_admin", user.UserRole, "unchanged")
	assert.NotContains(t, user.Metadata, ownerStampKey, "not taken over")
	for _, k := range env.sim.Keys() {
		assert.NotEqual(t, id, k.UserID, "no key of the admin user (%s)", k.KeyAlias)
	}
	deleteAndWait(t, u)
	_, found := env.sim.User(id)
	assert.True(t, found, "deleting the object leaves the admin in place")
}

// TestAdoptUnstampedNeverASharedTeam: a team the grant policy shares with granted namespaces
// (teams) may be referenced by all of them, so adoptUnstamped never lets one of them take it
// over: that namespace could rewrite it and, by deleting its object, delete it with every key
// bound to it, other namespaces' included.
func TestAdoptUnstampedNeverASharedTeam(t *testing.T) {
	id := uniqueID("sandbox")
	ns, conn := grantedTenant(t, "adoptUnstamped: true\nteams: ["+id+"]", nil)
	lc := adminClient(t)
	_, err := lc.NewTeam(context.Background(), litellm.TeamNewRequest{TeamID: id, TeamAlias: id})
	require.NoError(t, err)
	tm := newTeam(ns, "grab", func(tm *v1alpha1.Team) {
		tm.Spec.ConnectionRef, tm.Spec.TeamID, tm.Spec.TeamAlias = conn, id, id
		tm.Spec.MaxBudget = ptr.To("0.01")
	})
	create(t, tm)
	waitUntil(t, tm, "refused", syncedReason[*v1alpha1.Team](reasonNotOwned))
	team, _ := env.sim.Team(id)
	assert.NotContains(t, team.Metadata, ownerStampKey, "not taken over")
	assert.Nil(t, team.MaxBudget, "not written to")
	deleteAndWait(t, tm)
	_, found := env.sim.Team(id)
	assert.True(t, found, "deleting the object leaves the shared team in place")
}

// TestSharedMembershipIsNoNamespacesOwn: when the grant policy shares both a team and a user,
// their membership belongs to no granted namespace: an association of one namespace neither
// counts it as its own nor removes it on deletion (which would also delete that user's keys in
// the team, whoever made them).
func TestSharedMembershipIsNoNamespacesOwn(t *testing.T) {
	teamID, userID := uniqueID("sandbox"), uniqueID("ci-bot")
	email := userID + "@example.com"
	ns, conn := grantedTenant(t, "teams: ["+teamID+"]\nusers: ["+userID+"]", nil)
	lc := adminClient(t)
	ctx := context.Background()
	_, err := lc.NewTeam(ctx, litellm.TeamNewRequest{TeamID: teamID, TeamAlias: teamID})
	require.NoError(t, err)
	_, err = lc.NewUser(ctx, litellm.UserNewRequest{UserID: userID, UserEmail: email, AutoCreateKey: new(bool)})
	require.NoError(t, err)
	_, err = lc.AddTeamMember(ctx, litellm.TeamMemberAddRequest{TeamID: teamID, Member: litellm.TeamMember{UserID: userID, Role: "user"}})
	require.NoError(t, err)
	m := newMembership(ns, "claim", teamID, email)
	m.Spec.ConnectionRef, m.Spec.MaxBudgetInTeam = conn, nil
	create(t, m)
	refused(t, m, reasonNotPermitted)() // goes on when it never comes: the deletion is the harm
	deleteAndWait(t, m)
	team, _ := env.sim.Team(teamID)
	assert.True(t, slices.ContainsFunc(team.MembersWithRoles, func(m litellmsim.Member) bool { return m.UserID == userID }),
		"the shared user is still in the shared team")
}

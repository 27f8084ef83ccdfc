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
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

type conditioned interface {
	client.Object
	GetConditions() []metav1.Condition
}

// waitUntil polls obj until check passes.
func waitUntil[T conditioned](t *testing.T, obj T, what string, check func(T) bool) {
	t.Helper()
	require.Eventually(t, func() bool {
		if err := env.k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
			return false
		}
		return check(obj)
	}, waitTimeout, 100*time.Millisecond, "%s: %s/%s; conditions: %+v", what, obj.GetNamespace(), obj.GetName(), obj.GetConditions())
}

func ready[T conditioned](obj T) bool {
	r, s := condition(obj, v1alpha1.ConditionTypeReady), condition(obj, v1alpha1.ConditionTypeSynced)
	return r != nil && s != nil && r.Status == metav1.ConditionTrue && s.Status == metav1.ConditionTrue &&
		r.ObservedGeneration == obj.GetGeneration() && s.ObservedGeneration == obj.GetGeneration()
}

func syncedReason[T conditioned](reason string) func(T) bool {
	return func(obj T) bool {
		s := condition(obj, v1alpha1.ConditionTypeSynced)
		return s != nil && s.Status == metav1.ConditionFalse && s.Reason == reason
	}
}

func newUser(ns, name string, mutate ...func(*v1alpha1.User)) *v1alpha1.User {
	u := &v1alpha1.User{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.UserSpec{
			UserEmail: name + "@" + ns + ".example.com", UserRole: "internal_user",
			MaxBudget: ptr.To("20"), Models: []string{"gpt-4o"}, ConnectionRef: secretRef("litellm"),
		},
	}
	for _, m := range mutate {
		m(u)
	}
	return u
}

func newTeam(ns, name string, mutate ...func(*v1alpha1.Team)) *v1alpha1.Team {
	tm := &v1alpha1.Team{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.TeamSpec{TeamAlias: ns + "-" + name, MaxBudget: ptr.To("100"), Models: []string{"gpt-4o"},
			ConnectionRef: secretRef("litellm")},
	}
	for _, m := range mutate {
		m(tm)
	}
	return tm
}

func newMembership(ns, name, teamAlias, email string) *v1alpha1.TeamMemberAssociation {
	return &v1alpha1.TeamMemberAssociation{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.TeamMemberAssociationSpec{TeamAlias: teamAlias, UserEmail: email, Role: "user",
			MaxBudgetInTeam: ptr.To("5"), ConnectionRef: secretRef("litellm")},
	}
}

// TestUserWithAutoCreateKey: the guide's auto-created key is a VirtualKey owned by the User, with
// the User's models, budget and connection; deleting the User removes it, its Secret and its key.
func TestUserWithAutoCreateKey(t *testing.T) {
	ns := newNamespace(t)
	u := newUser(ns, "alice", func(u *v1alpha1.User) {
		u.Spec.AutoCreateKey = ptr.To(true)
		u.Spec.KeyAlias = "alice-" + ns
		u.Spec.Duration = "30d"
	})
	create(t, u)
	waitUntil(t, u, "user ready with key", func(u *v1alpha1.User) bool { return ready(u) && u.Status.KeySecretRef != "" })

	id := ns + ".alice"
	assert.Equal(t, id, u.Status.UserID, "the user ID is derived from namespace and name")
	lu, ok := env.sim.User(id)
	require.True(t, ok)
	assert.Equal(t, u.Spec.UserEmail, lu.UserEmail)

	vk := &v1alpha1.VirtualKey{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "alice-key"}}
	get(t, vk)
	assert.True(t, metav1.IsControlledBy(vk, u), "the key is a VirtualKey owned by the User")
	assert.Equal(t, "alice-"+ns, vk.Spec.KeyAlias)
	assert.Equal(t, id, vk.Spec.UserID)
	assert.Equal(t, []string{"gpt-4o"}, vk.Spec.Models)
	assert.Equal(t, ptr.To("20"), vk.Spec.MaxBudget)
	waitReady(t, vk)
	raw := rawKey(t, vk)
	keys := env.sim.KeysByAlias("alice-" + ns)
	require.Len(t, keys, 1)
	assert.Equal(t, id, keys[0].UserID)
	userKeys := 0
	for _, k := range env.sim.Keys() {
		if k.UserID == id {
			userKeys++
		}
	}
	assert.Equal(t, 1, userKeys, "LiteLLM made no key of its own (auto_create_key=false)")
	code, _ := chat(t, env.sim.URL(), raw, "gpt-4o")
	assert.Equal(t, http.StatusOK, code)

	// A direct edit of the child is put back; a change of the User flows to it.
	patchMerge(t, vk, `{"spec":{"maxBudget":"999"}}`)
	waitForVK(t, vk, "edit put back", func(vk *v1alpha1.VirtualKey) bool { return vk.Spec.MaxBudget != nil && *vk.Spec.MaxBudget == "20" })
	patchMerge(t, u, `{"spec":{"maxBudget":"30"}}`)
	waitForVK(t, vk, "User change flows", func(vk *v1alpha1.VirtualKey) bool { return vk.Status.MaxBudget == "30" })

	deleteAndWait(t, u)
	assert.Eventually(t, func() bool {
		err := env.k8s.Get(context.Background(), client.ObjectKeyFromObject(vk), &v1alpha1.VirtualKey{})
		return apierrors.IsNotFound(err)
	}, waitTimeout, 100*time.Millisecond, "the child VirtualKey is deleted")
	assert.Eventually(t, func() bool {
		err := env.k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "alice-key-key"}, &corev1.Secret{})
		return apierrors.IsNotFound(err)
	}, waitTimeout, 100*time.Millisecond, "the key Secret is deleted")
	_, found := env.sim.KeyByHash(hash(raw))
	assert.False(t, found, "the key is deleted in LiteLLM")
	_, found = env.sim.User(id)
	assert.False(t, found, "the user is deleted in LiteLLM")
}

func TestAutoCreateKeyTurnedOff(t *testing.T) {
	ns := newNamespace(t)
	u := newUser(ns, "bob", func(u *v1alpha1.User) { u.Spec.AutoCreateKey = ptr.To(true) })
	create(t, u)
	waitUntil(t, u, "ready with key", func(u *v1alpha1.User) bool { return ready(u) && u.Status.KeySecretRef != "" })
	patchMerge(t, u, `{"spec":{"autoCreateKey":false}}`)
	assert.Eventually(t, func() bool {
		err := env.k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "bob-key"}, &v1alpha1.VirtualKey{})
		return apierrors.IsNotFound(err)
	}, waitTimeout, 100*time.Millisecond)
	assert.Eventually(t, func() bool { return len(env.sim.KeysByAlias(ns+".bob")) == 0 }, waitTimeout, 100*time.Millisecond)
}

// TestLostCreateResponses: a lost /user/new or /team/new response leaves exactly one object.
func TestLostCreateResponses(t *testing.T) {
	ns := newNamespace(t)
	t.Cleanup(env.sim.ClearFaults)
	u := newUser(ns, "carol")
	tm := newTeam(ns, "platform")
	lostUser := env.sim.For(litellmsim.Match{UserID: ns + ".carol"}).DropAfterApply("/user/new", 1)
	lostTeam := env.sim.For(litellmsim.Match{TeamID: ns + ".platform"}).DropAfterApply("/team/new", 1)
	create(t, u)
	create(t, tm)
	waitUntil(t, u, "user ready", ready[*v1alpha1.User])
	waitUntil(t, tm, "team ready", ready[*v1alpha1.Team])
	requireHits(t, 1, lostUser, lostTeam)

	n := 0
	for _, lu := range env.sim.Users() {
		if lu.UserEmail == u.Spec.UserEmail {
			n++
		}
	}
	assert.Equal(t, 1, n, "one user")
	n = 0
	for _, lt := range env.sim.Teams() {
		if lt.TeamAlias == tm.Spec.TeamAlias {
			n++
		}
	}
	assert.Equal(t, 1, n, "one team")
}

// TestEmailInUse: an email another LiteLLM user has is reported without naming that user.
func TestEmailInUse(t *testing.T) {
	ns := newNamespace(t)
	lc, err := litellm.New(litellm.Config{BaseURL: env.sim.URL(), MasterKey: masterKey})
	require.NoError(t, err)
	_, err = lc.NewUser(context.Background(), litellm.UserNewRequest{UserID: "sso-" + ns, UserEmail: "dave@" + ns + ".example.com", AutoCreateKey: new(bool)})
	require.NoError(t, err)
	u := newUser(ns, "dave", func(u *v1alpha1.User) { u.Spec.UserEmail = "Dave@" + ns + ".example.com" })
	create(t, u)
	waitUntil(t, u, "email in use", syncedReason[*v1alpha1.User](v1alpha1.ReasonEmailInUse))
	msg := condition(u, v1alpha1.ConditionTypeSynced).Message
	assert.Contains(t, msg, "another LiteLLM user")
	assert.NotContains(t, msg, "sso-"+ns, "the other user may be another tenant's: it is not named")
}

// TestTeamAndMembership: an association created before its Team and User waits, then becomes
// Ready; a team or membership removed out of band is restored; unchanged objects resync without
// writes.
func TestTeamAndMembership(t *testing.T) {
	ns := newNamespace(t)
	tm := newTeam(ns, "platform")
	u := newUser(ns, "erin")
	m := newMembership(ns, "erin-platform", tm.Spec.TeamAlias, u.Spec.UserEmail)
	create(t, m)
	waitUntil(t, m, "waiting for team and user", func(m *v1alpha1.TeamMemberAssociation) bool {
		s := condition(m, v1alpha1.ConditionTypeSynced)
		return s != nil && s.Status == metav1.ConditionFalse && s.Reason == v1alpha1.ReasonDependencyMissing
	})
	create(t, tm)
	create(t, u)
	waitUntil(t, m, "membership ready", ready[*v1alpha1.TeamMemberAssociation])
	get(t, tm)
	teamID := ns + ".platform"
	assert.Equal(t, teamID, m.Status.TeamID)
	assert.Equal(t, ns+".erin", m.Status.UserID)
	ms, ok := env.sim.Membership(teamID, ns+".erin")
	require.True(t, ok)
	require.NotNil(t, ms.MaxBudgetInTeam)
	assert.InDelta(t, 5, *ms.MaxBudgetInTeam, 1e-9)

	// Steady state: nothing written to LiteLLM or Kubernetes.
	waitUntil(t, tm, "team ready", ready[*v1alpha1.Team])
	waitUntil(t, u, "user ready", ready[*v1alpha1.User])
	// The Team's status shows the new member from its next resync on: let that land first.
	objects := []client.Object{tm, u, m}
	for _, obj := range objects {
		waitForReconciles(t, obj, reconciles(obj), 2)
	}
	writes := env.writes.forNamespace(ns)
	t.Cleanup(env.sim.ClearFaults)
	var liteLLMWrites []*litellmsim.Fault
	for _, match := range []litellmsim.Match{{TeamID: teamID}, {UserID: ns + ".erin"}} {
		for _, path := range []string{"/team/new", "/team/update", "/user/new", "/user/update", "/team/member_add", "/team/member_update"} {
			liteLLMWrites = append(liteLLMWrites, env.sim.For(match).Watch(path))
		}
	}
	teamReads := env.sim.For(litellmsim.Match{TeamID: teamID}).Watch("/team/info")
	userReads := env.sim.For(litellmsim.Match{UserID: ns + ".erin"}).Watch("/user/info")
	for _, obj := range objects {
		waitForReconciles(t, obj, reconciles(obj), 3)
	}
	assert.Equal(t, writes, env.writes.forNamespace(ns), "no Kubernetes writes on resync")
	requireHits(t, 0, liteLLMWrites...)
	assert.Positive(t, teamReads.Hits(), "the watches see this team's calls")
	assert.Positive(t, userReads.Hits(), "and this user's")

	// A membership removed out of band is restored.
	lc, err := litellm.New(litellm.Config{BaseURL: env.sim.URL(), MasterKey: masterKey})
	require.NoError(t, err)
	_, err = lc.DeleteTeamMember(context.Background(), litellm.TeamMemberDeleteRequest{TeamID: teamID, UserID: ns + ".erin"})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, ok := env.sim.Membership(teamID, ns+".erin")
		return ok
	}, waitTimeout, 100*time.Millisecond, "membership restored")

	// A team deleted in LiteLLM is recreated.
	require.True(t, env.sim.DeleteTeam(teamID))
	require.Eventually(t, func() bool {
		_, ok := env.sim.Team(teamID)
		return ok
	}, waitTimeout, 100*time.Millisecond, "team recreated")

	// Admin is Enterprise-only on a free proxy.
	patchMerge(t, m, `{"spec":{"role":"admin"}}`)
	waitUntil(t, m, "enterprise", syncedReason[*v1alpha1.TeamMemberAssociation](v1alpha1.ReasonEnterpriseFeature))
	patchMerge(t, m, `{"spec":{"role":"user"}}`)
	waitUntil(t, m, "ready again", ready[*v1alpha1.TeamMemberAssociation])
}

// TestMembershipDeletionAndTeamKeys: with current LiteLLM, removing a member deletes the member's
// keys in the team, and a VirtualKey that declares that user and team waits (DependencyMissing)
// instead of bringing the key back; with older LiteLLM the key stays.
func TestMembershipDeletionAndTeamKeys(t *testing.T) {
	cases := []struct {
		reason     string
		variant    litellmsim.Variant
		keyRemains bool
	}{
		{reason: "current LiteLLM deletes the member's team keys", keyRemains: false},
		{reason: "older LiteLLM keeps them", variant: litellmsim.Variant{KeepMemberKeysOnMemberDelete: true}, keyRemains: true},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			ns := newNamespace(t)
			sim := newSimulator(t, ns, "variant", litellmsim.Options{Variant: tc.variant})
			conn := secretRef("variant")

			tm := newTeam(ns, "data", func(tm *v1alpha1.Team) { tm.Spec.ConnectionRef = conn })
			u := newUser(ns, "frank", func(u *v1alpha1.User) { u.Spec.ConnectionRef = conn })
			m := newMembership(ns, "frank-data", tm.Spec.TeamAlias, u.Spec.UserEmail)
			m.Spec.ConnectionRef = conn
			create(t, tm)
			create(t, u)
			create(t, m)
			waitUntil(t, m, "membership ready", ready[*v1alpha1.TeamMemberAssociation])
			vk := newVirtualKey(ns, "frank-data-key", func(vk *v1alpha1.VirtualKey) {
				vk.Spec.ConnectionRef = conn
				vk.Spec.UserID = ns + ".frank"
				vk.Spec.TeamID = ns + ".data"
			})
			create(t, vk)
			waitReady(t, vk)
			raw := rawKey(t, vk)

			deleteAndWait(t, m)
			_, inTeam := sim.Membership(ns+".data", ns+".frank")
			assert.False(t, inTeam)
			if tc.keyRemains {
				waitForReconciles(t, vk, reconciles(vk), 2)
				_, found := sim.KeyByHash(hash(raw))
				assert.True(t, found, "the key is still there after two more reconciles of its VirtualKey")
				return
			}
			waitForVK(t, vk, "dependency missing", hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, v1alpha1.ReasonDependencyMissing))
			_, found := sim.KeyByHash(hash(raw))
			assert.False(t, found, "the key is not brought back while the user is not a member")
			assert.True(t, slices.Contains(eventReasons(t, m), "KeysDeleted"), "a warning says keys go with the membership")
		})
	}
}

// TestUserTeamsAreAdditive: spec.teams makes the user a member of each listed team, through the
// member calls (LiteLLM's /user/new ignores failures to join), and never removes other memberships.
func TestUserTeamsAreAdditive(t *testing.T) {
	ns := newNamespace(t)
	lc, err := litellm.New(litellm.Config{BaseURL: env.sim.URL(), MasterKey: masterKey})
	require.NoError(t, err)
	for _, team := range []string{"a-" + ns, "b-" + ns} {
		_, err := lc.NewTeam(context.Background(), litellm.TeamNewRequest{TeamID: team, TeamAlias: team})
		require.NoError(t, err)
	}
	u := newUser(ns, "gina", func(u *v1alpha1.User) { u.Spec.Teams = []string{"a-" + ns} })
	create(t, u)
	waitUntil(t, u, "ready", ready[*v1alpha1.User])
	id := ns + ".gina"
	assert.True(t, isMember("a-"+ns, id), "joined the listed team")

	// A membership made elsewhere stays.
	_, err = lc.AddTeamMember(context.Background(), litellm.TeamMemberAddRequest{TeamID: "b-" + ns, Member: litellm.TeamMember{UserID: id, Role: "user"}})
	require.NoError(t, err)
	waitForReconciles(t, u, reconciles(u), 2)
	assert.True(t, isMember("b-"+ns, id), "memberships the User did not add are not removed, after two more reconciles of the User")

	// One removed out of band is restored.
	_, err = lc.DeleteTeamMember(context.Background(), litellm.TeamMemberDeleteRequest{TeamID: "a-" + ns, UserID: id})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return isMember("a-"+ns, id) }, waitTimeout, 100*time.Millisecond)
}

func isMember(teamID, userID string) bool {
	team, ok := env.sim.Team(teamID)
	return ok && slices.ContainsFunc(team.MembersWithRoles, func(m litellmsim.Member) bool { return m.UserID == userID })
}

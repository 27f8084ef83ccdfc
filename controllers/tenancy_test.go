package controllers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

// The tenant-isolation suite. Namespaces A and B are granted the same shared instance (an
// instanceRef to a third namespace, whose Secret carries the allowed-namespaces annotation); A
// manages a team, a user, a membership and a key through it. B, with the rights a tenant team gets
// in its namespace (create and edit the four kinds, Secrets of its own, and in some attacks the
// status subresource), attempts each attack of docs/multi-tenancy.md's threat model. After each,
// the same outcomes are checked:
//   - no proxy_admin user and no admin-capable key appears;
//   - no key is bound to A's team or users but A's own;
//   - A's teams, users, memberships, keys (by hash), spend and Secrets are as they were;
//   - the victim Secrets B aimed at are as they were (data, labels, ownerReferences);
//   - nothing B can read (its objects' status, its namespace's Events, its series in the
//     metrics) holds A's IDs, emails or key names, unless B wrote them into its own spec;
//   - A's key still works at /chat/completions.
//
// The file uses only the API of the release before tenancy, so that it can be run against that
// code (docs/multi-tenancy.md lists what each attack did there).

// Names of the tenancy API, spelled out (see above).
const (
	reasonNotPermitted    = "NotPermitted"
	reasonNotOwned        = "NotOwned"
	annotationGrantPolicy = "auth.litellm.ai/grant-policy"
	annotationSelector    = "auth.litellm.ai/allowed-namespace-selector"
	labelKeySource        = "auth.litellm.ai/key-source"
	finalizerConnection   = "auth.litellm.ai/connection-in-use"
	ownerStampKey         = "auth.litellm.ai/owner"
	sharedInstance        = "shared"
)

// tenantWorld is one proxy, one instance namespace, and tenants A and B granted it.
type tenantWorld struct {
	t        *testing.T
	sim      *litellmsim.Simulator
	instance string
	a, b     string

	// A's objects, Ready before any attack.
	aTeam   *v1alpha1.Team
	aUser   *v1alpha1.User
	aMember *v1alpha1.TeamMemberAssociation
	aKey    *v1alpha1.VirtualKey
	aRaw    string

	// late makes B's new objects use the late instance.
	late bool
	// victims are Secrets in B that an attack aims at, with their state before it.
	victims map[string]secretState
	// bWrote is what B put into its own objects' specs: it may read it back.
	bWrote []string
	before worldSnapshot
}

// newTenantWorld starts a proxy of the world's own (so its state is this test's alone), the
// instance Secret granting A and B (with policy, when not empty), and A's objects.
func newTenantWorld(t *testing.T, policy string) *tenantWorld {
	t.Helper()
	w := &tenantWorld{t: t, victims: map[string]secretState{}}
	w.instance = newNamespace(t)
	w.a = newNamespace(t)
	w.b = newNamespace(t)
	sim, err := litellmsim.New(litellmsim.Options{MasterKey: masterKey})
	require.NoError(t, err)
	_, err = sim.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	w.sim = sim
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the operator's log lines about B (%s):\n%s", w.b, logLinesAbout(w.b))
		}
	})
	annotations := map[string]string{v1alpha1.AnnotationAllowedNamespaces: w.a + "," + w.b}
	if policy != "" {
		annotations[annotationGrantPolicy] = policy
	}
	create(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: w.instance, Name: sharedInstance + "-secrets", Annotations: annotations},
		StringData: map[string]string{"masterkey": masterKey, "url": sim.URL()},
	})

	// A's team has an ID of its own choosing, its user the derived one: both kinds of ID are attacked.
	w.aTeam = newTeam(w.a, "research", func(tm *v1alpha1.Team) { tm.Spec.TeamAlias, tm.Spec.TeamID = "research", "team-"+w.a })
	w.aUser = newUser(w.a, "alice", func(u *v1alpha1.User) { u.Spec.UserEmail = "alice@" + w.a + ".example.com" })
	w.aMember = newMembership(w.a, "alice-research", "research", w.aUser.Spec.UserEmail)
	for _, obj := range []conditioned{w.aTeam, w.aUser, w.aMember} {
		w.shared(obj)
		create(t, obj)
	}
	waitUntil(t, w.aTeam, "A's team Ready", ready[*v1alpha1.Team])
	waitUntil(t, w.aUser, "A's user Ready", ready[*v1alpha1.User])
	waitUntil(t, w.aMember, "A's membership Ready", ready[*v1alpha1.TeamMemberAssociation])
	w.aKey = newVirtualKey(w.a, "app", (func(vk *v1alpha1.VirtualKey) {
		vk.Spec.KeyAlias = "a-app"
		vk.Spec.TeamID = w.aTeam.Status.TeamID
		vk.Spec.UserID = w.aUser.Status.UserID
	}))
	w.shared(w.aKey)
	create(t, w.aKey)
	waitReady(t, w.aKey)
	w.aRaw = rawKey(t, w.aKey)
	code, body := chat(t, sim.URL(), w.aRaw, "gpt-4o")
	require.Equal(t, http.StatusOK, code, "A's key works before the attack: %s", body)
	require.True(t, sim.SetKeySpend(hash(w.aRaw), 1.5), "A has spent something")
	return w
}

func (w *tenantWorld) conn() v1alpha1.ConnectionRef {
	name := sharedInstance
	if w.late {
		name = lateInstance
	}
	return v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{Name: name, Namespace: w.instance}}
}

// lateInstance is a second instance of the same proxy, granting B, whose Secret an attack creates
// only once its objects are as it wants them (no reconcile can come first).
const lateInstance = "late"

func (w *tenantWorld) grantLate() {
	create(w.t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: w.instance, Name: lateInstance + "-secrets",
			Annotations: map[string]string{v1alpha1.AnnotationAllowedNamespaces: w.b}},
		StringData: map[string]string{"masterkey": masterKey, "url": w.sim.URL()},
	})
}

// shared makes an object of any of the four kinds use the shared instance.
func (w *tenantWorld) shared(obj client.Object) {
	switch o := obj.(type) {
	case *v1alpha1.Team:
		o.Spec.ConnectionRef = w.conn()
	case *v1alpha1.User:
		o.Spec.ConnectionRef = w.conn()
	case *v1alpha1.VirtualKey:
		o.Spec.ConnectionRef = w.conn()
	case *v1alpha1.TeamMemberAssociation:
		o.Spec.ConnectionRef = w.conn()
	}
}

// secretState is what an attack must not change about a Secret.
type secretState struct {
	Data            map[string][]byte
	Labels          map[string]string
	OwnerReferences []metav1.OwnerReference
	Exists          bool
}

func readSecret(t *testing.T, ns, name string) secretState {
	t.Helper()
	s := &corev1.Secret{}
	err := env.k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, s)
	if apierrors.IsNotFound(err) {
		return secretState{}
	}
	require.NoError(t, err)
	return secretState{Data: s.Data, Labels: s.Labels, OwnerReferences: s.OwnerReferences, Exists: true}
}

// worldSnapshot is A's state in LiteLLM and Kubernetes, without what moves by itself.
type worldSnapshot struct {
	Teams   map[string]litellmsim.Team
	Users   map[string]litellmsim.User
	Members map[string]litellmsim.Membership
	Keys    map[string]litellmsim.Key
	Secrets map[string]secretState
}

func (w *tenantWorld) snapshot() worldSnapshot {
	w.t.Helper()
	s := worldSnapshot{Teams: map[string]litellmsim.Team{}, Users: map[string]litellmsim.User{},
		Members: map[string]litellmsim.Membership{}, Keys: map[string]litellmsim.Key{}, Secrets: map[string]secretState{}}
	teamID, userID := w.aTeam.Status.TeamID, w.aUser.Status.UserID
	if tm, ok := w.sim.Team(teamID); ok {
		s.Teams[teamID] = tm
	}
	if u, ok := w.sim.User(userID); ok {
		s.Users[userID] = u
	}
	if m, ok := w.sim.Membership(teamID, userID); ok {
		s.Members[teamID+"/"+userID] = m
	}
	if k, ok := w.sim.KeyByHash(hash(w.aRaw)); ok {
		s.Keys[k.Token] = k
	}
	secrets := &corev1.SecretList{}
	require.NoError(w.t, env.k8s.List(context.Background(), secrets, client.InNamespace(w.a)))
	for _, sec := range secrets.Items {
		s.Secrets[sec.Name] = secretState{Data: sec.Data, Labels: sec.Labels, OwnerReferences: sec.OwnerReferences, Exists: true}
	}
	return s
}

// victim records a Secret of B an attack aims at.
func (w *tenantWorld) victim(name string) {
	w.victims[name] = readSecret(w.t, w.b, name)
	require.True(w.t, w.victims[name].Exists)
}

// logLinesAbout returns the operator's log lines that name namespace ns.
func logLinesAbout(ns string) string {
	var out []string
	for _, line := range strings.Split(env.logs.String(), "\n") {
		if strings.Contains(line, `"`+ns+`"`) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// attack runs an attack of B and checks every outcome after it. settle waits for the operator to
// have acted on the attack (a condition, an Event, a status), so the checks see its result.
func (w *tenantWorld) attack(do func(), settle func()) {
	w.t.Helper()
	w.before = w.snapshot()
	w.sim.ResetCalls()
	do()
	settle()
	w.checkUnharmed()
}

// checkUnharmed is the list at the top of the file.
func (w *tenantWorld) checkUnharmed() {
	t := w.t
	t.Helper()
	teamID, userID := w.aTeam.Status.TeamID, w.aUser.Status.UserID
	for _, u := range w.sim.Users() {
		assert.NotContains(t, []string{"proxy_admin", "proxy_admin_viewer"}, u.UserRole, "user %s must not have an admin role", u.UserID)
	}
	for _, k := range w.sim.Keys() {
		assert.Empty(t, adminRoutes(k.AllowedRoutes), "key %s must not reach management routes", k.KeyName)
		if k.Token != hash(w.aRaw) {
			assert.NotEqual(t, teamID, k.TeamID, "key %s (%s) must not be bound to A's team", k.KeyName, k.KeyAlias)
			assert.NotEqual(t, userID, k.UserID, "key %s (%s) must not be bound to A's user", k.KeyName, k.KeyAlias)
		}
	}
	after := w.snapshot()
	assert.Equal(t, w.before, after, "A's teams, users, memberships, keys, spend and Secrets are unchanged")
	for name, before := range w.victims {
		assert.Equal(t, before, readSecret(t, w.b, name), "the victim Secret %s is unchanged", name)
	}
	w.checkNoLeak()
	code, body := chat(t, w.sim.URL(), w.aRaw, "gpt-4o")
	assert.Equal(t, http.StatusOK, code, "A's key still works: %s", body)
}

// adminRoutes returns the allowed routes that reach LiteLLM's management API (a few telling ones).
func adminRoutes(routes []string) []string {
	var out []string
	for _, r := range routes {
		if strings.Contains(r, "management") || strings.Contains(r, "admin") || strings.HasPrefix(r, "/key") ||
			strings.HasPrefix(r, "/user") || strings.HasPrefix(r, "/team") || strings.Contains(r, "*") {
			out = append(out, r)
		}
	}
	return out
}

// checkNoLeak looks for A's IDs, emails and key names in what B can read.
func (w *tenantWorld) checkNoLeak() {
	t := w.t
	t.Helper()
	k, _ := w.sim.KeyByHash(hash(w.aRaw))
	secrets := map[string]string{
		"A's team ID": w.aTeam.Status.TeamID, "A's user ID": w.aUser.Status.UserID,
		"A's email": w.aUser.Spec.UserEmail, "A's key name": litellm.KeyName(w.aRaw),
		"A's key hash": hash(w.aRaw), "A's key alias": w.aKey.Spec.KeyAlias,
	}
	if k.KeyName != "" {
		secrets["A's key name in LiteLLM"] = k.KeyName
	}
	readable := w.readableByB()
	for what, value := range secrets {
		if slices.Contains(w.bWrote, value) {
			continue // B wrote it into its own spec: reading it back tells nothing
		}
		for where, text := range readable {
			assert.NotContains(t, text, value, "%s is in %s, which B can read", what, where)
		}
	}
}

// readableByB is the status of every object in B, its namespace's Events, and its series.
func (w *tenantWorld) readableByB() map[string]string {
	t := w.t
	out := map[string]string{}
	ctx := context.Background()
	for kind, list := range map[string]client.ObjectList{"VirtualKey": &v1alpha1.VirtualKeyList{}, "User": &v1alpha1.UserList{},
		"Team": &v1alpha1.TeamList{}, "TeamMemberAssociation": &v1alpha1.TeamMemberAssociationList{}} {
		require.NoError(t, env.k8s.List(ctx, list, client.InNamespace(w.b)))
		data, err := json.Marshal(list)
		require.NoError(t, err)
		var decoded struct {
			Items []struct {
				Metadata struct{ Name string } `json:"metadata"`
				Status   json.RawMessage       `json:"status"`
			} `json:"items"`
		}
		require.NoError(t, json.Unmarshal(data, &decoded))
		for _, item := range decoded.Items {
			out["status of "+kind+" "+item.Metadata.Name] = string(item.Status)
		}
	}
	events := &eventsv1.EventList{}
	require.NoError(t, env.k8s.List(ctx, events, client.InNamespace(w.b)))
	for _, e := range events.Items {
		out["Event "+e.Name] = e.Note
	}
	families, err := crmetrics.Registry.Gather()
	require.NoError(t, err)
	for _, f := range families {
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["namespace"] == w.b {
				data, _ := json.Marshal(labels)
				out["series "+f.GetName()+string(data)] = string(data)
			}
		}
	}
	return out
}

// createB creates an object in B, recording what B wrote into its spec.
func (w *tenantWorld) createB(obj client.Object) {
	w.t.Helper()
	obj.SetNamespace(w.b)
	w.shared(obj)
	w.wroteSpec(obj)
	create(w.t, obj)
}

// wrote records values B wrote itself (into a status it may write, say).
func (w *tenantWorld) wrote(values ...string) { w.bWrote = append(w.bWrote, values...) }

// wroteSpec records the string values of obj's spec and metadata as B's own writing.
func (w *tenantWorld) wroteSpec(obj any) {
	data, err := json.Marshal(obj)
	require.NoError(w.t, err)
	var collect func(any)
	collect = func(v any) {
		switch x := v.(type) {
		case string:
			w.bWrote = append(w.bWrote, x)
		case map[string]any:
			for _, e := range x {
				collect(e)
			}
		case []any:
			for _, e := range x {
				collect(e)
			}
		}
	}
	var decoded map[string]any
	require.NoError(w.t, json.Unmarshal(data, &decoded))
	delete(decoded, "status")
	collect(decoded)
}

// refused waits until obj reports Synced=False with one of reasons. It does not stop the test
// when that never comes: the checks of what the attack did still run.
func refused[T conditioned](t *testing.T, obj T, reasons ...string) func() {
	return func() {
		t.Helper()
		assert.Eventually(t, func() bool {
			if err := env.k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
				return false
			}
			s := condition(obj, v1alpha1.ConditionTypeSynced)
			return s != nil && s.Status == metav1.ConditionFalse && slices.Contains(reasons, s.Reason)
		}, waitTimeout, 100*time.Millisecond, "%s/%s refused with %s", obj.GetNamespace(), obj.GetName(), strings.Join(reasons, " or "))
	}
}

// reconciled waits until obj has finished n reconciles from its creation: the evidence, when the
// outcome is that nothing happens, that the operator did look at it.
func reconciled(t *testing.T, obj client.Object, n int) func() {
	return func() { t.Helper(); waitForReconciles(t, obj, 0, n) }
}

// done is the settle step of an attack that is over when its action returns (a deletion, which
// the finalizer holds until the operator has acted).
func done() {}

// nudge starts a reconcile of obj now (an annotation change).
func nudge(t *testing.T, obj client.Object) {
	t.Helper()
	patchMerge(t, obj, fmt.Sprintf(`{"metadata":{"annotations":{"test/nudge":%q}}}`, time.Now().Format(time.RFC3339Nano)))
}

// setStatus writes status as someone with rights on the status subresource would.
func setStatus(t *testing.T, obj client.Object, status string) {
	t.Helper()
	require.NoError(t, env.k8s.Status().Patch(context.Background(), obj, client.RawPatch(types.MergePatchType, []byte(`{"status":`+status+`}`))))
}

// TestTenantIsolation runs each attack against a world of its own.
func TestTenantIsolation(t *testing.T) {
	t.Run("1 a proxy_admin User, with an auto-created key", func(t *testing.T) {
		for _, role := range []string{"proxy_admin", "proxy_admin_viewer"} {
			w := newTenantWorld(t, "")
			boss := newUser(w.b, "boss", (func(u *v1alpha1.User) {
				u.Spec.UserRole = role
				u.Spec.AutoCreateKey = ptr.To(true)
				u.Spec.KeyAlias = "boss-key"
			}))
			w.attack(func() { w.createB(boss) }, refused(t, boss, reasonNotPermitted))
			assert.Contains(t, condition(boss, v1alpha1.ConditionTypeSynced).Message, "userRole "+role, "the message names the rule")
			assert.Empty(t, writesTo(w.sim)["POST /user/new"], "nothing was sent to LiteLLM")
			assert.Empty(t, boss.Finalizers, "a refused object holds nothing in LiteLLM")
		}
	})

	t.Run("1 a key that reaches management routes", func(t *testing.T) {
		for _, routes := range [][]string{{"/key/generate"}, {"management_routes"}, {"/*"}} {
			w := newTenantWorld(t, "")
			vk := newVirtualKey(w.b, "admin-routes", (func(vk *v1alpha1.VirtualKey) { vk.Spec.AllowedRoutes = routes }))
			w.attack(func() { w.createB(vk) }, refused(t, vk, reasonNotPermitted))
			assert.Empty(t, w.sim.KeysByAlias(vk.Spec.KeyAlias))
		}
	})

	t.Run("2 a key bound to A's team or A's user", func(t *testing.T) {
		w := newTenantWorld(t, "")
		onTeam := newVirtualKey(w.b, "on-a-team", (func(vk *v1alpha1.VirtualKey) { vk.Spec.TeamID = w.aTeam.Status.TeamID }))
		asUser := newVirtualKey(w.b, "as-a-user", (func(vk *v1alpha1.VirtualKey) { vk.Spec.UserID = w.aUser.Status.UserID }))
		w.attack(func() { w.createB(onTeam); w.createB(asUser) }, func() {
			refused(t, onTeam, reasonNotPermitted)()
			refused(t, asUser, reasonNotPermitted)()
		})
		assert.Empty(t, w.sim.KeysByAlias(onTeam.Spec.KeyAlias))
		assert.Empty(t, w.sim.KeysByAlias(asUser.Spec.KeyAlias))
	})

	t.Run("2 an existing key of B moved to A's team", func(t *testing.T) {
		w := newTenantWorld(t, "")
		vk := newVirtualKey(w.b, "mover")
		w.createB(vk)
		waitReady(t, vk)
		w.attack(func() {
			w.wrote(w.aTeam.Status.TeamID)
			patchMerge(t, vk, `{"spec":{"teamID":"`+w.aTeam.Status.TeamID+`"}}`)
		}, refused(t, vk, reasonNotPermitted))
	})

	t.Run("3 take over A's team or user by ID", func(t *testing.T) {
		// A's team has an ID of its own (the owner stamp refuses it: NotOwned), A's user the derived
		// one (refused before any call: InvalidSpec).
		cases := []struct {
			reason string
			obj    func(w *tenantWorld) conditioned
			status string
			want   string
		}{
			{"Team spec.teamID", func(w *tenantWorld) conditioned {
				return newTeam(w.b, "grab", (func(tm *v1alpha1.Team) {
					tm.Spec.TeamID, tm.Spec.TeamAlias = w.aTeam.Status.TeamID, "grabbed"
				}))
			}, "", reasonNotOwned},
			{"User spec.userID", func(w *tenantWorld) conditioned {
				return newUser(w.b, "grab", (func(u *v1alpha1.User) {
					u.Spec.UserID, u.Spec.UserEmail, u.Spec.MaxBudget = w.aUser.Status.UserID, "grab@"+w.b+".example.com", ptr.To("999")
				}))
			}, "", v1alpha1.ReasonInvalidSpec},
			{"Team annotation team-id", func(w *tenantWorld) conditioned {
				tm := newTeam(w.b, "grab", (func(tm *v1alpha1.Team) { tm.Spec.TeamAlias = "grabbed" }))
				tm.Annotations = map[string]string{v1alpha1.AnnotationTeamID: w.aTeam.Status.TeamID}
				return tm
			}, "", reasonNotOwned},
			{"User annotation user-id", func(w *tenantWorld) conditioned {
				u := newUser(w.b, "grab", (func(u *v1alpha1.User) { u.Spec.UserEmail = "grab@" + w.b + ".example.com" }))
				u.Annotations = map[string]string{v1alpha1.AnnotationUserID: w.aUser.Status.UserID}
				return u
			}, "", v1alpha1.ReasonInvalidSpec},
			{"Team status.teamID with the replaced operator's finalizer (status rights)", func(w *tenantWorld) conditioned {
				tm := newTeam(w.b, "grab", (func(tm *v1alpha1.Team) { tm.Spec.TeamAlias = "grabbed" }))
				tm.Finalizers = []string{v1alpha1.LegacyFinalizerName}
				return tm
			}, `{"teamID":"TEAM"}`, reasonNotOwned},
			{"User status.userID with the replaced operator's finalizer (status rights)", func(w *tenantWorld) conditioned {
				u := newUser(w.b, "grab", (func(u *v1alpha1.User) { u.Spec.UserEmail = "grab@" + w.b + ".example.com" }))
				u.Finalizers = []string{v1alpha1.LegacyFinalizerName}
				return u
			}, `{"userID":"USER"}`, v1alpha1.ReasonInvalidSpec},
		}
		for _, tc := range cases {
			t.Run(tc.reason, func(t *testing.T) {
				w := newTenantWorld(t, "")
				w.late = tc.status != "" // the status must be in place before the first reconcile
				obj := tc.obj(w)
				w.wrote(w.aTeam.Status.TeamID, w.aUser.Status.UserID) // B knows A's IDs: the attack is to use them
				w.attack(func() {
					w.createB(obj)
					if tc.status != "" {
						setStatus(t, obj, strings.NewReplacer("TEAM", w.aTeam.Status.TeamID, "USER", w.aUser.Status.UserID).Replace(tc.status))
						w.grantLate()
						nudge(t, obj)
					}
				}, refused(t, obj, tc.want))
				// Deleting B's object must not delete A's team or user (and with it A's keys).
				w.attack(func() { deleteAndWait(t, obj) }, done)
			})
		}
	})

	t.Run("4 a membership in A's team", func(t *testing.T) {
		t.Run("B's user joins A's team by alias", func(t *testing.T) {
			w := newTenantWorld(t, "")
			mallory := newUser(w.b, "mallory")
			w.createB(mallory)
			waitUntil(t, mallory, "B's user Ready", ready[*v1alpha1.User])
			m := newMembership(w.b, "join", "research", mallory.Spec.UserEmail)
			w.attack(func() { w.createB(m) }, reconciled(t, m, 3))
			get(t, m)
			assert.False(t, ready(m), "the association does not reach A's team")
			_, member := w.sim.Membership(w.aTeam.Status.TeamID, mallory.Status.UserID)
			assert.False(t, member, "B's user is not in A's team")
		})
		t.Run("an existing membership of A's user, then deleted", func(t *testing.T) {
			w := newTenantWorld(t, "")
			m := newMembership(w.b, "claim", "research", w.aUser.Spec.UserEmail)
			m.Spec.MaxBudgetInTeam = nil
			w.attack(func() { w.createB(m) }, reconciled(t, m, 3))
			get(t, m)
			assert.False(t, ready(m), "someone else's membership is no success of B's")
			w.attack(func() { deleteAndWait(t, m) }, done)
		})
		t.Run("User spec.teams names A's team", func(t *testing.T) {
			w := newTenantWorld(t, "")
			u := newUser(w.b, "joiner", (func(u *v1alpha1.User) { u.Spec.Teams = []string{w.aTeam.Status.TeamID} }))
			w.attack(func() { w.createB(u) }, refused(t, u, reasonNotPermitted))
		})
	})

	t.Run("5 a VirtualKey claiming a Secret through ownerReferences", func(t *testing.T) {
		for _, named := range []bool{false, true} {
			w := newTenantWorld(t, "")
			owner := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: w.b, Name: "payments"}}
			create(t, owner)
			create(t, &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Namespace: w.b, Name: "payments-key", Labels: map[string]string{"app": "payments"},
					OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID, Controller: ptr.To(true)}}},
				StringData: map[string]string{"key": "db-password-not-a-key", "password": "hunter2"},
			})
			w.victim("payments-key")
			name := "payments" // its key Secret is "<name>-key"
			if named {
				name = "grab"
			}
			vk := newVirtualKey(w.b, name, (func(vk *v1alpha1.VirtualKey) {
				vk.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID, Controller: ptr.To(true)}}
				if named {
					vk.Annotations = map[string]string{v1alpha1.AnnotationKeySecret: "payments-key"}
				}
			}))
			w.attack(func() { w.createB(vk) }, refused(t, vk, v1alpha1.ReasonSecretConflict))
		}
	})

	t.Run("6 keyFrom a Secret that did not opt in", func(t *testing.T) {
		w := newTenantWorld(t, "")
		const dbKey = "sk-database-credential-0123456789"
		create(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: w.b, Name: "db-creds"}, StringData: map[string]string{"token": dbKey}})
		w.victim("db-creds")
		vk := newVirtualKey(w.b, "reader", (func(vk *v1alpha1.VirtualKey) {
			vk.Spec.MaxBudget = nil
			vk.Spec.KeyFrom = &v1alpha1.KeySource{SecretKeyRef: v1alpha1.SecretKeySelector{Name: "db-creds", Key: "token"}}
		}))
		w.attack(func() { w.createB(vk) }, refused(t, vk, reasonNotPermitted))
		_, registered := w.sim.KeyByHash(hash(dbKey))
		assert.False(t, registered, "the Secret's value never reaches LiteLLM")
		get(t, vk)
		assert.Empty(t, vk.Status.TokenID, "status says nothing about the value")
		assert.NotContains(t, vk.Status.KeyName, dbKey[len(dbKey)-4:])
	})

	t.Run("6 keyFrom another VirtualKey's key Secret", func(t *testing.T) {
		w := newTenantWorld(t, "")
		victim := newVirtualKey(w.b, "victim")
		w.createB(victim)
		waitReady(t, victim)
		victimRaw := rawKey(t, victim)
		w.victim("victim-key")
		copycat := newVirtualKey(w.b, "copycat", (func(vk *v1alpha1.VirtualKey) {
			vk.Spec.MaxBudget = nil
			vk.Spec.KeyFrom = &v1alpha1.KeySource{SecretKeyRef: v1alpha1.SecretKeySelector{Name: "victim-key", Key: "key"}}
		}))
		w.attack(func() { w.createB(copycat) }, func() {
			refused(t, copycat, reasonNotPermitted)()
			waitForReconciles(t, victim, reconciles(victim), 2) // the victim's resyncs must not flap its alias
		})
		w.attack(func() { deleteAndWait(t, copycat) }, done)
		k, ok := w.sim.KeyByHash(hash(victimRaw))
		assert.True(t, ok, "deleting the copycat leaves the victim's key in LiteLLM")
		assert.Equal(t, victim.Spec.KeyAlias, k.KeyAlias, "the victim keeps its alias")
		code, body := chat(t, w.sim.URL(), victimRaw, "gpt-4o")
		assert.Equal(t, http.StatusOK, code, "the victim's key works: %s", body)
	})

	t.Run("7 status names A's key", func(t *testing.T) {
		cases := []struct {
			reason string
			status func(aHash string) string
			delete bool
		}{
			{"status.tokenID: a rotation to finish", func(h string) string { return `{"tokenID":"` + h + `"}` }, false},
			{"status.retiringKeys: a grace period that is over", func(h string) string {
				return `{"retiringKeys":[{"tokenID":"` + h + `","keyName":"x","deleteAfter":"2020-01-01T00:00:00Z"}]}`
			}, false},
			{"status.tokenID, then the VirtualKey deleted", func(h string) string { return `{"tokenID":"` + h + `"}` }, true},
		}
		for _, tc := range cases {
			t.Run(tc.reason, func(t *testing.T) {
				w := newTenantWorld(t, "")
				thief := newVirtualKey(w.b, "thief")
				w.createB(thief)
				waitReady(t, thief)
				status := tc.status(hash(w.aRaw))
				w.wrote(hash(w.aRaw)) // B learnt A's key's hash somehow: the attack is to use it
				w.attack(func() {
					setStatus(t, thief, status)
					if tc.delete {
						require.NoError(t, env.k8s.Delete(context.Background(), thief))
						return
					}
					nudge(t, thief)
				}, func() {
					if tc.delete {
						deleteAndWait(t, thief)
						return
					}
					assert.Eventually(t, func() bool {
						get(t, thief)
						return thief.Status.TokenID != hash(w.aRaw) && len(thief.Status.RetiringKeys) == 0
					}, waitTimeout, 100*time.Millisecond, "the forged status was reconciled")
				})
			})
		}
	})

	t.Run("8 messages and metrics name no one else", func(t *testing.T) {
		w := newTenantWorld(t, "")
		sameEmail := newUser(w.b, "copy", (func(u *v1alpha1.User) { u.Spec.UserEmail = w.aUser.Spec.UserEmail }))
		sameAlias := newVirtualKey(w.b, "copy", (func(vk *v1alpha1.VirtualKey) { vk.Spec.KeyAlias = w.aKey.Spec.KeyAlias }))
		w.attack(func() { w.createB(sameEmail); w.createB(sameAlias) }, func() {
			refused(t, sameEmail, v1alpha1.ReasonEmailInUse)()
			refused(t, sameAlias, v1alpha1.ReasonAliasInUse)()
		})
	})

	t.Run("8 an ID squatted in A's derived form", func(t *testing.T) {
		w := newTenantWorld(t, "")
		squat := w.a + ".bob"
		u := newUser(w.b, "squatter", (func(u *v1alpha1.User) { u.Spec.UserID = squat }))
		tm := newTeam(w.b, "squatter", (func(tm *v1alpha1.Team) { tm.Spec.TeamID = squat }))
		w.attack(func() { w.createB(u); w.createB(tm) }, func() {
			refused(t, u, v1alpha1.ReasonInvalidSpec)()
			refused(t, tm, v1alpha1.ReasonInvalidSpec)()
		})
		_, taken := w.sim.User(squat)
		assert.False(t, taken, "no user takes A's future ID")
		_, taken = w.sim.Team(squat)
		assert.False(t, taken, "no team takes A's future ID")
		bob := newUser(w.a, "bob")
		w.shared(bob)
		create(t, bob)
		waitUntil(t, bob, "A's bob gets its own ID", ready[*v1alpha1.User])
		assert.Equal(t, squat, bob.Status.UserID)
	})
}

// front stands between the operator and the proxy, as an ingress or a path prefix would: it
// forwards to the proxy unless told to answer itself, and records who LiteLLM's audit log would
// name for each write.
type front struct {
	srv *httptest.Server
	mu  sync.Mutex
	// answer, when set, answers every request instead of the proxy.
	answer func(http.ResponseWriter, *http.Request)
	// changedBy is the litellm-changed-by header of each write, by path.
	changedBy map[string][]string
}

func newFront(t *testing.T, target string) *front {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(u)
	f := &front{changedBy: map[string][]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		answer := f.answer
		if r.Method == http.MethodPost {
			f.changedBy[r.URL.Path] = append(f.changedBy[r.URL.Path], r.Header.Get("litellm-changed-by"))
		}
		f.mu.Unlock()
		if answer != nil {
			answer(w, r)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *front) set(answer func(http.ResponseWriter, *http.Request)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answer = answer
}

func (f *front) writers(path string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.changedBy[path])
}

func answerWith(status int, contentType, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// TestNotLiteLLMsNotFound: a 404 that is not LiteLLM's own answer (FastAPI's unknown route, an
// ingress's default page) never counts as "already deleted": the finalizer stays, and so does the
// key, until the proxy answers again.
func TestNotLiteLLMsNotFound(t *testing.T) {
	cases := []struct {
		reason string
		answer func(http.ResponseWriter, *http.Request)
	}{
		{"FastAPI's unknown route (a wrong path prefix)", answerWith(http.StatusNotFound, "application/json", `{"detail":"Not Found"}`)},
		{"an ingress's default backend", answerWith(http.StatusNotFound, "text/html", "<html><body><h1>404 Not Found</h1>nginx</body></html>")},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			ns := newNamespace(t)
			f := newFront(t, env.sim.URL())
			createConnectionSecret(t, ns, "fronted", f.srv.URL, nil)
			vk := newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) { vk.Spec.ConnectionRef = secretRef("fronted") })
			create(t, vk)
			waitReady(t, vk)
			raw := rawKey(t, vk)

			f.set(tc.answer)
			require.NoError(t, env.k8s.Delete(context.Background(), vk))
			waitForVK(t, vk, "deletion waits", hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, ""))
			waitForReconciles(t, vk, reconciles(vk), 2) // and keeps waiting
			get(t, vk)
			assert.Contains(t, vk.Finalizers, v1alpha1.FinalizerName, "the finalizer stays")
			_, found := env.sim.KeyByHash(hash(raw))
			assert.True(t, found, "the key was not deleted")
			code, _ := chat(t, env.sim.URL(), raw, "gpt-4o")
			assert.Equal(t, http.StatusOK, code, "and it still works, so the object must not let go")

			f.set(nil)
			deleteAndWait(t, vk)
			_, found = env.sim.KeyByHash(hash(raw))
			assert.False(t, found, "once the proxy answers, the key is deleted")
		})
	}
}

// TestNoReadableSSRF: a connection URL that reaches something other than LiteLLM (an internal
// service) never copies its answers into status or Events: they are reported by status code and
// content type only.
func TestNoReadableSSRF(t *testing.T) {
	const payload = "INTERNAL-ONLY-a8f3c2"
	for _, tc := range []struct {
		reason string
		answer func(http.ResponseWriter, *http.Request)
	}{
		{"a JSON error of another shape", answerWith(http.StatusForbidden, "application/json", `{"error":"`+payload+`","token":"`+payload+`"}`)},
		{"an HTML page", answerWith(http.StatusInternalServerError, "text/html", "<html>"+payload+"</html>")},
		{"plain text on 404", answerWith(http.StatusNotFound, "text/plain", payload)},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			ns := newNamespace(t)
			internal := httptest.NewServer(http.HandlerFunc(tc.answer))
			t.Cleanup(internal.Close)
			createConnectionSecret(t, ns, "internal", internal.URL, nil)
			vk := newVirtualKey(ns, "probe", func(vk *v1alpha1.VirtualKey) { vk.Spec.ConnectionRef = secretRef("internal") })
			create(t, vk)
			waitForVK(t, vk, "failed", hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, ""))
			waitForReconciles(t, vk, reconciles(vk), 1) // its Events are written too
			get(t, vk)
			status, err := json.Marshal(vk.Status)
			require.NoError(t, err)
			assert.NotContains(t, string(status), payload, "status")
			for _, e := range events(t, vk) {
				assert.NotContains(t, e.Note, payload, "Event %s", e.Reason)
			}
		})
	}
}

// TestNamespaceDeletionDeletesKeys: deleting a namespace deletes its keys, users and teams in
// LiteLLM before the connection Secret they use goes, because the operator holds that Secret while
// they use it.
func TestNamespaceDeletionDeletesKeys(t *testing.T) {
	ns := newNamespace(t)
	sim := newSimulator(t, ns, "own", litellmsim.Options{})
	conn := secretRef("own")
	vk := newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) { vk.Spec.ConnectionRef = conn })
	u := newUser(ns, "alice", func(u *v1alpha1.User) { u.Spec.ConnectionRef = conn })
	tm := newTeam(ns, "research", func(tm *v1alpha1.Team) { tm.Spec.ConnectionRef = conn })
	for _, obj := range []conditioned{vk, u, tm} {
		create(t, obj)
	}
	waitReady(t, vk)
	waitUntil(t, u, "user Ready", ready[*v1alpha1.User])
	waitUntil(t, tm, "team Ready", ready[*v1alpha1.Team])
	raw := rawKey(t, vk)

	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the operator's log lines about %s:\n%s", ns, logLinesAbout(ns))
			for _, list := range []client.ObjectList{&v1alpha1.VirtualKeyList{}, &v1alpha1.UserList{}, &v1alpha1.TeamList{}, &corev1.SecretList{}} {
				_ = env.k8s.List(context.Background(), list, client.InNamespace(ns))
				data, _ := json.Marshal(list)
				t.Logf("left: %s", data)
			}
		}
	})
	require.NoError(t, env.k8s.Delete(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	require.Eventually(t, func() bool {
		_, key := sim.KeyByHash(hash(raw))
		_, user := sim.User(u.Status.UserID)
		_, team := sim.Team(tm.Status.TeamID)
		return !key && !user && !team
	}, 2*waitTimeout, 200*time.Millisecond, "the key, the user and the team are deleted in LiteLLM")
	code, _ := chat(t, sim.URL(), raw, "gpt-4o")
	assert.Equal(t, http.StatusUnauthorized, code, "the key no longer works")
	// The namespace controller backs off while content remains: give it time.
	require.Eventually(t, func() bool {
		err := env.k8s.Get(context.Background(), types.NamespacedName{Name: ns}, &corev1.Namespace{})
		return apierrors.IsNotFound(err)
	}, 4*time.Minute, time.Second, "the namespace goes, its connection Secret released")
}

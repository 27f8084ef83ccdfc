package controllers

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// TestAssociationsNaming: a Team or User event wakes only the associations that name it.
func TestAssociationsNaming(t *testing.T) {
	scheme := runtime.NewScheme()
	require.NoError(t, v1alpha1.AddToScheme(scheme))
	conn := v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "litellm"}}
	other := v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "other"}}
	tma := func(name, alias, email string, ref v1alpha1.ConnectionRef) *v1alpha1.TeamMemberAssociation {
		return &v1alpha1.TeamMemberAssociation{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name},
			Spec: v1alpha1.TeamMemberAssociationSpec{TeamAlias: alias, UserEmail: email, Role: "user", ConnectionRef: ref}}
	}
	k8s := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		tma("a-jane", "a", "jane@example.com", conn),
		tma("b-jane", "b", "Jane@Example.com", conn),
		tma("a-john", "a", "john@example.com", conn),
		tma("a-elsewhere", "a", "jane@example.com", other),
	).Build()
	cases := []struct {
		name   string
		reason string
		obj    client.Object
		want   []string
	}{
		{name: "team", reason: "same alias and connection only",
			obj:  &v1alpha1.Team{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "t"}, Spec: v1alpha1.TeamSpec{TeamAlias: "a", ConnectionRef: conn}},
			want: []string{"a-jane", "a-john"}},
		{name: "user", reason: "emails match case-insensitively",
			obj:  &v1alpha1.User{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "u"}, Spec: v1alpha1.UserSpec{UserEmail: "JANE@example.com", ConnectionRef: conn}},
			want: []string{"a-jane", "b-jane"}},
		{name: "unnamed team", reason: "nobody waits for it",
			obj:  &v1alpha1.Team{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "t"}, Spec: v1alpha1.TeamSpec{TeamAlias: "z", ConnectionRef: conn}},
			want: nil},
		{name: "other kind", reason: "only Teams and Users are mapped", obj: &v1alpha1.VirtualKey{}, want: nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, r := range associationsNaming(k8s)(context.Background(), tc.obj) {
				got = append(got, r.Name)
			}
			assert.ElementsMatch(t, tc.want, got, tc.reason)
		})
	}
}

// TestDependencyChanged: a Team's resync that only refreshes spend wakes no association.
func TestDependencyChanged(t *testing.T) {
	ready := []metav1.Condition{{Type: v1alpha1.ConditionTypeReady, Status: metav1.ConditionTrue, ObservedGeneration: 1}}
	team := func(mutate func(*v1alpha1.Team)) *v1alpha1.Team {
		tm := &v1alpha1.Team{ObjectMeta: metav1.ObjectMeta{Generation: 1}, Spec: v1alpha1.TeamSpec{TeamAlias: "a"},
			Status: v1alpha1.TeamStatus{TeamID: "t", Spend: "1", Conditions: ready}}
		if mutate != nil {
			mutate(tm)
		}
		return tm
	}
	cases := []struct {
		name   string
		reason string
		old    client.Object
		new    client.Object
		want   bool
	}{
		{name: "spend", reason: "a resync that refreshes spend", old: team(nil), new: team(func(t *v1alpha1.Team) { t.Status.Spend = "2" }), want: false},
		{name: "ready", reason: "an association waits for Ready", old: team(func(t *v1alpha1.Team) { t.Status.Conditions = nil }), new: team(nil), want: true},
		{name: "id", reason: "the ID is what an association uses", old: team(func(t *v1alpha1.Team) { t.Status.TeamID = "" }), new: team(nil), want: true},
		{name: "alias", reason: "a renamed team is named by other associations", old: team(nil), new: team(func(t *v1alpha1.Team) { t.Spec.TeamAlias = "b" }), want: true},
		{name: "user email", reason: "same for Users",
			old: &v1alpha1.User{Spec: v1alpha1.UserSpec{UserEmail: "a@b.c"}}, new: &v1alpha1.User{Spec: v1alpha1.UserSpec{UserEmail: "x@b.c"}}, want: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, dependencyChanged().Update(event.UpdateEvent{ObjectOld: tc.old, ObjectNew: tc.new}), tc.reason)
		})
	}
}

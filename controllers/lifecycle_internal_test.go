package controllers

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// Fast tests of the key lifecycle's pure decisions: rotation arithmetic, the key Secret's template,
// identities. They need no control plane; the control-plane suites check the same behaviour end
// to end.

var (
	created = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	rawA    = "sk-aaaaaaaaaaaaaaaaaaaaaaaa"
	rawB    = "sk-bbbbbbbbbbbbbbbbbbbbbbbb"
)

// key is a VirtualKey created at `created`, changed by the given functions.
func key(mutate ...func(*v1alpha1.VirtualKey)) *v1alpha1.VirtualKey {
	vk := &v1alpha1.VirtualKey{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "svc", CreationTimestamp: metav1.NewTime(created)}}
	for _, m := range mutate {
		m(vk)
	}
	return vk
}

func rotation(every, grace string) func(*v1alpha1.VirtualKey) {
	return func(vk *v1alpha1.VirtualKey) {
		vk.Spec.Rotation = &v1alpha1.KeyRotation{Every: every, GracePeriod: grace}
	}
}

func lastRotation(t time.Time) func(*v1alpha1.VirtualKey) {
	return func(vk *v1alpha1.VirtualKey) { vk.Status.LastRotation = t.Format(time.RFC3339) }
}

func TestGracePeriod(t *testing.T) {
	cases := []struct {
		reason string
		vk     *v1alpha1.VirtualKey
		want   time.Duration
	}{
		{"without spec.rotation the replaced key goes at once", key(), 0},
		{"an object written before the field existed gets the default", key(rotation("", "")), time.Hour},
		{"the spec's value", key(rotation("", "5s")), 5 * time.Second},
		{"zero is allowed: delete at once", key(rotation("", "0s")), 0},
		{"an unparsable value falls back to the default rather than deleting at once", key(rotation("", "1d")), time.Hour},
		{"a negative value falls back to the default", key(rotation("", "-1s")), time.Hour},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			assert.Equal(t, tc.want, gracePeriod(tc.vk))
		})
	}
}

func TestNextRotation(t *testing.T) {
	cases := []struct {
		reason string
		vk     *v1alpha1.VirtualKey
		want   time.Time // zero: no scheduled rotation
	}{
		{"no spec.rotation", key(), time.Time{}},
		{"rotation without every is on demand only", key(rotation("", "1h")), time.Time{}},
		{"the first one is due after creation", key(rotation("720h", "")), created.Add(720 * time.Hour)},
		{"later ones count from the last rotation", key(rotation("10s", ""), lastRotation(created.Add(time.Hour))), created.Add(time.Hour + 10*time.Second)},
		{"an unreadable last rotation counts from creation", key(rotation("10s", ""), func(vk *v1alpha1.VirtualKey) { vk.Status.LastRotation = "yesterday" }), created.Add(10 * time.Second)},
		{"spec.key is the user's value: never rotated by schedule", key(rotation("10s", ""), func(vk *v1alpha1.VirtualKey) { vk.Spec.Key = rawA }), time.Time{}},
		{"an unparsable period schedules nothing", key(rotation("30d", "")), time.Time{}},
		{"a zero period schedules nothing (no hot loop)", key(rotation("0s", "")), time.Time{}},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			got, ok := nextRotation(tc.vk)
			assert.Equal(t, !tc.want.IsZero(), ok)
			assert.True(t, tc.want.Equal(got), "want %s, got %s", tc.want, got)

			setNextRotation(tc.vk)
			if tc.want.IsZero() {
				assert.Empty(t, tc.vk.Status.NextRotation, "status shows no schedule")
			} else {
				assert.Equal(t, tc.want.Format(time.RFC3339), tc.vk.Status.NextRotation, "status shows when, in UTC")
			}
		})
	}
}

func TestScheduledRotationDue(t *testing.T) {
	withToken := func(vk *v1alpha1.VirtualKey) { vk.Status.TokenID = litellm.HashKey(rawA) }
	due := created.Add(10 * time.Second)
	cases := []struct {
		reason string
		vk     *v1alpha1.VirtualKey
		now    time.Time
		want   bool
	}{
		{"before the time", key(rotation("10s", ""), withToken), due.Add(-time.Second), false},
		{"at the time", key(rotation("10s", ""), withToken), due, true},
		{"after the time", key(rotation("10s", ""), withToken), due.Add(time.Hour), true},
		{"a key not created yet is created, not rotated", key(rotation("10s", "")), due.Add(time.Hour), false},
		{"no schedule", key(withToken), due.Add(time.Hour), false},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			assert.Equal(t, tc.want, scheduledRotationDue(tc.vk, tc.now))
		})
	}
}

func TestRotationReason(t *testing.T) {
	now := created.Add(time.Hour)
	c := &virtualKeyConnector{now: func() time.Time { return now }}
	token := func(raw string) func(*v1alpha1.VirtualKey) {
		return func(vk *v1alpha1.VirtualKey) { vk.Status.TokenID = litellm.HashKey(raw) }
	}
	rotate := func(value, honoured string) func(*v1alpha1.VirtualKey) {
		return func(vk *v1alpha1.VirtualKey) {
			vk.Annotations = map[string]string{v1alpha1.AnnotationRotate: value}
			vk.Status.RotationRequest = honoured
		}
	}
	cases := []struct {
		reason string
		vk     *v1alpha1.VirtualKey
		raw    string // the key in the Secret
		want   string // substring of the reason; "" = no rotation
	}{
		{"a current key stays", key(token(rawA)), rawA, ""},
		{"spec.key differs from the Secret's", key(token(rawA), func(vk *v1alpha1.VirtualKey) { vk.Spec.Key = rawB }), rawA, "did not hold spec.key"},
		{"spec.key is never rotated by the operator", key(token(rawA), rotate("1", ""), func(vk *v1alpha1.VirtualKey) { vk.Spec.Key = rawA }), rawA, ""},
		{"a Secret without a valid key", key(token(rawA)), "not-a-key", "no valid key"},
		{"a rotation under way is finished first", key(token(rawA), rotate("2", "1")), rawB, ""},
		{"a new rotate annotation value", key(token(rawA), rotate("2", "1")), rawA, `auth.litellm.ai/rotate="2"`},
		{"an honoured value does not rotate again", key(token(rawA), rotate("1", "1")), rawA, ""},
		{"a due schedule", key(token(rawA), rotation("10s", "")), rawA, "scheduled rotation"},
		{"a schedule not due yet", key(token(rawA), rotation("2h", "")), rawA, ""},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			got := c.rotationReason(tc.vk, withKey(nil, tc.raw).token)
			if tc.want == "" {
				assert.Empty(t, got)
				return
			}
			assert.Contains(t, got, tc.want)
			assert.NotContains(t, got, tc.raw, "a reason is an Event message: never the key")
		})
	}
}

func TestNextReconcile(t *testing.T) {
	now := created.Add(time.Hour)
	e := &virtualKeyExternal{connector: &virtualKeyConnector{now: func() time.Time { return now }}}
	retiring := func(after time.Time) func(*v1alpha1.VirtualKey) {
		return func(vk *v1alpha1.VirtualKey) {
			vk.Status.RetiringKeys = append(vk.Status.RetiringKeys, v1alpha1.RetiringKey{DeleteAfter: after.Format(time.RFC3339)})
		}
	}
	cases := []struct {
		reason string
		vk     *v1alpha1.VirtualKey
		want   time.Duration // 0: the periodic resync is enough
	}{
		{"nothing pending", key(), 0},
		{"a retiring key: just after its grace period (RFC 3339 drops fractions)", key(retiring(now.Add(10 * time.Second))), 11 * time.Second},
		{"the earliest of several retiring keys", key(retiring(now.Add(time.Hour)), retiring(now.Add(time.Minute))), time.Minute + time.Second},
		{"an overdue deletion comes back in a second, never in a hot loop", key(retiring(now.Add(-time.Hour))), time.Second},
		{"an unreadable deadline is ignored", key(func(vk *v1alpha1.VirtualKey) {
			vk.Status.RetiringKeys = []v1alpha1.RetiringKey{{DeleteAfter: "soon"}}
		}), 0},
		{"a scheduled rotation", key(rotation("2h", "")), time.Hour + time.Second},
		{"the earlier of a rotation and a deletion", key(rotation("2h", ""), retiring(now.Add(5*time.Minute))), 5*time.Minute + time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			assert.Equal(t, tc.want, e.NextReconcile(tc.vk))
		})
	}
}

func TestApplySecretTemplate(t *testing.T) {
	const baseURL = "http://litellm:4000"
	operatorLabels := map[string]string{v1alpha1.LabelManagedBy: v1alpha1.ManagedByValue, v1alpha1.LabelVirtualKey: "svc"}
	secret := func(labels, annotations map[string]string, data map[string]string) *corev1.Secret {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: annotations}, Data: map[string][]byte{v1alpha1.KeySecretDataKey: []byte(rawA)}}
		for k, v := range data {
			s.Data[k] = []byte(v)
		}
		return s
	}
	template := func(tpl *v1alpha1.KeySecretTemplate, applied ...string) func(*v1alpha1.VirtualKey) {
		return func(vk *v1alpha1.VirtualKey) {
			vk.Spec.SecretTemplate = tpl
			vk.Status.SecretTemplateKeys = applied
		}
	}
	cases := []struct {
		reason      string
		vk          *v1alpha1.VirtualKey
		secret      *corev1.Secret
		wantChanged bool
		wantLabels  map[string]string
		wantAnnots  map[string]string
		wantData    map[string]string
		wantApplied []string
	}{
		{
			reason: "labels, annotations and the base URL are added",
			vk: key(template(&v1alpha1.KeySecretTemplate{Labels: map[string]string{"tier": "gold"},
				Annotations: map[string]string{"reloader.stakater.com/match": "true"}, BaseURLKey: "OPENAI_BASE_URL"})),
			secret:      secret(operatorLabels, nil, nil),
			wantChanged: true,
			wantLabels:  map[string]string{v1alpha1.LabelManagedBy: v1alpha1.ManagedByValue, v1alpha1.LabelVirtualKey: "svc", "tier": "gold"},
			wantAnnots:  map[string]string{"reloader.stakater.com/match": "true"},
			wantData:    map[string]string{v1alpha1.KeySecretDataKey: rawA, "OPENAI_BASE_URL": baseURL},
			wantApplied: []string{"annotation:reloader.stakater.com/match", "data:OPENAI_BASE_URL", "label:tier"},
		},
		{
			reason:      "an applied template is not written again",
			vk:          key(template(&v1alpha1.KeySecretTemplate{Labels: map[string]string{"tier": "gold"}}, "label:tier")),
			secret:      secret(map[string]string{"tier": "gold"}, nil, nil),
			wantLabels:  map[string]string{"tier": "gold"},
			wantData:    map[string]string{v1alpha1.KeySecretDataKey: rawA},
			wantApplied: []string{"label:tier"},
		},
		{
			reason: "what the template no longer has is removed, what others put there stays",
			vk: key(template(&v1alpha1.KeySecretTemplate{Labels: map[string]string{"tier": "silver"}, BaseURLKey: "LITELLM_URL"},
				"annotation:old", "data:OPENAI_BASE_URL", "label:replicate", "label:tier")),
			secret: secret(map[string]string{"replicate": "yes", "tier": "gold", "team": "payments"},
				map[string]string{"old": "x", "theirs": "y"}, map[string]string{"OPENAI_BASE_URL": baseURL}),
			wantChanged: true,
			wantLabels:  map[string]string{"tier": "silver", "team": "payments"},
			wantAnnots:  map[string]string{"theirs": "y"},
			wantData:    map[string]string{v1alpha1.KeySecretDataKey: rawA, "LITELLM_URL": baseURL},
			wantApplied: []string{"data:LITELLM_URL", "label:tier"},
		},
		{
			reason:      "removing the template removes all it put there",
			vk:          key(template(nil, "label:tier")),
			secret:      secret(map[string]string{"tier": "gold"}, nil, nil),
			wantChanged: true,
			wantLabels:  map[string]string{},
			wantData:    map[string]string{v1alpha1.KeySecretDataKey: rawA},
		},
		{
			reason: "the operator's labels, annotations and the key itself are never the template's",
			vk: key(template(&v1alpha1.KeySecretTemplate{
				Labels:      map[string]string{v1alpha1.LabelManagedBy: "someone-else", v1alpha1.LabelVirtualKey: "other"},
				Annotations: map[string]string{v1alpha1.AnnotationRotate: "now"}, BaseURLKey: v1alpha1.KeySecretDataKey,
			})),
			secret:     secret(operatorLabels, nil, nil),
			wantLabels: operatorLabels,
			wantData:   map[string]string{v1alpha1.KeySecretDataKey: rawA},
			wantApplied: []string{"annotation:" + v1alpha1.AnnotationRotate,
				"label:" + v1alpha1.LabelManagedBy, "label:" + v1alpha1.LabelVirtualKey},
		},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			changed := applySecretTemplate(tc.vk, tc.secret, baseURL)
			assert.Equal(t, tc.wantChanged, changed, "reported change")
			assert.Equal(t, orEmpty(tc.wantLabels), orEmpty(tc.secret.Labels))
			assert.Equal(t, orEmpty(tc.wantAnnots), orEmpty(tc.secret.Annotations))
			data := map[string]string{}
			for k, v := range tc.secret.Data {
				data[k] = string(v)
			}
			assert.Equal(t, tc.wantData, data)
			assert.Equal(t, tc.wantApplied, tc.vk.Status.SecretTemplateKeys, "status records what the template put there")
			assert.False(t, applySecretTemplate(tc.vk, tc.secret, baseURL), "applying again changes nothing")
		})
	}
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func TestObjectID(t *testing.T) {
	cases := []struct {
		reason, prefix, explicit, annotated, namespace, name, want string
	}{
		{"the spec's ID wins", "", "u-123", "uuid-1", "team-a", "alice", "u-123"},
		{"then the ID recorded in the annotation (adopted from the replaced operator)", "", "", "uuid-1", "team-a", "alice", "uuid-1"},
		{"else namespace and name, split by the first dot (namespaces have none)", "", "", "", "team-a", "alice.smith", "team-a.alice.smith"},
		{"the operator's prefix keeps two clusters apart on one proxy", "prod-", "", "", "team-a", "alice", "prod-team-a.alice"},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			assert.Equal(t, tc.want, objectID(tc.prefix, tc.explicit, tc.annotated, tc.namespace, tc.name))
		})
	}
}

func TestUnavailable(t *testing.T) {
	now := created
	at := func(t time.Time) *litellm.Time { return &litellm.Time{Time: t} }
	cases := []struct {
		reason string
		key    litellm.Key
		want   []string // substrings; none = usable
	}{
		{"a usable key", litellm.Key{Spend: 1, MaxBudget: ptr.To(10.0), Expires: at(now.Add(time.Hour))}, nil},
		{"blocked", litellm.Key{Blocked: ptr.To(true)}, []string{"blocked"}},
		{"expired at this instant", litellm.Key{Expires: at(now)}, []string{"expired"}},
		{"a zero expiry is no expiry (an unparsable timestamp)", litellm.Key{Expires: &litellm.Time{}}, nil},
		{"spend reached the budget", litellm.Key{Spend: 10, MaxBudget: ptr.To(10.0)}, []string{"budget is used up"}},
		{"every reason at once", litellm.Key{Blocked: ptr.To(true), Expires: at(now.Add(-time.Hour)), Spend: 11, MaxBudget: ptr.To(10.0)},
			[]string{"blocked", "expired", "budget"}},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			got := unavailable(&tc.key, now)
			if tc.want == nil {
				assert.Empty(t, got)
			}
			for _, w := range tc.want {
				assert.Contains(t, got, w)
			}
		})
	}
}

func TestScrubLegacyStatusAndSecretName(t *testing.T) {
	vk := key(func(vk *v1alpha1.VirtualKey) {
		vk.Status.KeyID, vk.Status.Token, vk.Status.TokenID = rawA, rawB, "0123abcd"
	})
	scrubLegacyStatus(vk)
	assert.Empty(t, vk.Status.KeyID, "the raw keys the old operator kept in status are forgotten")
	assert.Empty(t, vk.Status.Token)
	assert.Equal(t, "0123abcd", vk.Status.TokenID, "a hash stays")

	assert.Equal(t, "svc-key", keySecretName(vk), "the default name")
	vk.Annotations = map[string]string{v1alpha1.AnnotationKeySecret: "litellm-key-svc"}
	assert.Equal(t, "litellm-key-svc", keySecretName(vk), "an adopted Secret keeps its name: applications mount it")
}

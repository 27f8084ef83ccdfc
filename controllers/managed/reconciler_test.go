package managed

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// loopCase is one reconcile (or a few) of one object and what must come of it.
type loopCase struct {
	name   string
	reason string
	opts   []option
	setup  func(h *harness)
	check  func(t *testing.T, h *harness, res ctrl.Result, err error)
}

func runCases(t *testing.T, cases []loopCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.opts...)
			if tc.setup != nil {
				tc.setup(h)
			}
			res, err := h.reconcile()
			tc.check(t, h, res, err)
		})
	}
}

func exists(upToDate bool, diff ...string) func(int) (Observation, error) {
	return func(int) (Observation, error) { return Observation{Exists: true, UpToDate: upToDate, Diff: diff}, nil }
}

func assertResync(t *testing.T, res ctrl.Result, reason string) {
	t.Helper()
	assert.InDelta(t, float64(testResync), float64(res.RequeueAfter), float64(testResync)/10, reason)
}

// callProxy makes the External's create a real call to the proxy of the case.
func callProxy() func(context.Context, *fakeExternal) error {
	return func(ctx context.Context, e *fakeExternal) error {
		_, err := e.lc.NewTeam(ctx, litellm.TeamNewRequest{TeamID: "t"})
		return err
	}
}

func conflict() error {
	return apierrors.NewConflict(schema.GroupResource{Group: "auth.litellm.ai", Resource: "teams"}, testName, errors.New("the object has been modified"))
}

func TestReconcileCreateAndObserve(t *testing.T) {
	runCases(t, []loopCase{
		{name: "create", reason: "nothing in LiteLLM: the finalizer goes on, then one create; Ready and Synced say so",
			check: func(t *testing.T, h *harness, res ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, []string{"check", "observe", "create", "finish"}, h.ext.calls)
				team := h.team()
				assert.True(t, hasFinalizer(team, v1alpha1.FinalizerName))
				assert.Equal(t, "created", team.Status.TeamID, "what Create copied into status is written")
				ready, synced := condition(team, v1alpha1.ConditionTypeReady), condition(team, v1alpha1.ConditionTypeSynced)
				assert.Equal(t, metav1.ConditionTrue, ready.Status)
				assert.Equal(t, v1alpha1.ReasonAvailable, ready.Reason)
				assert.Equal(t, v1alpha1.ReasonReconcileSuccess, synced.Reason)
				assert.Equal(t, int64(1), synced.ObservedGeneration)
				assert.Equal(t, int64(1), team.Status.ObservedGeneration)
				assert.Equal(t, []string{EventCreated}, h.rec.reasons())
				assert.Equal(t, 1, h.statusWrites, "one status write per reconcile")
				assertResync(t, res, "a healthy object comes back at the jittered resync")
				assert.Equal(t, 1, h.observer.observed)
			}},
		{name: "up to date", reason: "an unchanged resync reads only: no write, no Event",
			setup: func(h *harness) {
				h.ext.observe = exists(true)
				_, err := h.reconcile()
				require.NoError(h.t, err)
				h.statusWrites, h.metaPatches, h.rec.events = 0, 0, nil
			},
			check: func(t *testing.T, h *harness, res ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, []string{"check", "observe", "finish"}, h.ext.calls)
				assert.Zero(t, h.statusWrites, "nothing changed")
				assert.Zero(t, h.metaPatches, "the finalizer is there already")
				assert.Empty(t, h.rec.events)
			}},
		{name: "drift", reason: "a change made in LiteLLM is reverted and reported as drift",
			setup: func(h *harness) {
				h.ext.observe = exists(true)
				_, err := h.reconcile()
				require.NoError(h.t, err)
				h.rec.events = nil
				h.ext.observe = exists(false, "max_budget")
			},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, []string{"check", "observe", "update", "finish"}, h.ext.calls)
				require.Len(t, h.rec.events, 1)
				assert.Equal(t, event{corev1.EventTypeNormal, EventDriftRepaired, "reverted changes made outside the operator to max_budget in LiteLLM"}, h.rec.events[0])
			}},
		{name: "spec change", reason: "a new generation applied is an update, not drift",
			setup: func(h *harness) {
				h.ext.observe = exists(true)
				_, err := h.reconcile()
				require.NoError(h.t, err)
				h.rec.events = nil
				h.update(func(t *v1alpha1.Team) { t.Generation = 2 })
				h.ext.observe = exists(false, "models", "tpm_limit")
			},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, []string{EventUpdated}, h.rec.reasons())
				assert.Contains(t, h.rec.events[0].Note, "applied the spec to models, tpm_limit")
				assert.Equal(t, int64(2), h.team().Status.ObservedGeneration)
			}},
		{name: "update without diff", reason: "work that is not a spec change (a renewal, a field no longer managed) reports its own Events",
			setup: func(h *harness) { h.ext.observe = exists(false) },
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Contains(t, h.ext.calls, "update")
				assert.NotContains(t, h.rec.reasons(), EventUpdated)
				assert.NotContains(t, h.rec.reasons(), EventDriftRepaired)
			}},
		{name: "unavailable", reason: "a blocked or expired object is not Ready, but the reconcile succeeded",
			setup: func(h *harness) {
				h.ext.observe = func(int) (Observation, error) {
					return Observation{Exists: true, UpToDate: true, Unavailable: "the team is blocked"}, nil
				}
			},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				team := h.team()
				assert.Equal(t, metav1.ConditionFalse, condition(team, v1alpha1.ConditionTypeReady).Status)
				assert.Equal(t, v1alpha1.ReasonUnavailable, condition(team, v1alpha1.ConditionTypeReady).Reason)
				assert.Equal(t, "the team is blocked", condition(team, v1alpha1.ConditionTypeReady).Message)
				assert.Equal(t, metav1.ConditionTrue, condition(team, v1alpha1.ConditionTypeSynced).Status)
			}},
		{name: "ignored fields", reason: "what LiteLLM ignores is in the Synced message and one Warning Event, not one per resync",
			setup: func(h *harness) {
				h.ext.observe = func(int) (Observation, error) {
					return Observation{Exists: true, UpToDate: true, Ignored: []string{"softBudget: ignored"}}, nil
				}
				h.update(func(t *v1alpha1.Team) { t.Finalizers = []string{v1alpha1.FinalizerName} })
			},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				synced := condition(h.team(), v1alpha1.ConditionTypeSynced)
				assert.Equal(t, metav1.ConditionTrue, synced.Status, "not a failure")
				assert.Equal(t, "LiteLLM is in line with the spec, except what LiteLLM ignores: softBudget: ignored", synced.Message)
				assert.Equal(t, []event{{corev1.EventTypeWarning, EventFieldIgnored, "softBudget: ignored"}}, h.rec.events)
				h.rec.events = nil
				_, err = h.reconcile()
				require.NoError(t, err)
				assert.Empty(t, h.rec.events, "the resync reports nothing again")
			}},
		{name: "create keeps what the observation found", reason: "a spec problem seen before the create holds for the new object",
			setup: func(h *harness) {
				h.ext.observe = func(int) (Observation, error) {
					return Observation{Unavailable: "refused at request time", Ignored: []string{"aliases: not stored"}}, nil
				}
			},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Contains(t, h.ext.calls, "create")
				team := h.team()
				assert.Equal(t, "refused at request time", condition(team, v1alpha1.ConditionTypeReady).Message)
				assert.Contains(t, condition(team, v1alpha1.ConditionTypeSynced).Message, "aliases: not stored")
				assert.Equal(t, []string{EventCreated, EventFieldIgnored}, h.rec.reasons())
			}},
		{name: "take-over", reason: "an object found in LiteLLM before the operator ever wrote to it is reported once",
			setup: func(h *harness) { h.ext.observe = exists(true) },
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, []string{EventAdopted}, h.rec.reasons())
				assert.True(t, hasFinalizer(h.team(), v1alpha1.FinalizerName), "LiteLLM holds it: deleting must clean it up")
				h.rec.events = nil
				_, err = h.reconcile()
				require.NoError(t, err)
				assert.Empty(t, h.rec.events, "once: the finalizer now says the operator manages it")
			}},
		{name: "own create found", reason: "an object with the finalizer was possibly created by the operator (a lost answer): no take-over Event",
			setup: func(h *harness) {
				h.update(func(t *v1alpha1.Team) { t.Finalizers = []string{v1alpha1.FinalizerName} })
				h.ext.observe = exists(true)
			},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Empty(t, h.rec.events)
			}},
		{name: "scheduled work", reason: "work due before the resync brings the reconcile forward",
			setup: func(h *harness) { h.ext.next = 5 * time.Second },
			check: func(t *testing.T, _ *harness, res ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, 5*time.Second, res.RequeueAfter)
			}},
		{name: "scheduled work after the resync", reason: "the resync comes first",
			setup: func(h *harness) { h.ext.next = time.Hour },
			check: func(t *testing.T, _ *harness, res ctrl.Result, err error) {
				require.NoError(t, err)
				assertResync(t, res, "resync is sooner")
			}},
		{name: "foreign conditions", reason: "the loop owns status.conditions: types it does not set are dropped",
			setup: func(h *harness) {
				h.setStatus(func(t *v1alpha1.Team) {
					t.Status.Conditions = []metav1.Condition{{Type: "Progressing", Status: metav1.ConditionTrue, Reason: "Old", LastTransitionTime: metav1.Now()}}
				})
			},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				for _, c := range h.team().Status.Conditions {
					assert.Contains(t, []string{v1alpha1.ConditionTypeReady, v1alpha1.ConditionTypeSynced}, c.Type)
				}
			}},
	})
}

func TestReconcileFailures(t *testing.T) {
	runCases(t, []loopCase{
		{name: "connection Secret missing", reason: "no watch on connection Secrets: look again in 30s; nothing reached LiteLLM, so no finalizer",
			opts: []option{withoutSecret()},
			check: func(t *testing.T, h *harness, res ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, 30*time.Second, res.RequeueAfter)
				team := h.team()
				assert.False(t, hasFinalizer(team, v1alpha1.FinalizerName))
				synced := condition(team, v1alpha1.ConditionTypeSynced)
				assert.Equal(t, v1alpha1.ReasonConnectionError, synced.Reason)
				assert.Equal(t, v1alpha1.ReasonCreating, condition(team, v1alpha1.ConditionTypeReady).Reason, "never created yet")
				assert.Equal(t, []string{v1alpha1.ReasonConnectionError}, h.rec.reasons())
				assert.Zero(t, h.connector.connects, "no External without a connection")

				_, err = h.reconcile()
				require.NoError(t, err)
				assert.Len(t, h.rec.events, 1, "the same failure again records no second Event")
			}},
		{name: "invalid connection name", reason: "an invalid Secret name is refused before it is read, with a clear message, and never retried hot",
			opts: []option{withTeam(func(t *v1alpha1.Team) { t.Spec.ConnectionRef.SecretRef.Name = "Bad_Name" })},
			check: func(t *testing.T, h *harness, res ctrl.Result, err error) {
				require.NoError(t, err)
				assertResync(t, res, "terminal: the spec must change")
				synced := condition(h.team(), v1alpha1.ConditionTypeSynced)
				assert.Equal(t, v1alpha1.ReasonInvalidSpec, synced.Reason)
				assert.Contains(t, synced.Message, `spec.connectionRef.secretRef.name "Bad_Name" is not a valid Kubernetes name`)
				assert.Zero(t, h.secretReads)
				assert.False(t, hasFinalizer(h.team(), v1alpha1.FinalizerName))
			}},
		{name: "malformed URL", reason: "a URL that is not http(s) cannot work until the Secret changes",
			opts: []option{withURL("ftp://proxy")},
			check: func(t *testing.T, h *harness, res ctrl.Result, err error) {
				require.NoError(t, err)
				assertResync(t, res, "terminal")
				synced := condition(h.team(), v1alpha1.ConditionTypeSynced)
				assert.Equal(t, v1alpha1.ReasonConnectionError, synced.Reason)
				assert.Contains(t, synced.Message, "ns/litellm")
			}},
		{name: "refused before any call", reason: "a Checker refusal reaches no endpoint and leaves no finalizer",
			setup: func(h *harness) {
				h.ext.check = func() error { return Terminalf("NotPermitted", "userRole proxy_admin is not granted") }
			},
			check: func(t *testing.T, h *harness, res ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, []string{"check"}, h.ext.calls)
				assert.Equal(t, "NotPermitted", condition(h.team(), v1alpha1.ConditionTypeSynced).Reason)
				assert.False(t, hasFinalizer(h.team(), v1alpha1.FinalizerName))
				assertResync(t, res, "terminal")
			}},
		{name: "not ours", reason: "an object that exists but belongs to someone else gets no write and no finalizer",
			setup: func(h *harness) {
				h.ext.observe = func(int) (Observation, error) {
					return Observation{Exists: true, NotOurs: Terminalf("NotOwned", "the team exists in LiteLLM and is not this object's")}, nil
				}
			},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, []string{"check", "observe"}, h.ext.calls)
				assert.Equal(t, "NotOwned", condition(h.team(), v1alpha1.ConditionTypeSynced).Reason)
				assert.False(t, hasFinalizer(h.team(), v1alpha1.FinalizerName))
			}},
		{name: "transient observe failure", reason: "a transient failure goes back to the rate limiter, and says so in Synced",
			setup: func(h *harness) {
				h.ext.observe = func(int) (Observation, error) {
					return Observation{}, &litellm.Error{Method: "GET", Endpoint: "/team/info", StatusCode: 503, Message: "busy", Reason: litellm.ReasonServerError, Retryable: true}
				}
			},
			check: func(t *testing.T, h *harness, res ctrl.Result, err error) {
				require.Error(t, err)
				assert.Zero(t, res.RequeueAfter)
				assert.Equal(t, v1alpha1.ReasonLiteLLMError, condition(h.team(), v1alpha1.ConditionTypeSynced).Reason)
			}},
		{name: "outage keeps Ready", reason: "an outage makes Synced False but leaves Ready as it was",
			setup: func(h *harness) {
				h.ext.observe = exists(true)
				_, err := h.reconcile()
				require.NoError(h.t, err)
				h.ext.observe = func(int) (Observation, error) {
					return Observation{}, &litellm.Error{Method: "GET", Endpoint: "/team/info", Message: "connection refused", Reason: litellm.ReasonConnectionRefused}
				}
			},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.Error(t, err)
				team := h.team()
				assert.Equal(t, metav1.ConditionTrue, condition(team, v1alpha1.ConditionTypeReady).Status)
				assert.Equal(t, v1alpha1.ReasonConnectionError, condition(team, v1alpha1.ConditionTypeSynced).Reason)
			}},
		{name: "waiting", reason: "waiting for another object comes back when asked, not at the rate limiter's pace",
			setup: func(h *harness) {
				h.ext.observe = func(int) (Observation, error) {
					return Observation{}, Waiting(v1alpha1.ReasonDependencyMissing, "team t does not exist", 20*time.Second)
				}
			},
			check: func(t *testing.T, h *harness, res ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, 20*time.Second, res.RequeueAfter)
				assert.Equal(t, v1alpha1.ReasonDependencyMissing, condition(h.team(), v1alpha1.ConditionTypeSynced).Reason)
				assert.False(t, hasFinalizer(h.team(), v1alpha1.FinalizerName), "nothing was written to LiteLLM")
			}},
		{name: "finish fails", reason: "Kubernetes-side work after LiteLLM fails the reconcile like any other step",
			setup: func(h *harness) {
				h.ext.finish = func() error { return Terminalf(v1alpha1.ReasonInvalidSpec, "VirtualKey x exists") }
			},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, v1alpha1.ReasonInvalidSpec, condition(h.team(), v1alpha1.ConditionTypeSynced).Reason)
				assert.True(t, hasFinalizer(h.team(), v1alpha1.FinalizerName), "the create reached LiteLLM")
			}},
		{name: "update fails", reason: "a failed update is reported; the object exists, so the finalizer stays",
			setup: func(h *harness) {
				h.ext.observe = exists(false, "models")
				h.ext.update = func() error {
					return &litellm.Error{Method: "POST", Endpoint: "/team/update", StatusCode: 400, Message: "bad", Reason: litellm.ReasonInvalidRequest}
				}
			},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, v1alpha1.ReasonLiteLLMError, condition(h.team(), v1alpha1.ConditionTypeSynced).Reason)
				assert.True(t, hasFinalizer(h.team(), v1alpha1.FinalizerName))
			}},
		{name: "enterprise feature", reason: "a refused licence names the field and is not re-sent for this generation",
			setup: func(h *harness) {
				h.ext.create = func(context.Context, *fakeExternal) error {
					return &litellm.Error{Method: "POST", Endpoint: "/team/new", StatusCode: 403, Message: "only for Enterprise users: tags",
						Reason: litellm.ReasonEnterpriseOnly, Field: "tags"}
				}
			},
			check: func(t *testing.T, h *harness, res ctrl.Result, err error) {
				require.NoError(t, err)
				synced := condition(h.team(), v1alpha1.ConditionTypeSynced)
				assert.Equal(t, v1alpha1.ReasonEnterpriseFeature, synced.Reason)
				assert.Contains(t, synced.Message, "no Enterprise licence for tags")
				assertResync(t, res, "terminal")

				_, err = h.reconcile()
				require.NoError(t, err)
				assert.Equal(t, []string{"check", "observe"}, h.ext.calls, "the same generation is not sent again")

				h.update(func(t *v1alpha1.Team) { t.Generation = 2 })
				_, err = h.reconcile()
				require.NoError(t, err)
				assert.Contains(t, h.ext.calls, "create", "a new spec is tried again")
			}},
		{name: "refusal of an existing object", reason: "an object LiteLLM holds keeps being observed, and its finalizer, while its spec is refused",
			setup: func(h *harness) {
				h.update(func(t *v1alpha1.Team) { t.Finalizers = []string{v1alpha1.FinalizerName} })
				h.setStatus(func(t *v1alpha1.Team) {
					t.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionTypeSynced, Status: metav1.ConditionFalse,
						Reason: v1alpha1.ReasonInvalidSpec, Message: "x", ObservedGeneration: 1, LastTransitionTime: metav1.Now()}}
				})
				h.ext.observe = exists(false, "models")
			},
			check: func(t *testing.T, h *harness, res ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, []string{"check", "observe"}, h.ext.calls, "no update of a refused generation")
				assertResync(t, res, "look again at the resync")
			}},
	})
}

// TestRetryAfterIsCapped: a proxy cannot park an object for longer than a resync.
func TestRetryAfterIsCapped(t *testing.T) {
	cases := []struct {
		name       string
		reason     string
		retryAfter string
		want       time.Duration
	}{
		{name: "short", reason: "a short Retry-After is honoured", retryAfter: "7", want: 7 * time.Second},
		{name: "an hour", reason: "longer than a resync: capped at the resync period", retryAfter: "3600", want: testResync},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newProxy(t)
			p.answer(http.StatusTooManyRequests, `{"error":{"message":"slow down","type":"rate_limit"}}`, http.Header{"Retry-After": {tc.retryAfter}})
			h := newHarness(t, withURL(p.srv.URL))
			h.ext.create = callProxy()
			res, err := h.reconcile()
			require.NoError(t, err)
			assert.Equal(t, tc.want, res.RequeueAfter, tc.reason)
		})
	}
}

// TestFinalizerMeansLiteLLMMayHoldIt: the finalizer goes on before the first write to LiteLLM and
// comes off again when the write provably never reached the proxy, so such an object is deleted
// without a LiteLLM call.
func TestFinalizerMeansLiteLLMMayHoldIt(t *testing.T) {
	cases := []struct {
		name          string
		reason        string
		proxyDown     bool
		status        int
		wantFinalizer bool
	}{
		{name: "proxy refuses the connection", reason: "the create was never sent: nothing in LiteLLM", proxyDown: true, wantFinalizer: false},
		{name: "proxy answers 500", reason: "the create reached LiteLLM and may have been applied", status: http.StatusInternalServerError, wantFinalizer: true},
		{name: "proxy refuses the request", reason: "an answer means the request reached LiteLLM: kept, on the safe side", status: http.StatusBadRequest, wantFinalizer: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := closedURL(t)
			if !tc.proxyDown {
				p := newProxy(t)
				p.answer(tc.status, `{"error":{"message":"no","type":"x"}}`, nil)
				url = p.srv.URL
			}
			h := newHarness(t, withURL(url))
			h.ext.create = callProxy()
			_, _ = h.reconcile()
			assert.Equal(t, tc.wantFinalizer, hasFinalizer(h.team(), v1alpha1.FinalizerName), tc.reason)
			assert.Equal(t, metav1.ConditionFalse, condition(h.team(), v1alpha1.ConditionTypeSynced).Status)

			h.markDeleted()
			h.connector.connects = 0
			_, err := h.reconcile()
			require.NoError(t, err)
			if !tc.wantFinalizer {
				assert.Nil(t, h.team(), "deleted at once")
				assert.Zero(t, h.connector.connects, "no LiteLLM call, not even a connection")
			}
		})
	}
}

// TestAlreadyExistsIsObservedAgain: "already exists" from a create is settled in the same reconcile.
func TestAlreadyExistsIsObservedAgain(t *testing.T) {
	alreadyExists := func(context.Context, *fakeExternal) error {
		return &litellm.Error{Method: "POST", Endpoint: "/key/generate", StatusCode: 400, Param: "key_alias",
			Message: "Key with alias 'a' already exists", Reason: litellm.ReasonAlreadyExists}
	}
	runCases(t, []loopCase{
		{name: "own lost create", reason: "our earlier create had been applied: go on from what is there",
			setup: func(h *harness) {
				h.ext.create = alreadyExists
				h.ext.observe = func(n int) (Observation, error) {
					if n == 0 {
						return Observation{}, nil
					}
					return Observation{Exists: true, UpToDate: false, Diff: []string{"models"}}, nil
				}
			},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, []string{"check", "observe", "create", "observe", "update", "finish"}, h.ext.calls)
				assert.Equal(t, v1alpha1.ReasonReconcileSuccess, condition(h.team(), v1alpha1.ConditionTypeSynced).Reason)
			}},
		{name: "alias taken", reason: "the second observation finds the true reason at once, not after a resync",
			setup: func(h *harness) {
				h.ext.create = alreadyExists
				h.ext.observe = func(n int) (Observation, error) {
					if n == 0 {
						return Observation{}, nil
					}
					return Observation{}, Terminalf(v1alpha1.ReasonAliasInUse, "key alias %q belongs to another LiteLLM key", "a")
				}
			},
			check: func(t *testing.T, h *harness, res ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, v1alpha1.ReasonAliasInUse, condition(h.team(), v1alpha1.ConditionTypeSynced).Reason)
				assert.Equal(t, []string{v1alpha1.ReasonAliasInUse}, h.rec.reasons(), "one Warning, with the true reason")
				assertResync(t, res, "terminal")
			}},
		{name: "still absent", reason: "LiteLLM said it exists but nothing is found: report the create's error and retry",
			setup: func(h *harness) { h.ext.create = alreadyExists },
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, []string{"check", "observe", "create", "observe"}, h.ext.calls)
				assert.Equal(t, v1alpha1.ReasonLiteLLMError, condition(h.team(), v1alpha1.ConditionTypeSynced).Reason)
			}},
	})
}

// TestKubernetesRacesAreQuiet: a lost optimistic-lock race is no failure: no condition change, no
// Event, no error, a quick retry.
func TestKubernetesRacesAreQuiet(t *testing.T) {
	runCases(t, []loopCase{
		{name: "finalizer patch", reason: "another writer changed the object between read and patch",
			setup: func(h *harness) {
				h.ext.observe = exists(true)
				_, err := h.reconcile()
				require.NoError(h.t, err)
				h.update(func(t *v1alpha1.Team) { t.Finalizers = nil })
				h.rec.events = nil
				h.metaConflicts = 1
			},
			check: func(t *testing.T, h *harness, res ctrl.Result, err error) {
				require.NoError(t, err, "no error: controller-runtime would log it")
				assert.Empty(t, h.rec.events)
				assert.Equal(t, metav1.ConditionTrue, condition(h.team(), v1alpha1.ConditionTypeSynced).Status, "Synced stays True")
				assert.Positive(t, res.RequeueAfter)
				assert.LessOrEqual(t, res.RequeueAfter, 2*time.Second)
			}},
		{name: "Secret patch in Connect", reason: "a conflict on the key Secret is the same harmless race",
			setup: func(h *harness) {
				h.ext.observe = exists(true)
				_, err := h.reconcile()
				require.NoError(h.t, err)
				h.rec.events = nil
				h.connector.err = conflict()
			},
			check: func(t *testing.T, h *harness, res ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Empty(t, h.rec.events)
				synced := condition(h.team(), v1alpha1.ConditionTypeSynced)
				assert.Equal(t, v1alpha1.ReasonReconcileSuccess, synced.Reason)
				assert.Positive(t, res.RequeueAfter)
			}},
		{name: "stale cache create", reason: "AlreadyExists from the API server: the cache had not seen the object yet",
			setup: func(h *harness) {
				h.connector.err = apierrors.NewAlreadyExists(schema.GroupResource{Resource: "secrets"}, "team-key")
			},
			check: func(t *testing.T, h *harness, res ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Empty(t, h.rec.events)
				assert.Empty(t, h.team().Status.Conditions, "no condition change")
				assert.Positive(t, res.RequeueAfter)
			}},
	})
}

// TestMessagesAreBounded: whatever a proxy answers, status and Events stay within what the API
// server accepts.
func TestMessagesAreBounded(t *testing.T) {
	huge := strings.Repeat("é", 5000) + "\nsecond line"
	h := newHarness(t)
	h.ext.create = func(context.Context, *fakeExternal) error {
		return &litellm.Error{Method: "POST", Endpoint: "/team/new", StatusCode: 400, Type: strings.Repeat("t", 3000),
			Param: strings.Repeat("p", 3000), Message: huge, Reason: litellm.ReasonInvalidRequest}
	}
	_, err := h.reconcile()
	require.NoError(t, err)
	msg := condition(h.team(), v1alpha1.ConditionTypeSynced).Message
	assert.LessOrEqual(t, len(msg), maxMessageLength)
	assert.True(t, strings.HasSuffix(msg, "…"), "a cut message says so")
	assert.NotContains(t, msg, "\n")
	require.Len(t, h.rec.events, 1)
	assert.LessOrEqual(t, len(h.rec.events[0].Note), maxMessageLength)
}

// TestReconcileDeadline: a reconcile that runs out of time says so, and its outcome is written.
func TestReconcileDeadline(t *testing.T) {
	h := newHarness(t, withTimeout(50*time.Millisecond))
	h.ext.create = func(ctx context.Context, _ *fakeExternal) error {
		<-ctx.Done()
		return &litellm.Error{Method: "POST", Endpoint: "/team/new", Message: ctx.Err().Error(), Reason: litellm.ReasonCanceled}
	}
	start := time.Now()
	_, err := h.reconcile()
	require.Error(t, err, "transient: the rate limiter retries")
	assert.Less(t, time.Since(start), 5*time.Second)
	synced := condition(h.team(), v1alpha1.ConditionTypeSynced)
	assert.Equal(t, v1alpha1.ReasonLiteLLMError, synced.Reason)
	assert.Contains(t, synced.Message, "the reconcile did not finish within 50ms")
}

func TestReconcileDelete(t *testing.T) {
	owned := func(h *harness) {
		h.update(func(t *v1alpha1.Team) { t.Finalizers = []string{v1alpha1.FinalizerName} })
		h.markDeleted()
	}
	runCases(t, []loopCase{
		{name: "not ours", reason: "an object without the finalizer never reached LiteLLM: nothing to do",
			setup: func(h *harness) {
				h.update(func(t *v1alpha1.Team) { t.Finalizers = []string{"someone.else/finalizer"} })
				h.markDeleted()
			},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Zero(t, h.connector.connects)
				assert.Equal(t, []string{"someone.else/finalizer"}, h.team().Finalizers)
			}},
		{name: "delete", reason: "observed, deleted, let go",
			setup: func(h *harness) { owned(h); h.ext.observe = exists(true) },
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, []string{"observe", "delete"}, h.ext.calls)
				assert.Nil(t, h.team())
				assert.Equal(t, []string{EventDeleted}, h.rec.reasons())
				assert.Equal(t, 1, h.observer.forgotten)
			}},
		{name: "already gone", reason: "nothing found: no delete call",
			setup: owned,
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, []string{"observe"}, h.ext.calls)
				assert.Nil(t, h.team())
			}},
		{name: "someone else's", reason: "an object that is not ours is left in LiteLLM, with a Warning",
			setup: func(h *harness) {
				owned(h)
				h.ext.observe = func(int) (Observation, error) {
					return Observation{Exists: true, NotOurs: errors.New("the team carries another owner's stamp")}, nil
				}
			},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, []string{"observe"}, h.ext.calls)
				assert.Equal(t, []string{EventNotDeleted}, h.rec.reasons())
				assert.Nil(t, h.team())
			}},
		{name: "orphan", reason: "deletionPolicy Orphan makes no LiteLLM call",
			setup: func(h *harness) {
				h.update(func(t *v1alpha1.Team) {
					t.Finalizers = []string{v1alpha1.FinalizerName}
					t.Spec.DeletionPolicy = v1alpha1.DeletionPolicyOrphan
				})
				h.markDeleted()
			},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Zero(t, h.connector.connects)
				assert.Equal(t, []string{EventOrphaned}, h.rec.reasons())
				assert.Nil(t, h.team())
			}},
		{name: "connection Secret gone", reason: "without a connection nothing can be deleted: let go and say what may be left",
			opts: []option{withoutSecret()}, setup: owned,
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, []string{EventConnectionGone}, h.rec.reasons())
				assert.Nil(t, h.team())
			}},
		{name: "invalid connection name", reason: "a name that can never resolve does not block deletion",
			opts:  []option{withTeam(func(t *v1alpha1.Team) { t.Spec.ConnectionRef.SecretRef.Name = "Bad/Name" })},
			setup: owned,
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Zero(t, h.secretReads)
				assert.Nil(t, h.team())
			}},
		{name: "malformed URL", reason: "a URL that can never work does not block deletion",
			opts: []option{withURL("not a url")}, setup: owned,
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, []string{EventConnectionGone}, h.rec.reasons())
				assert.Nil(t, h.team())
			}},
		{name: "proxy down", reason: "a LiteLLM object that may exist waits for the proxy; the message offers Orphan",
			setup: func(h *harness) {
				owned(h)
				h.ext.observe = func(int) (Observation, error) {
					return Observation{}, &litellm.Error{Method: "GET", Endpoint: "/team/info", Message: "connection refused", Reason: litellm.ReasonConnectionRefused}
				}
			},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.Error(t, err)
				team := h.team()
				require.NotNil(t, team)
				assert.True(t, hasFinalizer(team, v1alpha1.FinalizerName))
				assert.Equal(t, v1alpha1.ReasonDeleting, condition(team, v1alpha1.ConditionTypeReady).Reason)
				assert.Contains(t, condition(team, v1alpha1.ConditionTypeSynced).Message, "set spec.deletionPolicy to Orphan")
			}},
		{name: "delete fails", reason: "a failed delete keeps the finalizer",
			setup: func(h *harness) {
				owned(h)
				h.ext.observe = exists(true)
				h.ext.delete = func() error { return Terminalf(v1alpha1.ReasonLiteLLMError, "refused") }
			},
			check: func(t *testing.T, h *harness, res ctrl.Result, err error) {
				require.NoError(t, err)
				assert.True(t, hasFinalizer(h.team(), v1alpha1.FinalizerName))
				assertResync(t, res, "terminal")
			}},
		{name: "cleanup first", reason: "Kubernetes-side cleanup must finish before LiteLLM is touched",
			setup: func(h *harness) {
				owned(h)
				h.connector.finalize = func() (bool, error) { return false, nil }
			},
			check: func(t *testing.T, h *harness, res ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, finalizeRetry, res.RequeueAfter)
				assert.Zero(t, h.connector.connects)
			}},
		{name: "finalizer patch conflict", reason: "a lost race while letting go is retried quietly",
			setup: func(h *harness) { owned(h); h.metaConflicts = 1 },
			check: func(t *testing.T, h *harness, res ctrl.Result, err error) {
				require.NoError(t, err)
				assert.NotNil(t, h.team())
				assert.Empty(t, h.rec.events)
				assert.Positive(t, res.RequeueAfter)
			}},
	})
}

// TestAdopter: another controller's objects are taken over through the hook, which the loop calls
// first; its finalizer is honoured like the loop's own on deletion.
func TestAdopter(t *testing.T) {
	runCases(t, []loopCase{
		{name: "live object", reason: "the hook swaps the finalizer; the loop writes no second status for it",
			opts: []option{withAdopter()},
			setup: func(h *harness) {
				h.update(func(t *v1alpha1.Team) { t.Finalizers = []string{foreignFinalizer} })
				h.ext.observe = exists(true)
			},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, []string{v1alpha1.FinalizerName}, h.team().Finalizers)
				assert.Equal(t, 1, h.r.Adopter.(*adopter).calls)
				assert.NotContains(t, h.rec.reasons(), EventAdopted, "the hook reports adoption; the loop sees its own finalizer")
			}},
		{name: "deleted before adoption", reason: "the other controller's finalizer alone still gets the LiteLLM object deleted",
			opts: []option{withAdopter()},
			setup: func(h *harness) {
				h.update(func(t *v1alpha1.Team) { t.Finalizers = []string{foreignFinalizer} })
				h.markDeleted()
				h.ext.observe = exists(true)
			},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, []string{"observe", "delete"}, h.ext.calls)
				assert.Nil(t, h.team())
			}},
		{name: "adoption fails", reason: "a failed take-over is reported and nothing else happens",
			opts: []option{withAdopter()},
			setup: func(h *harness) {
				h.r.Adopter.(*adopter).err = errors.New("cannot read the Secret")
			},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.Error(t, err)
				assert.Zero(t, h.connector.connects)
				assert.Equal(t, ReasonKubernetesError, condition(h.team(), v1alpha1.ConditionTypeSynced).Reason)
			}},
	})
}

func TestObjectGone(t *testing.T) {
	h := newHarness(t)
	require.NoError(t, h.k8s.Delete(context.Background(), h.team()))
	res, err := h.reconcile()
	require.NoError(t, err)
	assert.Zero(t, res.RequeueAfter)
	assert.Equal(t, 1, h.observer.forgotten, "metrics of a gone object are dropped")
}

func TestUnauthorizedRereadsTheConnection(t *testing.T) {
	h := newHarness(t)
	h.ext.observe = func(int) (Observation, error) {
		return Observation{}, &litellm.Error{Method: "GET", Endpoint: "/team/info", StatusCode: 401, Message: "invalid", Reason: litellm.ReasonUnauthorized}
	}
	_, _ = h.reconcile()
	reads := h.secretReads
	_, _ = h.reconcile()
	assert.Greater(t, h.secretReads, reads, "a 401 drops the cached Secret: a rotated master key is read again")
}

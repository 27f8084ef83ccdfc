package metricsauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
)

// reviews stands in for the API server's TokenReview and SubjectAccessReview: tokens maps a
// token to its user, allowed lists "user verb path" triples, and fail makes the next calls fail.
type reviews struct {
	mu                    sync.Mutex
	tokens                map[string]authenticationv1.UserInfo
	allowed               map[string]bool
	fail                  []error
	tokenCalls, sarCalls  int
	lastSAR               authorizationv1.SubjectAccessReviewSpec
	tokenErrs, accessErrs bool
}

func (r *reviews) nextErr(which *bool) error {
	if len(r.fail) == 0 || !*which {
		return nil
	}
	err := r.fail[0]
	r.fail = r.fail[1:]
	return err
}

type tokenSide struct{ *reviews }

func (r tokenSide) Create(_ context.Context, tr *authenticationv1.TokenReview, _ metav1.CreateOptions) (*authenticationv1.TokenReview, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tokenCalls++
	if err := r.nextErr(&r.tokenErrs); err != nil {
		return nil, err
	}
	out := tr.DeepCopy()
	if u, ok := r.tokens[tr.Spec.Token]; ok {
		out.Status = authenticationv1.TokenReviewStatus{Authenticated: true, User: u}
	}
	return out, nil
}

type accessSide struct{ *reviews }

func (r accessSide) Create(_ context.Context, sar *authorizationv1.SubjectAccessReview, _ metav1.CreateOptions) (*authorizationv1.SubjectAccessReview, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sarCalls++
	r.lastSAR = sar.Spec
	if err := r.nextErr(&r.accessErrs); err != nil {
		return nil, err
	}
	out := sar.DeepCopy()
	a := sar.Spec.NonResourceAttributes
	out.Status.Allowed = r.allowed[sar.Spec.User+" "+a.Verb+" "+a.Path]
	return out, nil
}

var prometheusUser = authenticationv1.UserInfo{
	Username: "system:serviceaccount:monitoring:prometheus", UID: "uid-1",
	Groups: []string{"system:serviceaccounts", "system:authenticated"},
	Extra:  map[string]authenticationv1.ExtraValue{"authentication.kubernetes.io/pod-name": {"prometheus-0"}},
}

func newTestGuard() (*reviews, *guard, *time.Time) {
	r := &reviews{
		tokens: map[string]authenticationv1.UserInfo{
			"prometheus-token": prometheusUser,
			"intruder-token":   {Username: "system:serviceaccount:team-a:app", Groups: []string{"system:authenticated"}},
		},
		allowed: map[string]bool{prometheusUser.Username + " get /metrics": true},
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := newGuard(tokenSide{r}, accessSide{r}, wait.Backoff{Duration: time.Millisecond, Factor: 1, Steps: 3}, func() time.Time { return now })
	return r, g, &now
}

// serve sends one request through the guard and returns the status code.
func serve(t *testing.T, g *guard, method, path, authorization string) int {
	t.Helper()
	h, err := g.filter(logr.Discard(), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("metrics"))
	}))
	require.NoError(t, err)
	req := httptest.NewRequest(method, path, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code == http.StatusOK {
		assert.Equal(t, "metrics", rec.Body.String())
	}
	return rec.Code
}

func TestGuardDecisions(t *testing.T) {
	cases := []struct {
		reason                    string
		method, path, auth        string
		want                      int
		wantTokenCalls, wantSARs  int
		wantSARUser, wantSARVerb  string
		wantSARPath               string
		wantSARGroups, wantSARUID bool
	}{
		{reason: "no credentials: refused without asking the API server", method: "GET", path: "/metrics", want: 401},
		{reason: "basic auth is not a bearer token", method: "GET", path: "/metrics", auth: "Basic dXNlcjpwYXNz", want: 401},
		{reason: "an empty bearer token", method: "GET", path: "/metrics", auth: "Bearer ", want: 401},
		{reason: "a token the API server does not accept", method: "GET", path: "/metrics", auth: "Bearer forged", want: 401, wantTokenCalls: 1},
		{reason: "an identity without the metrics-reader grant", method: "GET", path: "/metrics", auth: "Bearer intruder-token",
			want: 403, wantTokenCalls: 1, wantSARs: 1, wantSARUser: "system:serviceaccount:team-a:app", wantSARVerb: "get", wantSARPath: "/metrics"},
		{reason: "the grant: the review carries the whole identity, the verb and the path", method: "GET", path: "/metrics", auth: "Bearer prometheus-token",
			want: 200, wantTokenCalls: 1, wantSARs: 1, wantSARUser: prometheusUser.Username, wantSARVerb: "get", wantSARPath: "/metrics",
			wantSARGroups: true, wantSARUID: true},
		{reason: "the grant is for GET on /metrics only", method: "GET", path: "/debug/pprof/heap", auth: "Bearer prometheus-token",
			want: 403, wantTokenCalls: 1, wantSARs: 1, wantSARUser: prometheusUser.Username, wantSARVerb: "get", wantSARPath: "/debug/pprof/heap"},
		{reason: "the scheme is case-insensitive", method: "GET", path: "/metrics", auth: "bearer prometheus-token",
			want: 200, wantTokenCalls: 1, wantSARs: 1, wantSARUser: prometheusUser.Username, wantSARVerb: "get", wantSARPath: "/metrics",
			wantSARGroups: true, wantSARUID: true},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			r, g, _ := newTestGuard()
			assert.Equal(t, tc.want, serve(t, g, tc.method, tc.path, tc.auth))
			assert.Equal(t, tc.wantTokenCalls, r.tokenCalls, "token reviews")
			assert.Equal(t, tc.wantSARs, r.sarCalls, "access reviews")
			if tc.wantSARs > 0 {
				assert.Equal(t, tc.wantSARUser, r.lastSAR.User)
				assert.Equal(t, &authorizationv1.NonResourceAttributes{Path: tc.wantSARPath, Verb: tc.wantSARVerb}, r.lastSAR.NonResourceAttributes)
				assert.Nil(t, r.lastSAR.ResourceAttributes)
			}
			if tc.wantSARGroups {
				assert.Equal(t, prometheusUser.Groups, r.lastSAR.Groups)
				assert.Equal(t, authorizationv1.ExtraValue{"prometheus-0"}, r.lastSAR.Extra["authentication.kubernetes.io/pod-name"])
			}
			if tc.wantSARUID {
				assert.Equal(t, prometheusUser.UID, r.lastSAR.UID)
			}
		})
	}
}

func TestGuardCaches(t *testing.T) {
	cases := []struct {
		reason                   string
		auth                     string
		want                     int
		after                    time.Duration
		wantTokenCalls, wantSARs int
	}{
		{reason: "an allowed scrape is reviewed once in five minutes", auth: "Bearer prometheus-token", want: 200,
			after: 4 * time.Minute, wantTokenCalls: 5, wantSARs: 1}, // the token at 0, 1, 2, 3 and 4 minutes
		{reason: "after five minutes the access is reviewed again", auth: "Bearer prometheus-token", want: 200,
			after: 5*time.Minute + time.Second, wantTokenCalls: 6, wantSARs: 2},
		{reason: "a refusal is remembered for 30 seconds", auth: "Bearer intruder-token", want: 403,
			after: 29 * time.Second, wantTokenCalls: 1, wantSARs: 1},
		{reason: "and asked again after them", auth: "Bearer intruder-token", want: 403,
			after: 31 * time.Second, wantTokenCalls: 1, wantSARs: 2},
		{reason: "an unknown token is remembered for a minute", auth: "Bearer forged", want: 401,
			after: 59 * time.Second, wantTokenCalls: 1},
		{reason: "and reviewed again after it", auth: "Bearer forged", want: 401,
			after: 61 * time.Second, wantTokenCalls: 2},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			r, g, now := newTestGuard()
			start := *now
			// A scrape every 15 s until "after", then one more.
			for *now = start; now.Sub(start) < tc.after; *now = now.Add(15 * time.Second) {
				require.Equal(t, tc.want, serve(t, g, "GET", "/metrics", tc.auth))
			}
			*now = start.Add(tc.after)
			require.Equal(t, tc.want, serve(t, g, "GET", "/metrics", tc.auth))
			assert.Equal(t, tc.wantTokenCalls, r.tokenCalls, "token reviews")
			assert.Equal(t, tc.wantSARs, r.sarCalls, "access reviews")
		})
	}
}

func TestGuardAPIFailures(t *testing.T) {
	unavailable := apierrors.NewServiceUnavailable("etcd is down")
	forbidden := apierrors.NewForbidden(schema.GroupResource{Group: "authentication.k8s.io", Resource: "tokenreviews"}, "", nil)
	cases := []struct {
		reason           string
		fail             []error
		tokenErrs, sars  bool
		want             int
		wantTokenCalls   int
		wantAccessCalls  int
		wantCachedStatus int // the next request, with the API server answering again
	}{
		{reason: "a transient failure is retried", fail: []error{unavailable}, tokenErrs: true, want: 200, wantTokenCalls: 2, wantAccessCalls: 1, wantCachedStatus: 200},
		{reason: "a token review that keeps failing is a 500, and nothing is cached", fail: []error{unavailable, unavailable, unavailable}, tokenErrs: true,
			want: 500, wantTokenCalls: 3, wantCachedStatus: 200},
		{reason: "the operator may not review tokens: a 500 at once, no retry", fail: []error{forbidden}, tokenErrs: true,
			want: 500, wantTokenCalls: 1, wantCachedStatus: 200},
		{reason: "an access review that keeps failing is a 500, not an allow", fail: []error{unavailable, unavailable, unavailable}, sars: true,
			want: 500, wantTokenCalls: 1, wantAccessCalls: 3, wantCachedStatus: 200},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			r, g, _ := newTestGuard()
			r.fail, r.tokenErrs, r.accessErrs = tc.fail, tc.tokenErrs, tc.sars
			assert.Equal(t, tc.want, serve(t, g, "GET", "/metrics", "Bearer prometheus-token"))
			assert.Equal(t, tc.wantTokenCalls, r.tokenCalls, "token reviews")
			assert.Equal(t, tc.wantAccessCalls, r.sarCalls, "access reviews")
			assert.Equal(t, tc.wantCachedStatus, serve(t, g, "GET", "/metrics", "Bearer prometheus-token"))
		})
	}
}

func TestGuardCacheIsBoundedAndHoldsNoToken(t *testing.T) {
	r, g, _ := newTestGuard()
	for i := range 3 * maxEntries {
		require.Equal(t, 401, serve(t, g, "GET", "/metrics", "Bearer forged-"+strconv.Itoa(i)))
	}
	assert.Equal(t, 3*maxEntries, r.tokenCalls, "each unknown token is reviewed")
	assert.LessOrEqual(t, len(g.users.entries), maxEntries, "flooding with tokens does not grow the cache")
	require.Equal(t, 200, serve(t, g, "GET", "/metrics", "Bearer prometheus-token"))
	for key := range g.users.entries {
		assert.NotContains(t, key, "token", "tokens are cached by their hash")
	}
}

func TestAccessKeyIsUnambiguous(t *testing.T) {
	a := authenticationv1.UserInfo{Username: "a", Groups: []string{"b:c"}}
	b := authenticationv1.UserInfo{Username: "a", Groups: []string{"b", "c"}}
	c := authenticationv1.UserInfo{Username: "a", Extra: map[string]authenticationv1.ExtraValue{"k": {"b", "c"}}}
	keys := map[string]bool{accessKey(a, "get", "/metrics"): true, accessKey(b, "get", "/metrics"): true, accessKey(c, "get", "/metrics"): true,
		accessKey(a, "get", "/metricsx"): true, accessKey(a, "post", "/metrics"): true}
	assert.Len(t, keys, 5, "different identities or requests never share a cached decision")
}

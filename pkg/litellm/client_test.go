package litellm

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewValidatesConfig(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"valid", Config{BaseURL: "http://litellm:4000", MasterKey: "sk-m"}, true},
		{"path prefix", Config{BaseURL: "https://gw.example/litellm/", MasterKey: "sk-m"}, true},
		{"no scheme", Config{BaseURL: "litellm:4000", MasterKey: "sk-m"}, false},
		{"empty URL", Config{MasterKey: "sk-m"}, false},
		{"empty master key", Config{BaseURL: "http://litellm:4000"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			assert.Equal(t, tc.ok, err == nil, "%v", err)
		})
	}
	_, err := New(Config{BaseURL: "ftp://user:" + testMasterKey + "@h", MasterKey: testMasterKey})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testMasterKey)
}

// recorded is one request the test server saw.
type recorded struct {
	method, path, rawQuery string
	header                 http.Header
	body                   map[string]any
}

// recordingServer answers every request with the body for its path and records it.
func recordingServer(t *testing.T, bodies map[string]string) (*Client, func() []recorded) {
	var mu sync.Mutex
	var seen []recorded
	srv := serveFunc(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		mu.Lock()
		seen = append(seen, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), m})
		mu.Unlock()
		body, ok := bodies[r.URL.Path]
		if !ok {
			body = `{}`
		}
		writeJSON(w, 200, body)
	})
	c, err := New(Config{BaseURL: srv.URL + "/", MasterKey: testMasterKey, ChangedBy: "litellm-operator", Transport: newCountingTransport()})
	require.NoError(t, err)
	return c, func() []recorded {
		mu.Lock()
		defer mu.Unlock()
		return append([]recorded(nil), seen...)
	}
}

func TestRequestsOnTheWire(t *testing.T) {
	ctx := context.Background()
	c, seen := recordingServer(t, map[string]string{
		"/user/info":         `{"user_id":"a+b c","user_info":{"user_id":"a+b c"}}`,
		"/user/delete":       `1`,
		"/team/list":         `[{"team_id":"t1","team_alias":"eng"},{"team_id":"t2","team_alias":"eng"}]`,
		"/health/liveliness": `"I'm alive!"`,
	})
	_, err := c.UserInfo(ctx, "a+b c")
	require.NoError(t, err)
	_, err = c.KeyInfo(ctx, testRawKey)
	require.NoError(t, err)
	_, err = c.UpdateKey(ctx, KeyUpdateRequest{Key: testRawKey, KeyAlias: Set("new")})
	require.NoError(t, err)
	_, err = c.DeleteKeys(ctx, KeyDeleteRequest{Keys: []string{testRawKey, "already-a-hash"}})
	require.NoError(t, err)
	n, err := c.DeleteUsers(ctx, "u1")
	require.NoError(t, err)
	assert.Equal(t, 1, n, "bare number body (compat: POST /user/delete)")
	teams, err := c.ListTeams(ctx, TeamListOptions{})
	require.NoError(t, err)
	assert.Len(t, teams, 2, "bare array body (compat: GET /team/list)")
	require.NoError(t, c.Liveliness(ctx))
	_, err = c.ListKeys(ctx, KeyListOptions{KeyAlias: "a b", Size: 100, ReturnFullObject: true})
	require.NoError(t, err)

	reqs := seen()
	require.Len(t, reqs, 8)
	assert.Equal(t, "user_id=a%2Bb+c", reqs[0].rawQuery, "'+' is sent as %2B (compat: GET /user/info)")
	assert.Equal(t, "Bearer "+testMasterKey, reqs[0].header.Get("Authorization"))
	assert.Empty(t, reqs[0].header.Get("litellm-changed-by"), "reads carry no audit header")
	assert.Equal(t, "key="+HashKey(testRawKey), reqs[1].rawQuery, "raw keys travel as hashes")
	assert.Equal(t, HashKey(testRawKey), reqs[2].body["key"])
	assert.Equal(t, "new", reqs[2].body["key_alias"])
	assert.Len(t, reqs[2].body, 2, "unset fields are not sent")
	assert.Equal(t, "litellm-operator", reqs[2].header.Get("litellm-changed-by"))
	assert.Equal(t, "application/json", reqs[2].header.Get("Content-Type"))
	assert.Equal(t, []any{HashKey(testRawKey), "already-a-hash"}, reqs[3].body["keys"])
	assert.Equal(t, []any{"u1"}, reqs[4].body["user_ids"])
	assert.Equal(t, "/health/liveliness", reqs[6].path)
	assert.Empty(t, reqs[6].header.Get("Authorization"), "health probes need no key")
	assert.Equal(t, "key_alias=a+b&return_full_object=true&size=100", reqs[7].rawQuery)
}

func TestUserInfoNeverWithoutID(t *testing.T) {
	c, seen := recordingServer(t, nil)
	_, err := c.UserInfo(context.Background(), " ")
	assert.True(t, IsInvalidRequest(err))
	assert.Empty(t, seen(), "without user_id LiteLLM lists every key and team (compat: GET /user/info): never sent")
}

func TestListTeamsPaginatedForm(t *testing.T) {
	c, _ := recordingServer(t, map[string]string{"/team/list": `{"teams":[{"team_id":"t1"}],"total":1}`})
	teams, err := c.ListTeams(context.Background(), TeamListOptions{})
	require.NoError(t, err)
	require.Len(t, teams, 1)
	assert.Equal(t, "t1", teams[0].TeamID)
}

func TestLoggerFromContext(t *testing.T) {
	srv := serveFunc(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"info":{}}`) })
	c, _ := newTestClient(t, srv.URL, fastRetry)
	var sink logSink
	ctx := logrNewContext(context.Background(), &sink)
	_, err := c.KeyInfo(ctx, testRawKey)
	require.NoError(t, err)
	assert.Contains(t, sink.text(), "/key/info", "without Config.Logger the context's logger is used")
}

func TestRedirectIsNotFollowed(t *testing.T) {
	var followed bool
	srv := serveFunc(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			followed = true
		}
		http.Redirect(w, r, "/elsewhere?token=x", http.StatusTemporaryRedirect)
	})
	c, _ := newTestClient(t, srv.URL, fastRetry)
	_, err := c.GenerateKey(context.Background(), KeyGenerateRequest{Key: testRawKey})
	require.Error(t, err)
	assert.False(t, followed, "a create is never replayed elsewhere")
	e, _ := AsError(err)
	require.NotNil(t, e)
	assert.Equal(t, http.StatusTemporaryRedirect, e.StatusCode)
	assert.Contains(t, e.Message, "redirected to /elsewhere")
	assert.NotContains(t, e.Message, "token=x")
	assert.Equal(t, ReasonUnexpected, e.Reason)
}

func TestClientAndConfigHideTheMasterKey(t *testing.T) {
	cfg := Config{BaseURL: "http://litellm:4000", MasterKey: testMasterKey}
	c, err := New(cfg)
	require.NoError(t, err)
	for _, s := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c),
		fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg)} {
		assert.NotContains(t, s, testMasterKey)
		assert.Contains(t, s, "litellm:4000")
	}
}

func TestChangedBy(t *testing.T) {
	cases := []struct {
		name, reason, configured, perCall, want string
	}{
		{name: "per client", reason: "Config.ChangedBy on every write", configured: "litellm-operator", want: "litellm-operator"},
		{name: "per call", reason: "WithChangedBy names the object that makes the change",
			configured: "litellm-operator", perCall: "litellm-operator:team-a/VirtualKey/svc", want: "litellm-operator:team-a/VirtualKey/svc"},
		{name: "control characters", reason: "a newline would make the request invalid: dropped",
			perCall: "litellm-operator:ns/VirtualKey/a\r\nX-Injected: 1", want: "litellm-operator:ns/VirtualKey/aX-Injected: 1"},
		{name: "bounded", reason: "at most 256 bytes", perCall: strings.Repeat("n", 300), want: strings.Repeat("n", 256)},
		{name: "unset", reason: "no header at all", want: ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var mu sync.Mutex
			srv := serveFunc(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				got = append(got, r.Method+" "+r.Header.Get("litellm-changed-by"))
				mu.Unlock()
				writeJSON(w, 200, `{"team_id":"t1"}`)
			})
			base, err := New(Config{BaseURL: srv.URL, MasterKey: testMasterKey, ChangedBy: tc.configured, Transport: newCountingTransport()})
			require.NoError(t, err)
			c := base
			if tc.perCall != "" {
				c = base.WithChangedBy(tc.perCall)
			}
			_, err = c.NewTeam(context.Background(), TeamNewRequest{TeamID: "t1"})
			require.NoError(t, err)
			_, err = c.TeamInfo(context.Background(), "t1")
			require.NoError(t, err)
			_, err = base.NewTeam(context.Background(), TeamNewRequest{TeamID: "t1"})
			require.NoError(t, err)
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, []string{"POST " + tc.want, "GET ", "POST " + changedByHeader(tc.configured)}, got,
				"%s; reads carry no attribution; the original client keeps its own", tc.reason)
		})
	}
}

func TestResponseError(t *testing.T) {
	cases := []struct {
		name, reason string
		status       int
		body         string
		check        func(error) bool
	}{
		{name: "budget 422", reason: "v1.104", status: 422, body: shapeA(422, "budget_exceeded", "None", "Budget has been exceeded!"), check: IsBudgetExceeded},
		{name: "budget 429", reason: "1.8x to v1.103: not a rate limit", status: 429, body: shapeA(429, "budget_exceeded", "None", "Budget has been exceeded!"), check: IsBudgetExceeded},
		{name: "budget 400", reason: "older", status: 400, body: shapeA(400, "budget_exceeded", "None", "Budget has been exceeded!"), check: IsBudgetExceeded},
		{name: "blocked", reason: "401", status: 401, body: shapeA(401, "auth_error", "None", "Authentication Error, Key is blocked."), check: IsUnauthorized},
		{name: "model denied", reason: "403", status: 403, body: shapeA(403, "key_model_access_denied", "model", "not allowed"), check: IsForbidden},
		{name: "rate limit", reason: "a real 429 stays transient", status: 429, body: shapeA(429, "None", "None", "Rate limit exceeded"), check: IsTransient},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := serveFunc(t, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, tc.status, strings.Replace(tc.body, "!", "! key "+testRawKey, 1))
			})
			req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+"/chat/completions", strings.NewReader(`{}`))
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+testRawKey)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			err = ResponseError(resp)
			assert.True(t, tc.check(err), "%s: %v", tc.reason, err)
			e, ok := AsError(err)
			require.True(t, ok)
			assert.Equal(t, "/chat/completions", e.Endpoint)
			assert.NotContains(t, err.Error(), testRawKey, "the caller's key is redacted")
		})
	}
	ok := &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}
	assert.NoError(t, ResponseError(ok), "nil for a 2xx answer")
}

package litellm

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixture is one file of testdata/litellm-fixtures (see its README.md for each file's origin).
type fixture struct {
	Endpoint string          `json:"endpoint"`
	Status   int             `json:"status"`
	Version  string          `json:"litellm_version"`
	Kind     string          `json:"kind"`
	Body     json.RawMessage `json:"body"`
}

// fixturesDir is the repository's testdata/litellm-fixtures, found from this file's path.
func fixturesDir(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "litellm-fixtures")
}

// fixtureCheck calls the client against a server that answers with the fixture, then checks the result.
type fixtureCheck func(t *testing.T, c *Client)

// checkError runs call and asserts the typed error's status, type, message and classification.
func checkError(call func(c *Client) error, status int, typ, msgContains string, reason Reason) fixtureCheck {
	return func(t *testing.T, c *Client) {
		err := call(c)
		e, ok := AsError(err)
		require.True(t, ok, "want *litellm.Error, got %v", err)
		assert.Equal(t, status, e.StatusCode)
		assert.Equal(t, typ, e.Type)
		assert.Contains(t, e.Message, msgContains)
		assert.Equal(t, reason, e.Reason, e.Error())
	}
}

// rawCall sends a bodiless request to a non-management route through the real attempt/decode path.
func rawCall(method, route string) func(c *Client) error {
	return func(c *Client) error {
		return c.do(context.Background(), call{method: method, route: route, safety: neverRetry}, nil)
	}
}

func keyInfoCall(c *Client) error { _, err := c.KeyInfo(context.Background(), testRawKey); return err }

func keyUpdateCall(c *Client) error {
	_, err := c.UpdateKey(context.Background(), KeyUpdateRequest{Key: testRawKey, MaxBudget: Set(1.0)})
	return err
}

func keyBlockCall(c *Client) error {
	_, err := c.BlockKey(context.Background(), testRawKey)
	return err
}

func keyGenerateCall(c *Client) error {
	_, err := c.GenerateKey(context.Background(), KeyGenerateRequest{Key: testRawKey, KeyAlias: "my-alias"})
	return err
}

// fixtureChecks has one entry per fixture file; a new file without an entry fails the test.
var fixtureChecks = map[string][]fixtureCheck{
	"auth-401-unknown-key-v1.83.10.json": {
		// A wrong master key: Unauthorized everywhere, and in particular NOT not-found on the two
		// endpoints whose not-found answer is also a 401 (compat: Not-found answers per endpoint).
		checkError(keyInfoCall, 401, "token_not_found_in_db", "Invalid proxy server token passed", ReasonUnauthorized),
		checkError(keyUpdateCall, 401, "token_not_found_in_db", "Invalid proxy server token passed", ReasonUnauthorized),
		checkError(keyBlockCall, 401, "token_not_found_in_db", "Invalid proxy server token passed", ReasonUnauthorized),
	},
	"bedrock-passthrough-403-model-not-allowed.json": {
		checkError(rawCall("POST", "/bedrock/model/{model}/converse"), 403, "key_model_access_denied", "key not allowed to access model", ReasonForbidden),
	},
	"chat-completions-400-budget-exceeded-key-model-docs.json": {
		checkError(rawCall("POST", "/chat/completions"), 400, "budget_exceeded", "exceeded budget for model=gpt-4o", ReasonBudgetExceeded),
	},
	"chat-completions-400-budget-exceeded-tag-docs.json": {
		checkError(rawCall("POST", "/chat/completions"), 400, "budget_exceeded", "Budget has been exceeded! Tag=engineering", ReasonBudgetExceeded),
	},
	"chat-completions-400-budget-exceeded-team-docs.json": {
		// Older proxies: type auth_error, integer code; the budget text decides (compat: Request-time checks).
		checkError(rawCall("POST", "/chat/completions"), 400, "auth_error", "Budget has been exceeded!", ReasonBudgetExceeded),
	},
	"chat-completions-400-budget-exceeded-user-docs.json": {
		checkError(rawCall("POST", "/chat/completions"), 400, "budget_exceeded", "ExceededBudget: User=<user_id> over budget", ReasonBudgetExceeded),
	},
	"chat-completions-400-budget-exceeded-v1.40.json": {
		checkError(rawCall("POST", "/chat/completions"), 400, "auth_error", "Budget has been exceeded!", ReasonBudgetExceeded),
	},
	"chat-completions-400-expired-key.json": {
		checkError(rawCall("POST", "/chat/completions"), 400, "expired_key", "Expired Key", ReasonUnauthorized),
		func(t *testing.T, c *Client) {
			// The raw key LiteLLM put in `param` (compat: Request-time checks) must not reach Error().
			e, _ := AsError(rawCall("POST", "/chat/completions")(c))
			require.NotNil(t, e)
			assert.NotContains(t, e.Error(), "sk-1234567890")
			assert.NotContains(t, e.Param, "sk-1234567890")
			assert.Equal(t, "sk-...wxyz...", e.Param)
		},
	},
	"chat-completions-401-blocked-key.json": {
		checkError(rawCall("POST", "/chat/completions"), 401, "auth_error", "Key is blocked", ReasonUnauthorized),
	},
	"chat-completions-401-budget-exceeded-end-user-docs.json": {
		checkError(rawCall("POST", "/chat/completions"), 401, "auth_error", "has exceeded their budget", ReasonBudgetExceeded),
		func(t *testing.T, c *Client) {
			e, _ := AsError(rawCall("POST", "/chat/completions")(c))
			require.NotNil(t, e)
			assert.Equal(t, "401", e.Code, "an integer code decodes as text")
			assert.Empty(t, e.Param, "Python's None is not a param")
		},
	},
	"health-liveliness-200.json": {
		func(t *testing.T, c *Client) { assert.NoError(t, c.Liveliness(context.Background())) },
	},
	"health-readiness-200-v1.40.21.json": {
		func(t *testing.T, c *Client) {
			r, err := c.Readiness(context.Background())
			require.NoError(t, err)
			assert.Equal(t, "connected", r.Status, "1.40 says connected, later releases healthy (compat: GET /health/readiness)")
			assert.Equal(t, "connected", r.DB)
			assert.Equal(t, "1.40.21", r.LiteLLMVersion)
		},
	},
	"key-generate-200-docs-old.json": {
		func(t *testing.T, c *Client) {
			const sent = "sk-Fake0123456789abcdEFgh"
			r, err := c.GenerateKey(context.Background(), KeyGenerateRequest{Key: sent})
			require.NoError(t, err)
			assert.Equal(t, sent, r.RawKey)
			assert.Empty(t, r.KeyName, "key_name is null in old bodies")
			assert.Equal(t, HashKey(sent), r.Token, "token_id is null and token absent: the hash is computed")
			assert.Equal(t, "ishaan", r.UserID)
			assert.Nil(t, r.Expires)
		},
	},
	"key-generate-200.json": {
		func(t *testing.T, c *Client) {
			r, err := c.GenerateKey(context.Background(), KeyGenerateRequest{Key: "sk-Fake0123456789abcdEFgh", KeyAlias: "XX-nova-lite"})
			require.NoError(t, err)
			assert.Equal(t, "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988", r.Token)
			assert.Equal(t, r.Token, r.TokenID)
			assert.Equal(t, "sk-...EFgh", r.KeyName)
			assert.Equal(t, "XX-nova-lite", r.KeyAlias)
			assert.Equal(t, []string{"nova-lite"}, r.Models)
			assert.Equal(t, "default_user_id", r.CreatedBy)
			require.NotNil(t, r.CreatedAt)
			assert.True(t, r.CreatedAt.Equal(time.Date(2025, 6, 9, 11, 41, 26, 34e6, time.UTC)))
			assert.Nil(t, r.MaxBudget)
		},
	},
	"key-generate-400-duplicate-alias.json": {
		checkError(keyGenerateCall, 400, "bad_request_error", "Key with alias 'my-alias' already exists", ReasonAlreadyExists),
	},
	"key-generate-400-key-without-sk.json": {
		// The Python dict repr is stripped to the human text (compat: Error bodies).
		checkError(keyGenerateCall, 400, "internal_server_error",
			"Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: abcd****wxyz", ReasonInvalidRequest),
		func(t *testing.T, c *Client) {
			e, _ := AsError(keyGenerateCall(c))
			require.NotNil(t, e)
			assert.False(t, strings.HasPrefix(e.Message, "{"), "repr stripped: %q", e.Message)
		},
	},
	"key-generate-403-non-admin-route-docs.json": {
		checkError(keyGenerateCall, 403, "auth_error", "is an admin only route", ReasonForbidden),
	},
	"key-generate-500-internal-v1.81.3.json": {
		func(t *testing.T, c *Client) {
			checkError(keyGenerateCall, 500, "internal_server_error", "Internal Server Error, 'create_key'", ReasonServerError)(t, c)
			assert.True(t, IsTransient(keyGenerateCall(c)), "a 500 without an Enterprise or validation text is transient")
		},
	},
	"key-info-200.json": {
		func(t *testing.T, c *Client) {
			r, err := c.KeyInfo(context.Background(), testRawKey)
			require.NoError(t, err)
			assert.Equal(t, "test_key_8a448a76-d3f8-4419-a6dc-88a3a3a57018", r.Info.KeyAlias)
			assert.Equal(t, "sk-...3PVA", r.Info.KeyName)
			assert.InDelta(t, 0.0008835, r.Info.Spend, 1e-12)
			assert.Equal(t, HashKey(testRawKey), r.Info.Token, "/key/info strips token; the client fills in the hash it asked for")
			require.NotNil(t, r.Info.UpdatedAt)
			assert.True(t, r.Info.UpdatedAt.Equal(time.Date(2025, 1, 27, 23, 6, 26, 393e6, time.UTC)))
			assert.Empty(t, r.Info.CreatedBy, "~1.59 has no created_by (compat: Differences between releases)")
		},
	},
	"key-info-404.json": {
		checkError(keyInfoCall, 404, "not_found_error", "Key not found in database", ReasonNotFound),
	},
	"key-list-200-hashes.json": {
		func(t *testing.T, c *Client) {
			r, err := c.ListKeys(context.Background(), KeyListOptions{Page: 1, Size: 10})
			require.NoError(t, err)
			assert.Len(t, r.Hashes, 10)
			assert.Empty(t, r.Keys, "without return_full_object LiteLLM sends hashes only")
			assert.Equal(t, 277, r.TotalCount)
			assert.Equal(t, 28, r.TotalPages)
			assert.Equal(t, "cc097ca0d092961a24cfd7709bb959c961d1bdce48e87cfc80746e7c4d945856", r.Hashes[0])
		},
	},
	"models-401-no-db-v2024.json": {
		checkError(rawCall("GET", "/v1/models"), 401, "auth_error", "No connected db", ReasonUnauthorized),
	},
	"team-info-404.json": {
		func(t *testing.T, c *Client) {
			call := func(c *Client) error { _, err := c.TeamInfo(context.Background(), "t1"); return err }
			checkError(call, 404, "auth_error", "Team not found, passed team id: t1.", ReasonNotFound)(t, c)
			e, _ := AsError(call(c))
			require.NotNil(t, e)
			assert.Equal(t, "Team not found, passed team id: t1.", e.Message, "repr stripped")
		},
	},
	"team-member-add-400-already-in-team.json": {
		checkError(func(c *Client) error {
			_, err := c.AddTeamMember(context.Background(), TeamMemberAddRequest{TeamID: "t1", Member: TeamMember{UserID: "u1", Role: "user"}})
			return err
		}, 400, "team_member_already_in_team", "User already in team", ReasonAlreadyExists),
	},
	"team-update-403-enterprise-v1.81.3.json": {
		// `message` is an object on 1.81.x (compat: Error bodies): its `error` member is the text.
		checkError(func(c *Client) error {
			_, err := c.UpdateTeam(context.Background(), TeamUpdateRequest{TeamID: "t1", Tags: Set([]string{"a"})})
			return err
		}, 403, "internal_server_error", "This feature is only available for LiteLLM Enterprise users", ReasonEnterpriseOnly),
	},
	"user-info-200-docs.json": {
		func(t *testing.T, c *Client) {
			// The body decodes (keys with their hash)...
			var raw UserInfoResponse
			require.NoError(t, c.do(context.Background(), call{method: "GET", route: routeUserInfo,
				query: map[string][]string{"user_id": {"jane_smith"}}, safety: retryIdempotent}, &raw))
			require.Len(t, raw.Keys, 1)
			assert.Equal(t, "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988", raw.Keys[0].Token)
			require.NotNil(t, raw.Keys[0].Expires)
			require.NotNil(t, raw.UserInfo)
			assert.InDelta(t, 0.1, raw.UserInfo.Spend, 1e-12)
			// ...but a user_info without user_id is what LiteLLM builds for an id with no user row
			// (only the spend of keys naming it), so UserInfo reports not-found (compat: GET /user/info).
			_, err := c.UserInfo(context.Background(), "jane_smith")
			assert.True(t, IsNotFound(err), "got %v", err)
		},
	},
}

func TestFixturesDecode(t *testing.T) {
	dir := fixturesDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	seen := map[string]bool{}
	for _, path := range files {
		name := filepath.Base(path)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			var fx fixture
			require.NoError(t, json.Unmarshal(data, &fx))
			checks, ok := fixtureChecks[name]
			require.True(t, ok, "fixture %s (%s, %d) has no expectation in fixtureChecks", name, fx.Endpoint, fx.Status)

			srv := serveFunc(t, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, fx.Status, string(fx.Body))
			})
			c, _ := newTestClient(t, srv.URL, RetryPolicy{MaxAttempts: 1})
			for _, check := range checks {
				check(t, c)
			}
		})
	}
	for name := range fixtureChecks {
		assert.True(t, seen[name], "expectation for %s but no such fixture", name)
	}
}

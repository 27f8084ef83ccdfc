package litellmsim

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMasterKeyChecks(t *testing.T) {
	cases := []struct {
		name, reason, key string
		permitWeak        bool
		wantErr           string
	}{
		{name: "unset", reason: "v1.104 refuses to start without a master key", key: "", wantErr: "unset or empty"},
		{name: "blank", reason: "white space is empty", key: "  ", wantErr: "unset or empty"},
		{name: "no prefix", reason: "compat: Authentication: a master key starts with sk-", key: "master-key", wantErr: `must start with "sk-"`},
		{name: "sk-1234", reason: "v1.104 refuses the key every example uses", key: "sk-1234", wantErr: "publicly known"},
		{name: "sk-1234 permitted", reason: "LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY keeps the old behaviour", key: "sk-1234", permitWeak: true},
		{name: "empty even when permitted", reason: "the simulator has no unauthenticated mode", key: "", permitWeak: true, wantErr: "unset or empty"},
		{name: "a real key", reason: "accepted", key: "sk-a-long-random-master-key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, err := New(Options{MasterKey: tc.key, PermitWeakMasterKey: tc.permitWeak})
			if tc.wantErr != "" {
				require.Error(t, err, tc.reason)
				assert.Contains(t, err.Error(), tc.wantErr, tc.reason)
				assert.NotContains(t, err.Error(), "sk-1234", "the error never repeats the key")
				return
			}
			require.NoError(t, err, tc.reason)
			require.NoError(t, sim.Close())
		})
	}
}

func TestCustomAPIKeysDisabled(t *testing.T) {
	cases := []struct {
		name, reason string
		disabled     bool
		body         map[string]any
		wantStatus   int
	}{
		{name: "chosen key refused", reason: "disable_custom_api_keys: 403, even for the master key", disabled: true,
			body: map[string]any{"key": "sk-chosen-0123456789", "key_alias": "a"}, wantStatus: http.StatusForbidden},
		{name: "generated key", reason: "the proxy chooses: 200", disabled: true, body: map[string]any{"key_alias": "a"}, wantStatus: http.StatusOK},
		{name: "null key", reason: "a null key is no custom value", disabled: true, body: map[string]any{"key": nil}, wantStatus: http.StatusOK},
		{name: "setting off", reason: "by default a chosen key is accepted", body: map[string]any{"key": "sk-chosen-0123456789"}, wantStatus: http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, c := newTestSim(t, func(o *Options) { o.DisableCustomAPIKeys = tc.disabled })
			r := c.post("/key/generate", tc.body)
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.wantStatus != http.StatusOK {
				assert.Equal(t, "internal_server_error", r.errA()["type"], "re-raised by handle_exception_on_proxy")
				assert.Equal(t, "{'error': '"+customKeyText+"'}", r.errA()["message"])
				assert.Empty(t, sim.Keys(), "nothing is created")
				return
			}
			raw := r.obj()["key"].(string)
			_, ok := sim.KeyByHash(raw)
			assert.True(t, ok, "the answer's raw key is the stored key")
		})
	}
}

func TestKeyAliasPattern(t *testing.T) {
	const pattern = `team-[a-z]+`
	premium := func(o *Options) { o.Premium = true }
	cases := []struct {
		name, reason string
		opts         func(*Options)
		request      func(c *apiClient, raw string) response
		wantStatus   int
	}{
		{name: "generate matching", reason: "the whole alias matches", wantStatus: 200,
			request: func(c *apiClient, _ string) response {
				return c.post("/key/generate", map[string]any{"key_alias": "team-search"})
			}},
		{name: "generate partial match", reason: "fullmatch: a prefix match is not enough", wantStatus: 400,
			request: func(c *apiClient, _ string) response {
				return c.post("/key/generate", map[string]any{"key_alias": "team-search-2"})
			}},
		{name: "generate too long", reason: "aliases are capped at 255 characters", wantStatus: 400,
			request: func(c *apiClient, _ string) response {
				return c.post("/key/generate", map[string]any{"key_alias": "team-" + strings.Repeat("a", 251)})
			}},
		{name: "generate without alias", reason: "no alias, nothing to check", wantStatus: 200,
			request: func(c *apiClient, _ string) response { return c.post("/key/generate", map[string]any{}) }},
		{name: "update to a bad alias", reason: "a changed alias is checked", wantStatus: 400,
			request: func(c *apiClient, raw string) response {
				return c.post("/key/update", map[string]any{"key": raw, "key_alias": "Prod Key"})
			}},
		{name: "update keeping an old alias", reason: "an unchanged alias is not checked: keys named before the pattern stay editable", wantStatus: 200,
			request: func(c *apiClient, raw string) response {
				return c.post("/key/update", map[string]any{"key": raw, "key_alias": "Legacy Name", "max_budget": 2})
			}},
		{name: "regenerate to a bad alias", reason: "regenerate is checked too", opts: premium, wantStatus: 400,
			request: func(c *apiClient, raw string) response {
				return c.post("/key/regenerate", map[string]any{"key": raw, "key_alias": "Other Name"})
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, c := newTestSim(t, func(o *Options) {
				o.KeyAliasPattern = pattern
				if tc.opts != nil {
					tc.opts(o)
				}
			})
			raw := c.mustGenerate(map[string]any{"key_alias": "team-a"})
			require.True(t, sim.MutateKey(raw, func(k *Key) { k.KeyAlias = "Legacy Name" }), "a key named before the pattern was set")
			r := tc.request(c, raw)
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.wantStatus == 400 {
				assert.Equal(t, "bad_request_error", r.errA()["type"])
				assert.Equal(t, "key_alias", r.errA()["param"])
				assert.Equal(t, "Invalid key_alias format. Must be at most 255 characters and match the configured key_alias_pattern: "+pattern, r.errA()["message"])
			}
		})
	}
	t.Run("invalid pattern", func(t *testing.T) {
		_, err := New(Options{MasterKey: testMasterKey, KeyAliasPattern: "team-[a-z"})
		assert.ErrorContains(t, err, "Invalid regex set for litellm_settings.key_alias_pattern", "the proxy does not start")
	})
}

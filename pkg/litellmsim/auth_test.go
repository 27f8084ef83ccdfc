package litellmsim

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestManagementAuth(t *testing.T) {
	_, c := newTestSim(t)
	virtual := c.mustGenerate(map[string]any{"key": "sk-virtual-key-1234"})
	wrong := "sk-wrong-master-abcd"
	cases := []struct {
		name, reason string
		header       map[string]string
		wantStatus   int
		wantType     string
		wantParam    any
		wantMessage  string
	}{
		{name: "no key", reason: "compat: Authentication: no key → 401 auth_error", wantStatus: 401, wantType: "auth_error", wantParam: "None",
			wantMessage: "Authentication Error, No api key passed in."},
		{name: "authorization without bearer", reason: "only the Bearer scheme carries a key", header: map[string]string{"Authorization": testMasterKey},
			wantStatus: 401, wantType: "auth_error", wantMessage: "Authentication Error, No api key passed in."},
		{name: "not sk", reason: "compat: Authentication: value not starting with sk- → 401, masked", header: map[string]string{"Authorization": "Bearer abcdefghijklwxyz"},
			wantStatus: 401, wantType: "auth_error", wantParam: "None",
			wantMessage: "Authentication Error, LiteLLM Virtual Key expected. Received=abcd****wxyz, expected to start with 'sk-'."},
		{name: "wrong master key", reason: "compat: Authentication: unknown sk- key (incl. a wrong master key) → token_not_found_in_db", header: map[string]string{"Authorization": "Bearer " + wrong},
			wantStatus: 401, wantType: "token_not_found_in_db", wantParam: "key",
			wantMessage: "Authentication Error, Invalid proxy server token passed. Received API Key = sk-...abcd, Key Hash (Token) =" + HashKey(wrong) + ". Unable to find token in cache or `LiteLLM_VerificationTokenTable`"},
		{name: "virtual key", reason: "only the master key may use management routes", header: map[string]string{"Authorization": "Bearer " + virtual},
			wantStatus: 401, wantType: "auth_error", wantParam: "None"},
		{name: "LiteLLM header master", reason: "compat: Authentication: the LiteLLM header works too", header: map[string]string{liteLLMKeyHeader: testMasterKey}, wantStatus: 200},
		{name: "LiteLLM header wins", reason: "compat: Authentication: X-Litellm-Api-Key takes precedence over Authorization (unverified)",
			header: map[string]string{liteLLMKeyHeader: testMasterKey, "Authorization": "Bearer " + wrong}, wantStatus: 200},
		{name: "bearer master", reason: "the normal way", header: map[string]string{"Authorization": "Bearer " + testMasterKey}, wantStatus: 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.send(http.MethodGet, "/key/list", nil, tc.header)
			assert.Equal(t, tc.wantStatus, r.status, tc.reason)
			if tc.wantStatus == 200 {
				return
			}
			e := r.errA()
			assert.Equal(t, tc.wantType, e["type"], tc.reason)
			assert.Equal(t, "401", e["code"], "code is the status as a string (compat: Error bodies)")
			if tc.wantParam != nil {
				assert.Equal(t, tc.wantParam, e["param"], tc.reason)
			}
			if tc.wantMessage != "" {
				assert.Equal(t, tc.wantMessage, e["message"], tc.reason)
			}
			assert.NotContains(t, r.String(), testMasterKey, "the master key is never echoed")
		})
	}
}

func TestNewRejectsBadMasterKey(t *testing.T) {
	for _, key := range []string{"", "master", "Sk-upper"} {
		_, err := New(Options{MasterKey: key})
		assert.Error(t, err, "a master key must start with sk- (%q)", key)
	}
}

func TestUnknownRoutes(t *testing.T) {
	_, c := newTestSim(t)
	r := c.get("/no/such/route")
	assert.Equal(t, 404, r.status)
	assert.Equal(t, "Not Found", r.detail(), "FastAPI's 404 body")
	r = c.get("/key/generate")
	assert.Equal(t, 405, r.status, "management writes are POST only")
	assert.Equal(t, "Method Not Allowed", r.detail())
}

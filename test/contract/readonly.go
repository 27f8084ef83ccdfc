package contract

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// testReadOnlyRoutes: the routes other clients and applications call even though the operator
// does not: the API docs page at /, the health routes, the model list, and /key/info with a
// virtual key's own bearer.
func (e *env) testReadOnlyRoutes(t *testing.T) {
	t.Run("API docs page", func(t *testing.T) {
		r := e.call(t, http.MethodGet, "/", "", nil)
		require.NoError(t, r.err, "GET / answers without a key: another operator checks its connection with it")
		assert.True(t, strings.HasPrefix(r.header.Get("Content-Type"), "text/html"), "an HTML page: %s", r.header.Get("Content-Type"))
	})

	t.Run("health probes", func(t *testing.T) {
		for _, path := range []string{"/health/liveliness", "/health/readiness", "/health/liveness"} {
			r := e.call(t, http.MethodGet, path, "", nil)
			if path == "/health/liveness" && e.real() && statusOf(r.err) == http.StatusNotFound {
				continue // this spelling exists in newer releases only (compat: GET /health/liveliness)
			}
			assert.NoError(t, r.err, "%s needs no key", path)
		}
		if e.real() {
			return // GET /health calls every model of the proxy: not on someone's real proxy
		}
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		assert.NoError(t, e.call(t, http.MethodGet, "/health", raw, nil).err, "any valid key")
		assert.True(t, litellm.IsUnauthorized(e.call(t, http.MethodGet, "/health", "", nil).err), "but a key")
	})

	t.Run("model list", func(t *testing.T) {
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{Models: []string{testModel}})
		for _, path := range []string{"/v1/models", "/models"} {
			var list struct {
				Object string `json:"object"`
				Data   []struct {
					ID     string `json:"id"`
					Object string `json:"object"`
				} `json:"data"`
			}
			e.call(t, http.MethodGet, path, raw, nil).json(t, &list)
			assert.Equal(t, "list", list.Object, "OpenAI's list format")
			ids := make([]string, 0, len(list.Data))
			for _, m := range list.Data {
				assert.Equal(t, "model", m.Object)
				ids = append(ids, m.ID)
			}
			if e.real() {
				assert.Subset(t, []string{testModel}, ids, "%s: only what the key may use", path)
			} else {
				assert.Equal(t, []string{testModel}, ids, "%s: the key's models", path)
			}
			assert.NoError(t, e.call(t, http.MethodGet, path, e.target.MasterKey, nil).err, "the master key lists the proxy's models")
		}
	})

	t.Run("key info with the key's own bearer", func(t *testing.T) {
		alias := e.id("self-info")
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{KeyAlias: alias})
		other, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		var own litellm.KeyInfoResponse
		e.call(t, http.MethodGet, "/key/info", raw, nil).json(t, &own)
		assert.Equal(t, alias, own.Info.KeyAlias, "without ?key=, the caller's own key")
		e.call(t, http.MethodGet, "/key/info?key="+litellm.HashKey(raw), raw, nil).json(t, &own)
		assert.Equal(t, alias, own.Info.KeyAlias, "named by its hash")
		err := e.call(t, http.MethodGet, "/key/info?key="+litellm.HashKey(other), raw, nil).err
		assert.True(t, litellm.IsForbidden(err) || litellm.IsUnauthorized(err), "never another key's row: %v", err)
	})
}

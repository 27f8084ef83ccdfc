package litellm

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

func TestRedactorClean(t *testing.T) {
	r := newRedactor("sk-master-Secret0123456789", "plainSecretNoPrefix")
	cases := []struct {
		name, in, want string
	}{
		{"master key literal", "bad key sk-master-Secret0123456789 here", "bad key [REDACTED] here"},
		{"non-sk secret literal", "got plainSecretNoPrefix", "got [REDACTED]"},
		{"raw key to LiteLLM's form", "User Key=sk-AbCdEfGhIjKlMnOpWXYZ", "User Key=sk-...WXYZ"},
		{"key in quotes", `'sk-AbCdEfGhIjKlMnOpQRST'`, `'sk-...QRST'`},
		{"several keys", "sk-AAAAAAAAAAAAAAAAaaaa and sk-BBBBBBBBBBBBBBBBbbbb", "sk-...aaaa and sk-...bbbb"},
		{"short key", "sk-abc123", "[REDACTED]"},
		{"already abbreviated", "sk-...wxyz", "sk-...wxyz"},
		{"LiteLLM's own masking", "Received: abcd****wxyz", "Received: abcd****wxyz"},
		{"quoted prefix", "must start with 'sk-'", "must start with 'sk-'"},
		{"inside a word", "task-force", "task-force"},
		{"bearer header", "Authorization: Bearer abc.def", "Authorization: Bearer [REDACTED]"},
		{"hash is not a secret", "Key Hash (Token) =1f2e3d4c", "Key Hash (Token) =1f2e3d4c"},
		{"expired key param", "sk-1234567890abcdefghijklmnopqrstuvwxyz...", "sk-...wxyz..."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, r.clean(tc.in))
		})
	}
}

func TestKeyHelpers(t *testing.T) {
	assert.Equal(t, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", HashKey(""))
	assert.Len(t, HashKey("sk-1234"), 64)
	assert.Equal(t, strings.ToLower(HashKey("sk-1234")), HashKey("sk-1234"))
	assert.Equal(t, "sk-...EFgh", KeyName("sk-Fake0123456789abcdEFgh"))
	assert.Equal(t, "sk-...", KeyName("ab"))
	k1, err := GenerateRawKey()
	require.NoError(t, err)
	k2, err := GenerateRawKey()
	require.NoError(t, err)
	assert.NotEqual(t, k1, k2)
	assert.True(t, strings.HasPrefix(k1, "sk-"))
	assert.Len(t, k1, 35)
	for _, c := range k1[3:] {
		assert.True(t, isKeyChar(byte(c)), "url-safe: %q", c)
	}
	assert.Equal(t, HashKey(k1), keyRef(k1), "raw keys are sent as hashes")
	assert.Equal(t, "abc", keyRef("abc"))
}

// logSink collects every log line funcr writes.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (s *logSink) logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.lines = append(s.lines, prefix+" "+args)
	}, funcr.Options{Verbosity: 10})
}

func (s *logSink) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.lines, "\n")
}

// TestSecretsNeverLeak drives every error path with a server that echoes the master key and the
// raw key wherever LiteLLM might (message, param, detail, validation input, plain text) and checks
// error strings, log lines and metric labels.
func TestSecretsNeverLeak(t *testing.T) {
	echo := func(r *http.Request) string { return r.Header.Get("Authorization") + " " + testRawKey }
	cases := []struct {
		name    string
		handler func(w http.ResponseWriter, r *http.Request)
	}{
		{"shape A message and param", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 401, shapeA(401, "expired_key", testRawKey, "Expired "+echo(r)))
		}},
		{"shape A object message", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 403, `{"error":{"message":{"error":"`+echo(r)+`"},"type":"x","param":null,"code":403}}`)
		}},
		{"key update echo", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 401, shapeA(401, "auth_error", "None", "invalid user key - user key does not exist in db. User Key="+testRawKey))
		}},
		{"404 echo", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 404, shapeA(404, "not_found_error", testRawKey, "Key "+testRawKey+" not found"))
		}},
		{"500 echo", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 500, shapeA(500, "internal_server_error", "None", "Internal Server Error. "+echo(r)))
		}},
		{"shape B", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 400, `{"detail":"`+echo(r)+`"}`) }},
		{"shape C", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 404, `{"detail":{"error":"`+echo(r)+`"}}`) }},
		{"shape D with input", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 422, `{"detail":[{"loc":["body","key"],"msg":"`+echo(r)+`","input":{"key":"`+testRawKey+`","master":"`+testMasterKey+`"}}]}`)
		}},
		{"plain text", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("upstream said " + echo(r) + " and " + testMasterKey))
		}},
		{"dropped response", func(w http.ResponseWriter, r *http.Request) { dropConnection(t, w) }},
		{"undecodable success", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, `{"key": "`+testRawKey+`", "token": 12, "spend": "`+testMasterKey+`", "info": "`+testMasterKey+`", "keys": "`+testRawKey+`", "deleted_keys": "x"}`)
		}},
	}
	calls := []struct {
		name string
		do   func(c *Client) error
	}{
		{"generate", func(c *Client) error {
			_, err := c.GenerateKey(context.Background(), KeyGenerateRequest{Key: testRawKey, KeyAlias: "a"})
			return err
		}},
		{"update", func(c *Client) error {
			_, err := c.UpdateKey(context.Background(), KeyUpdateRequest{Key: testRawKey, MaxBudget: Set(1.0)})
			return err
		}},
		{"update addressed by the raw key", func(c *Client) error {
			_, err := c.UpdateKey(context.Background(), KeyUpdateRequest{Key: testRawKey, AddressByRawKey: true, MaxBudget: Set(1.0)})
			return err
		}},
		{"generate with a budget id", func(c *Client) error {
			_, err := c.GenerateKey(context.Background(), KeyGenerateRequest{Key: testRawKey, BudgetID: "b1"})
			return err
		}},
		{"info", func(c *Client) error { _, err := c.KeyInfo(context.Background(), testRawKey); return err }},
		{"delete", func(c *Client) error {
			_, err := c.DeleteKeys(context.Background(), KeyDeleteRequest{Keys: []string{testRawKey}})
			return err
		}},
		{"block", func(c *Client) error { _, err := c.BlockKey(context.Background(), testRawKey); return err }},
		{"regenerate", func(c *Client) error {
			_, err := c.RegenerateKey(context.Background(), KeyRegenerateRequest{Key: testRawKey, NewKey: testRawKey + "2"})
			return err
		}},
		{"list by hash", func(c *Client) error {
			_, err := c.ListKeys(context.Background(), KeyListOptions{KeyHash: testRawKey})
			return err
		}},
	}
	secrets := []string{testMasterKey, testRawKey, testRawKey[3:], "Secret0123456789"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var seenURLs []string
			var mu sync.Mutex
			srv := serveFunc(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seenURLs = append(seenURLs, r.URL.String())
				mu.Unlock()
				tc.handler(w, r)
			})
			var sink logSink
			c, err := New(Config{BaseURL: srv.URL, MasterKey: testMasterKey, Retry: RetryPolicy{MaxAttempts: 2, BaseDelay: 1, MaxDelay: 1},
				Logger: sink.logger(), Transport: newCountingTransport()})
			require.NoError(t, err)
			for _, cl := range calls {
				err := cl.do(c)
				require.Error(t, err, cl.name)
				for _, s := range secrets {
					assert.NotContains(t, err.Error(), s, "%s: error string", cl.name)
					e, ok := AsError(err)
					require.True(t, ok)
					assert.NotContains(t, e.Message+e.Param+e.Type+e.Code, s, "%s: error fields", cl.name)
				}
			}
			for _, s := range secrets {
				assert.NotContains(t, sink.text(), s, "log lines")
				mu.Lock()
				assert.NotContains(t, strings.Join(seenURLs, " "), s, "URLs carry hashes, never raw keys")
				mu.Unlock()
			}
			assert.NotEmpty(t, sink.text(), "the client did log")
		})
	}

	families, err := metrics.Registry.Gather()
	require.NoError(t, err)
	found := false
	for _, f := range families {
		if !strings.HasPrefix(f.GetName(), "litellm_client_") {
			continue
		}
		found = true
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				for _, s := range secrets {
					assert.NotContains(t, l.GetValue(), s, "metric label %s", l.GetName())
				}
				if l.GetName() == "endpoint" {
					assert.True(t, strings.HasPrefix(l.GetValue(), "/"), "a route template")
					assert.NotContains(t, l.GetValue(), "?")
				}
			}
		}
	}
	assert.True(t, found, "metrics are registered on controller-runtime's registry")
}

func logrNewContext(ctx context.Context, s *logSink) context.Context {
	return logr.NewContext(ctx, s.logger())
}

package litellm

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUpdateKeyAddressing(t *testing.T) {
	hash := HashKey(testRawKey)
	cases := []struct {
		name, reason string
		req          KeyUpdateRequest
		wantSent     string
	}{
		{name: "raw key, default", reason: "sent as its hash: no raw key on the wire unless asked",
			req: KeyUpdateRequest{Key: testRawKey}, wantSent: hash},
		{name: "raw key, addressed by it", reason: "LiteLLM drops its cached copy only when named by the raw key",
			req: KeyUpdateRequest{Key: testRawKey, AddressByRawKey: true}, wantSent: testRawKey},
		{name: "hash, addressed by raw key", reason: "nothing to send but the hash", req: KeyUpdateRequest{Key: hash, AddressByRawKey: true}, wantSent: hash},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var sent string
			srv := serveFunc(t, func(w http.ResponseWriter, r *http.Request) {
				var body map[string]any
				require.NoError(t, json.NewDecoder(r.Body).Decode(&body))
				sent, _ = body["key"].(string)
				assert.NotContains(t, r.URL.String(), testRawKey, "never in the URL")
				writeJSON(w, 200, `{"key":`+string(mustJSON(t, sent))+`,"token":"`+hash+`","max_budget":1.0}`)
			})
			c, _ := newTestClient(t, srv.URL, fastRetry)
			tc.req.MaxBudget = Set(1.0)
			row, err := c.UpdateKey(context.Background(), tc.req)
			require.NoError(t, err)
			assert.Equal(t, tc.wantSent, sent, tc.reason)
			assert.Equal(t, hash, row.Token)
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// TestGenerateKeyUnknownBudget: a 500 from /key/generate is a spec problem only when /budget/info
// positively says the request's budget_id does not exist; otherwise it stays a transient fault.
func TestGenerateKeyUnknownBudget(t *testing.T) {
	const internal = `{"error":{"message":"Internal Server Error.","type":"internal_server_error","param":"None","code":"500"}}`
	cases := []struct {
		name, reason   string
		req            KeyGenerateRequest
		generate       func(w http.ResponseWriter)
		budgetInfo     func(w http.ResponseWriter)
		want           Reason
		wantRetryable  bool
		wantInfoCalled bool
	}{
		{name: "unknown budget", reason: "/budget/info finds no row: the spec names a budget LiteLLM lacks",
			req:            KeyGenerateRequest{BudgetID: "b-missing"},
			generate:       func(w http.ResponseWriter) { writeJSON(w, 500, internal) },
			budgetInfo:     func(w http.ResponseWriter) { writeJSON(w, 200, `[]`) },
			want:           ReasonUnknownBudget,
			wantInfoCalled: true},
		{name: "existing budget", reason: "the budget is there: the 500 is a real fault",
			req:        KeyGenerateRequest{BudgetID: "b1"},
			generate:   func(w http.ResponseWriter) { writeJSON(w, 500, internal) },
			budgetInfo: func(w http.ResponseWriter) { writeJSON(w, 200, `[{"budget_id":"b1","max_budget":5.0}]`) },
			want:       ReasonServerError, wantRetryable: true, wantInfoCalled: true},
		{name: "no /budget/info", reason: "an older proxy: the check cannot answer, so the safe reading stays (transient)",
			req:        KeyGenerateRequest{BudgetID: "b-missing"},
			generate:   func(w http.ResponseWriter) { writeJSON(w, 500, internal) },
			budgetInfo: func(w http.ResponseWriter) { writeJSON(w, 404, `{"detail":"Not Found"}`) },
			want:       ReasonServerError, wantRetryable: true, wantInfoCalled: true},
		{name: "check fails", reason: "the check's own fault keeps the 500 transient",
			req:        KeyGenerateRequest{BudgetID: "b-missing"},
			generate:   func(w http.ResponseWriter) { writeJSON(w, 500, internal) },
			budgetInfo: func(w http.ResponseWriter) { writeJSON(w, 503, ``) },
			want:       ReasonServerError, wantRetryable: true, wantInfoCalled: true},
		{name: "no budget id", reason: "nothing to check", req: KeyGenerateRequest{},
			generate: func(w http.ResponseWriter) { writeJSON(w, 500, internal) },
			want:     ReasonServerError, wantRetryable: true},
		{name: "with a soft budget", reason: "LiteLLM then makes its own budget row and ignores budget_id",
			req:      KeyGenerateRequest{BudgetID: "b-missing", SoftBudget: ptrTo(1.0)},
			generate: func(w http.ResponseWriter) { writeJSON(w, 500, internal) },
			want:     ReasonServerError, wantRetryable: true},
		{name: "not a server error", reason: "only the 500 is ambiguous", req: KeyGenerateRequest{BudgetID: "b-missing"},
			generate: func(w http.ResponseWriter) {
				writeJSON(w, 400, shapeA(400, "bad_request_error", "key_alias", "Key with alias 'a' already exists."))
			},
			want: ReasonAlreadyExists},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var infoCalls atomic.Int32
			var asked []string
			var mu sync.Mutex
			srv := serveFunc(t, func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/key/generate":
					tc.generate(w)
				case "/budget/info":
					infoCalls.Add(1)
					assert.Equal(t, http.MethodPost, r.Method, "LiteLLM's /budget/info is a POST")
					raw, _ := io.ReadAll(r.Body)
					mu.Lock()
					asked = append(asked, string(raw))
					mu.Unlock()
					tc.budgetInfo(w)
				}
			})
			c, _ := newTestClient(t, srv.URL, RetryPolicy{MaxAttempts: 1})
			tc.req.Key = testRawKey
			_, err := c.GenerateKey(context.Background(), tc.req)
			e, ok := AsError(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, tc.want, e.Reason, "%s: %v", tc.reason, err)
			assert.Equal(t, tc.wantRetryable, IsTransient(err), tc.reason)
			assert.Equal(t, tc.wantInfoCalled, infoCalls.Load() > 0, "whether /budget/info was asked")
			if tc.wantInfoCalled {
				assert.JSONEq(t, `{"budgets":["`+tc.req.BudgetID+`"]}`, asked[0])
			}
			if tc.want == ReasonUnknownBudget {
				assert.True(t, IsUnknownBudget(err))
				assert.Equal(t, "budget_id", e.Field)
				assert.Contains(t, e.Error(), `budget_id "b-missing" does not exist in LiteLLM`)
			}
		})
	}
}

func ptrTo[T any](v T) *T { return &v }

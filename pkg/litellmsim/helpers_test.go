package litellmsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const testMasterKey = "sk-master-0123456789"

// testStart is the frozen clock of most tests: a Wednesday, mid-morning UTC.
var testStart = time.Date(2025, 3, 5, 10, 20, 30, 0, time.UTC)

// newTestSim starts a simulator behind httptest with a frozen clock; opts may adjust options.
func newTestSim(t *testing.T, opts ...func(*Options)) (*Simulator, *apiClient) {
	t.Helper()
	o := Options{MasterKey: testMasterKey, Now: func() time.Time { return testStart }}
	for _, f := range opts {
		f(&o)
	}
	sim, err := New(o)
	require.NoError(t, err)
	srv := httptest.NewServer(sim)
	t.Cleanup(func() {
		srv.Close()
		_ = sim.Close()
	})
	return sim, &apiClient{t: t, base: srv.URL, key: testMasterKey}
}

// apiClient is a tiny JSON client for the tests.
type apiClient struct {
	t    *testing.T
	base string
	key  string
}

func (c *apiClient) withKey(key string) *apiClient {
	cp := *c
	cp.key = key
	return &cp
}

type response struct {
	status int
	header http.Header
	raw    []byte
	body   any
}

func (c *apiClient) do(method, path string, body any) response {
	c.t.Helper()
	headers := map[string]string{}
	if c.key != "" {
		headers["Authorization"] = "Bearer " + c.key
	}
	return c.send(method, path, body, headers)
}

// send makes a request with exactly the given headers.
func (c *apiClient) send(method, path string, body any, headers map[string]string) response {
	c.t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(c.t, err)
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, reader)
	require.NoError(c.t, err)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	out := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(c.t, json.Unmarshal(raw, &out.body), "body: %s", raw)
	}
	return out
}

func (c *apiClient) post(path string, body any) response {
	c.t.Helper()
	return c.do(http.MethodPost, path, body)
}

func (c *apiClient) get(path string) response {
	c.t.Helper()
	return c.do(http.MethodGet, path, nil)
}

// obj is the body as a JSON object (empty when it is not one).
func (r response) obj() map[string]any {
	m, _ := r.body.(map[string]any)
	return m
}

// errA is the "error" object of a shape-A body.
func (r response) errA() map[string]any {
	m, _ := r.obj()["error"].(map[string]any)
	return m
}

// detail is the "detail" of a shape B/C/D body.
func (r response) detail() any { return r.obj()["detail"] }

// detailC is the dict detail of a shape C body.
func (r response) detailC() map[string]any {
	m, _ := r.detail().(map[string]any)
	return m
}

func (r response) String() string { return string(r.raw) }

// mustGenerate creates a key and returns its raw value.
func (c *apiClient) mustGenerate(body map[string]any) string {
	c.t.Helper()
	r := c.post("/key/generate", body)
	require.Equal(c.t, http.StatusOK, r.status, r.String())
	return r.obj()["key"].(string)
}

func (c *apiClient) mustOK(path string, body any) response {
	c.t.Helper()
	r := c.post(path, body)
	require.Equal(c.t, http.StatusOK, r.status, r.String())
	return r
}

func ptr[T any](v T) *T { return &v }

// teamInfoForTest reads /team/info's team_info directly through the route handler's logic.
func (s *Simulator) teamInfoForTest(t *testing.T, teamID string) map[string]any {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/team/info?team_id="+teamID, nil)
	s.mu.Lock()
	defer s.mu.Unlock()
	resp, aerr := s.teamInfo(r, caller{master: true})
	require.Nil(t, aerr)
	return resp.(map[string]any)["team_info"].(map[string]any)
}

// Package contract checks the LiteLLM client (pkg/litellm) against a LiteLLM management API over
// real HTTP: always against the simulator (pkg/litellmsim, current and legacy behaviour), and against
// a real proxy when LITELLM_CONTRACT_URL and LITELLM_CONTRACT_MASTER_KEY are set. References such as
// (compat: POST /key/update) name sections of docs/litellm-compatibility.md.
package contract

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/pkg/litellm"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

// Target is a LiteLLM proxy to check the client against.
type Target struct {
	Name      string
	BaseURL   string
	MasterKey string
	// Sim is the simulator serving BaseURL. nil for a real proxy: fault-injection and inspection
	// checks are skipped, and checks whose answer depends on the release accept every documented one.
	Sim *litellmsim.Simulator
	// Variant is the simulator's behaviour (only meaningful with Sim).
	Variant litellmsim.Variant
	// Premium: the proxy has an Enterprise licence, so premium fields are accepted.
	Premium bool
}

// env is what every check gets: the target, a client, and a unique prefix for the objects it makes.
type env struct {
	target    Target
	client    *litellm.Client
	transport http.RoundTripper
	prefix    string
}

// RunContract runs the whole suite against target. Objects are created under a unique prefix and
// deleted at the end, so it can run against a shared real proxy.
func RunContract(t *testing.T, target Target) {
	t.Helper()
	e := newEnv(t, target)
	t.Run("health", e.testHealth)
	t.Run("auth", e.testAuth)
	t.Run("keys", e.testKeys)
	t.Run("key-idempotency", e.testKeyIdempotency)
	t.Run("key-premium", e.testKeyPremium)
	t.Run("users", e.testUsers)
	t.Run("teams", e.testTeams)
	t.Run("team-members", e.testTeamMembers)
	t.Run("faults", e.testFaults)
}

func newEnv(t *testing.T, target Target) *env {
	b := make([]byte, 4)
	_, err := rand.Read(b)
	require.NoError(t, err)
	// One transport for every client of the suite, as the operator shares one across reconciles.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(transport.CloseIdleConnections)
	e := &env{target: target, transport: transport, prefix: "ct-" + hex.EncodeToString(b) + "-"}
	e.client = e.newClient(t, target.MasterKey)
	return e
}

// contractRetry keeps retries quick: the suite must run in seconds.
var contractRetry = litellm.RetryPolicy{MaxAttempts: 4, BaseDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond, MaxElapsed: 5 * time.Second}

func (e *env) newClient(t *testing.T, masterKey string) *litellm.Client {
	c, err := litellm.New(litellm.Config{BaseURL: e.target.BaseURL, MasterKey: masterKey, Transport: e.transport,
		Retry: contractRetry, Timeout: 20 * time.Second, ChangedBy: "contract-test"})
	require.NoError(t, err)
	return c
}

// sim returns the simulator, skipping the check against a real proxy.
func (e *env) sim(t *testing.T) *litellmsim.Simulator {
	t.Helper()
	if e.target.Sim == nil {
		t.Skip("needs the simulator (fault injection or inspection)")
	}
	return e.target.Sim
}

// real reports a real proxy, whose release (and so some answers) is unknown.
func (e *env) real() bool { return e.target.Sim == nil }

func (e *env) id(name string) string { return e.prefix + name }

// newKey returns a fresh raw key and deletes it at the end of the test.
func (e *env) newKey(t *testing.T) string {
	t.Helper()
	raw, err := litellm.GenerateRawKey()
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = e.client.DeleteKeys(context.Background(), litellm.KeyDeleteRequest{Keys: []string{raw}})
	})
	return raw
}

// generateKey creates a key owned by the test.
func (e *env) generateKey(t *testing.T, req litellm.KeyGenerateRequest) (string, *litellm.KeyGenerateResponse) {
	t.Helper()
	if req.Key == "" {
		req.Key = e.newKey(t)
	}
	resp, err := e.client.GenerateKey(context.Background(), req)
	require.NoError(t, err)
	return req.Key, resp
}

// newUser creates a user (without LiteLLM's auto-created key) and deletes it at the end.
func (e *env) newUser(t *testing.T, name string) string {
	t.Helper()
	id := e.id(name)
	e.cleanupUser(t, id)
	_, err := e.client.NewUser(context.Background(), litellm.UserNewRequest{UserID: id, AutoCreateKey: ptr(false)})
	require.NoError(t, err)
	return id
}

func (e *env) cleanupUser(t *testing.T, id string) {
	t.Cleanup(func() { _, _ = e.client.DeleteUsers(context.Background(), id) })
}

// newTeam creates a team and deletes it at the end.
func (e *env) newTeam(t *testing.T, name string) string {
	t.Helper()
	id := e.id(name)
	e.cleanupTeam(t, id)
	_, err := e.client.NewTeam(context.Background(), litellm.TeamNewRequest{TeamID: id, TeamAlias: id})
	require.NoError(t, err)
	return id
}

func (e *env) cleanupTeam(t *testing.T, id string) {
	t.Cleanup(func() { _, _ = e.client.DeleteTeams(context.Background(), id) })
}

func ptr[T any](v T) *T { return &v }

// asError returns the client's typed error, failing the test when err is not one.
func asError(t *testing.T, err error) *litellm.Error {
	t.Helper()
	le, ok := litellm.AsError(err)
	require.True(t, ok, "want *litellm.Error, got %v", err)
	return le
}

// testModel is any model name: the simulator serves every model unless told otherwise.
const testModel = "gpt-4o"

package litellm

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOptionalJSON(t *testing.T) {
	type body struct {
		Budget Optional[float64]  `json:"max_budget,omitzero"`
		Models Optional[[]string] `json:"models,omitzero"`
	}
	cases := []struct {
		name string
		in   body
		want string
	}{
		{"unset fields are not sent", body{}, `{}`},
		{"null clears", body{Budget: Null[float64]()}, `{"max_budget":null}`},
		{"value is sent as a number", body{Budget: Set(10.5)}, `{"max_budget":10.5}`},
		{"zero is a value", body{Budget: Set(0.0)}, `{"max_budget":0}`},
		{"empty list is a value", body{Models: Set([]string{})}, `{"models":[]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.in)
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(b))
			var back body
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, tc.in.Budget.IsZero(), back.Budget.IsZero(), "round trip keeps unset")
			assert.Equal(t, tc.in.Budget.IsNull(), back.Budget.IsNull(), "round trip keeps null")
		})
	}
	v, ok := Set(3).Get()
	assert.True(t, ok)
	assert.Equal(t, 3, v)
	_, ok = Null[int]().Get()
	assert.False(t, ok)
}

func TestRequestBodies(t *testing.T) {
	cases := []struct {
		name string
		req  any
		want string
	}{
		{"generate sends only what is set", KeyGenerateRequest{Key: "sk-x", KeyAlias: "a", MaxBudget: ptr(0.0), Blocked: ptr(false)},
			`{"key":"sk-x","key_alias":"a","max_budget":0,"blocked":false}`},
		{"generate omits empty tags", KeyGenerateRequest{Tags: []string{}}, `{}`},
		{"update: key only", KeyUpdateRequest{Key: "h"}, `{"key":"h"}`},
		{"update: clear budget, set models to all, never expire", KeyUpdateRequest{Key: "h", MaxBudget: Null[float64](), Models: Set([]string{}), Duration: Null[string]()},
			`{"key":"h","max_budget":null,"models":[],"duration":null}`},
		{"team update", TeamUpdateRequest{TeamID: "t", MaxBudget: Set(5.0), Metadata: Null[map[string]any]()},
			`{"team_id":"t","max_budget":5,"metadata":null}`},
		{"user update clears budget only", UserUpdateRequest{UserID: "u", MaxBudget: Null[float64]()}, `{"user_id":"u","max_budget":null}`},
		{"user new with auto key off", UserNewRequest{UserID: "u", AutoCreateKey: ptr(false)}, `{"user_id":"u","auto_create_key":false}`},
		{"member add", TeamMemberAddRequest{TeamID: "t", Member: TeamMember{UserID: "u", Role: "user"}, MaxBudgetInTeam: ptr(2.5)},
			`{"team_id":"t","member":{"user_id":"u","role":"user"},"max_budget_in_team":2.5}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.req)
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(b))
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestTimeParsing(t *testing.T) {
	utc := func(ns int) time.Time { return time.Date(2025, 1, 1, 12, 0, 0, ns, time.UTC) }
	cases := []struct {
		name string
		in   string
		want time.Time
	}{
		{"python offset, 6 digits", `"2025-01-01T12:00:00.123456+00:00"`, utc(123456000)},
		{"database Z, 6 digits", `"2025-01-01T12:00:00.123000Z"`, utc(123000000)},
		{"no fraction", `"2025-01-01T12:00:00Z"`, utc(0)},
		{"3 digits", `"2025-01-01T12:00:00.5+00:00"`, utc(500000000)},
		{"other offset", `"2025-01-01T14:00:00+02:00"`, utc(0)},
		{"naive is UTC", `"2025-01-01T12:00:00.616968"`, utc(616968000)},
		{"space separator", `"2025-01-01 12:00:00+00:00"`, utc(0)},
		{"offset without colon", `"2025-01-01T12:00:00+0000"`, utc(0)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got Time
			require.NoError(t, json.Unmarshal([]byte(tc.in), &got))
			assert.True(t, tc.want.Equal(got.Time), "got %v", got.Time)
			assert.Empty(t, got.Unparsed())
		})
	}
	for _, in := range []string{`null`, `""`} {
		var got Time
		require.NoError(t, json.Unmarshal([]byte(in), &got))
		assert.True(t, got.IsZero(), in)
	}
	var odd Time
	require.NoError(t, json.Unmarshal([]byte(`"next tuesday"`), &odd), "an unknown spelling never fails a whole response")
	assert.True(t, odd.IsZero())
	assert.Equal(t, "next tuesday", odd.Unparsed())

	var row struct {
		Expires *Time `json:"expires"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"expires":null}`), &row))
	assert.Nil(t, row.Expires, "null stays nil: never expires")
	b, err := json.Marshal(Time{Time: utc(0)})
	require.NoError(t, err)
	assert.Equal(t, `"2025-01-01T12:00:00Z"`, string(b))
}

func TestKeyListDecoding(t *testing.T) {
	var hashes KeyListResponse
	require.NoError(t, json.Unmarshal([]byte(`{"keys":["h1","h2"],"total_count":2,"current_page":1,"total_pages":1}`), &hashes))
	assert.Equal(t, []string{"h1", "h2"}, hashes.Hashes)
	assert.Empty(t, hashes.Keys)

	var full KeyListResponse
	require.NoError(t, json.Unmarshal([]byte(`{"keys":[{"token":"h1","key_alias":"a","spend":1.5,"expires":null}],"total_count":1}`), &full))
	assert.Equal(t, []string{"h1"}, full.Hashes)
	require.Len(t, full.Keys, 1)
	assert.Equal(t, "a", full.Keys[0].KeyAlias)
	assert.InDelta(t, 1.5, full.Keys[0].Spend, 1e-9)

	var empty KeyListResponse
	require.NoError(t, json.Unmarshal([]byte(`{"keys":null,"total_count":null}`), &empty), "nulls everywhere")
}

func TestResponsesTolerateNulls(t *testing.T) {
	// Every field null: nothing fails (compat: Differences between releases).
	body := []byte(`{"token":null,"key_name":null,"spend":null,"max_budget":null,"expires":null,"models":null,
		"metadata":null,"blocked":null,"budget_reset_at":null,"litellm_budget_table":null,"created_at":null,
		"object_permission":null,"rotation_count":null}`)
	var k Key
	require.NoError(t, json.Unmarshal(body, &k))
	var team Team
	require.NoError(t, json.Unmarshal([]byte(`{"team_id":"t","members_with_roles":null,"spend":null,"model_id":7,"litellm_model_table":null,"blocked":null}`), &team))
	assert.Equal(t, "t", team.TeamID)
	var u User
	require.NoError(t, json.Unmarshal([]byte(`{"user_id":null,"teams":null,"max_budget":null,"spend":null}`), &u))
}

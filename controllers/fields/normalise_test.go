package fields

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

func TestNormalise(t *testing.T) {
	cases := []struct {
		name   string
		reason string
		equal  bool
		got    bool
	}{
		{name: "float rounding", reason: "0.1+0.2 is 0.3 in dollars", equal: true, got: floatEqual(ptr.To(0.1+0.2), ptr.To(0.3))},
		{name: "float absent", reason: "absent equals absent only", equal: false, got: floatEqual(ptr.To(0.0), nil)},
		{name: "float both absent", reason: "no budget on either side", equal: true, got: floatEqual(nil, nil)},
		{name: "int zero and absent", reason: "0 is a limit, unset is none", equal: false, got: intEqual(ptr.To(0), nil)},
		{name: "bool unset", reason: "unset is LiteLLM's default, false", equal: true, got: boolEqual(nil, ptr.To(false))},
		{name: "set order and duplicates", reason: "lists are sets", equal: true, got: sameSet([]string{"a", "b", "a"}, []string{"b", "a"})},
		{name: "set nil and empty", reason: "null and [] are the same list", equal: true, got: sameSet(nil, []string{})},
		{name: "json number forms", reason: "1 and 1.0 are one number", equal: true,
			got: jsonEqual(map[string]int{"a": 1}, map[string]any{"a": 1.0})},
		{name: "json empty object and null", reason: "LiteLLM returns either for nothing", equal: true, got: jsonEqual(map[string]any{}, nil)},
		{name: "json empty list and null", reason: "LiteLLM returns either for nothing", equal: true, got: jsonEqual([]any{}, nil)},
		{name: "json type matters", reason: "true is not \"true\"", equal: false, got: jsonEqual(map[string]any{"x": true}, map[string]any{"x": "true"})},
		{name: "json unencodable", reason: "a value JSON cannot hold compares as itself", equal: false,
			got: jsonEqual(map[string]any{"f": func() {}}, map[string]any{})},
		{name: "metadata subset", reason: "LiteLLM's own keys are not the spec's business", equal: true,
			got: subsetEqual(map[string]any{"a": "1"}, map[string]any{"a": "1", "tags": []any{"x"}})},
		{name: "metadata missing key", reason: "a key of the spec must be there", equal: false,
			got: subsetEqual(map[string]any{"a": "1"}, map[string]any{"tags": []any{"x"}})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.equal, tc.got, tc.reason) })
	}
}

func TestTeamModelAliases(t *testing.T) {
	cases := []struct {
		name     string
		reason   string
		status   string
		observed *litellm.Team
		want     any
	}{
		{name: "reported", reason: "the observed model table wins", status: `{"model_aliases":{"a":"old"}}`,
			observed: &litellm.Team{LiteLLMModelTable: map[string]any{"model_aliases": map[string]any{"a": "b"}}},
			want:     map[string]any{"a": "b"}},
		{name: "left out", reason: "/team/info of current releases has no model table: what status kept is compared",
			status: `{"model_aliases":{"a":"b"}}`, observed: &litellm.Team{}, want: map[string]any{"a": "b"}},
		{name: "nothing known", reason: "no table anywhere: no aliases", observed: &litellm.Team{}, want: nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			team := &v1alpha1.Team{Status: v1alpha1.TeamStatus{LiteLLMModelTable: tc.status}}
			assert.Equal(t, tc.want, TeamModelAliases(team, tc.observed), tc.reason)
		})
	}
	spec := &v1alpha1.Team{Spec: v1alpha1.TeamSpec{TeamAlias: "a", ModelAliases: map[string]string{"a": "b"}},
		Status: v1alpha1.TeamStatus{LiteLLMModelTable: `{"model_aliases":{"a":"b"}}`}}
	assert.Empty(t, Teams.Plan(spec, &litellm.Team{TeamAlias: "a"}, nil).Set, "a team whose info leaves the table out is not updated forever")
}

// requestJSON renders a request as LiteLLM receives it.
func requestJSON(t *testing.T, req any) map[string]any {
	t.Helper()
	data, err := json.Marshal(req)
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(data, &body))
	return body
}

func TestCreateRequests(t *testing.T) {
	cases := []struct {
		name   string
		reason string
		req    any
		want   map[string]any
	}{
		{name: "key", reason: "every spec field and the chosen raw key; spend and sendInviteEmail only at creation",
			req: KeyGenerateRequest(&v1alpha1.VirtualKey{Spec: v1alpha1.VirtualKeySpec{
				KeyAlias: "svc", Models: []string{"gpt-4o"}, MaxBudget: ptr.To("10"), SoftBudget: ptr.To("5"), Spend: ptr.To("1.5"),
				BudgetDuration: "30d", Duration: "7d", TeamID: "t", UserID: "u", TPMLimit: ptr.To(1),
				ModelMaxBudget: map[string]v1alpha1.ModelBudgetString{"gpt-4o": "2/1d"},
				Metadata:       map[string]string{"n": "3"}, SendInviteEmail: ptr.To(false), Blocked: ptr.To(true),
			}}, "sk-raw"),
			want: map[string]any{"key": "sk-raw", "key_alias": "svc", "models": []any{"gpt-4o"}, "max_budget": 10.0,
				"soft_budget": 5.0, "spend": 1.5, "budget_duration": "30d", "duration": "7d", "team_id": "t", "user_id": "u",
				"tpm_limit": 1.0, "model_max_budget": map[string]any{"gpt-4o": map[string]any{"budget_limit": 2.0, "time_period": "1d"}},
				"metadata": map[string]any{"n": 3.0}, "send_invite_email": false, "blocked": true}},
		{name: "key with nothing optional", reason: "unset fields are not sent: LiteLLM's defaults apply",
			req:  KeyGenerateRequest(&v1alpha1.VirtualKey{Spec: v1alpha1.VirtualKeySpec{KeyAlias: "svc"}}, "sk-raw"),
			want: map[string]any{"key": "sk-raw", "key_alias": "svc"}},
		{name: "user", reason: "the chosen ID, no key of LiteLLM's own, per-model limits as numbers",
			req: UserNewRequest(&v1alpha1.User{Spec: v1alpha1.UserSpec{UserEmail: "a@b.c", UserRole: "internal_user",
				MaxBudget: ptr.To("3"), ModelRPMLimit: map[string]v1alpha1.IntString{"gpt-4o": "7"}}}, "ns.jane"),
			want: map[string]any{"user_id": "ns.jane", "user_email": "a@b.c", "user_role": "internal_user", "max_budget": 3.0,
				"model_rpm_limit": map[string]any{"gpt-4o": 7.0}, "auto_create_key": false}},
		{name: "team", reason: "the chosen ID and the spec",
			req: TeamNewRequest(&v1alpha1.Team{Spec: v1alpha1.TeamSpec{TeamAlias: "Data", MaxBudget: ptr.To("100"),
				BudgetDuration: "1mo", ModelAliases: map[string]string{"a": "b"}}}, "ns.data"),
			want: map[string]any{"team_id": "ns.data", "team_alias": "Data", "max_budget": 100.0, "budget_duration": "1mo",
				"model_aliases": map[string]any{"a": "b"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, requestJSON(t, tc.req), tc.reason) })
	}
}

func TestKeyManaged(t *testing.T) {
	cases := []struct {
		name   string
		reason string
		spec   v1alpha1.VirtualKeySpec
		want   []string
	}{
		{name: "alias only", reason: "the alias is always managed", spec: v1alpha1.VirtualKeySpec{KeyAlias: "a"}, want: []string{"key_alias"}},
		{name: "blocked", reason: "blocked goes through its own endpoints but is recorded like the others",
			spec: v1alpha1.VirtualKeySpec{KeyAlias: "a", MaxBudget: ptr.To("1"), Blocked: ptr.To(false)},
			want: []string{"key_alias", "max_budget", "blocked"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, KeyManaged(&v1alpha1.VirtualKey{Spec: tc.spec}), tc.reason)
		})
	}
}

func TestEmptyValuesAreSentAsEmpty(t *testing.T) {
	// An empty list or object set in the spec is sent as [] or {}, never as null (which clears).
	s := &v1alpha1.VirtualKey{Spec: v1alpha1.VirtualKeySpec{KeyAlias: "a", Models: []string{}, Config: map[string]string{}}}
	k := &litellm.Key{KeyAlias: "a", Models: []string{"x"}, Config: map[string]any{"x": 1}}
	p := Keys.Plan(s, k, nil)
	require.Equal(t, []string{"models", "config"}, p.Set)
	var req litellm.KeyUpdateRequest
	Keys.Apply(p, s, k, &req)
	body := requestJSON(t, req)
	assert.Equal(t, []any{}, body["models"])
	assert.Equal(t, map[string]any{}, body["config"])
}

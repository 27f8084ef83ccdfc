package v1alpha1

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseBudget(t *testing.T) {
	cases := []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{in: "10", want: 10},
		{in: "0", want: 0},
		{in: "0.5", want: 0.5},
		{in: "250.00", want: 250},
		{in: "-1", wantErr: true},
		{in: "abc", wantErr: true},
		{in: "1e3", wantErr: true},
		{in: "", wantErr: true},
		{in: "010", wantErr: true},
	}
	for _, tc := range cases {
		got, err := ParseBudget(tc.in)
		if tc.wantErr {
			assert.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func TestParseModelBudget(t *testing.T) {
	cases := []struct {
		in      string
		want    string // JSON sent to LiteLLM
		wantErr bool
	}{
		{in: "10", want: `{"budget_limit":10}`},
		{in: "10/30d", want: `{"budget_limit":10,"time_period":"30d"}`},
		{in: "0.5/1mo", want: `{"budget_limit":0.5,"time_period":"1mo"}`},
		{in: "10/2mo", wantErr: true},
		{in: "10/", wantErr: true},
		{in: "/30d", wantErr: true},
		{in: "ten", wantErr: true},
	}
	for _, tc := range cases {
		got, err := ParseModelBudget(tc.in)
		if tc.wantErr {
			assert.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		b, err := json.Marshal(got)
		require.NoError(t, err)
		assert.JSONEq(t, tc.want, string(b), tc.in)
	}

	all, err := ParseModelMaxBudget(map[string]ModelBudgetString{"gpt-4o": "10/30d"})
	require.NoError(t, err)
	assert.Equal(t, map[string]ModelBudget{"gpt-4o": {BudgetLimit: 10, TimePeriod: "30d"}}, all)
	_, err = ParseModelMaxBudget(map[string]ModelBudgetString{"gpt-4o": "x"})
	assert.ErrorContains(t, err, "modelMaxBudget[gpt-4o]")
	none, err := ParseModelMaxBudget(nil)
	require.NoError(t, err)
	assert.Nil(t, none)
}

func TestParseIntStrings(t *testing.T) {
	got, err := ParseIntStrings(map[string]IntString{"gpt-4o": "10", "b": "0"})
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"gpt-4o": 10, "b": 0}, got)
	_, err = ParseIntStrings(map[string]IntString{"gpt-4o": "-1"})
	assert.Error(t, err)
	_, err = ParseIntStrings(map[string]IntString{"gpt-4o": "ten"})
	assert.Error(t, err)
}

func TestJSONValues(t *testing.T) {
	in := map[string]string{
		"bool":    "true",
		"no":      "false",
		"int":     "42",
		"float":   "0.25",
		"neg":     "-3",
		"text":    "team-a",
		"capital": "True",
		"zip":     "007",
		"quoted":  `"42"`,
		"empty":   "",
	}
	b, err := json.Marshal(JSONValues(in))
	require.NoError(t, err)
	assert.JSONEq(t, `{"bool":true,"no":false,"int":42,"float":0.25,"neg":-3,"text":"team-a",
		"capital":"True","zip":"007","quoted":"42","empty":""}`, string(b))

	assert.Nil(t, JSONValues(nil), "unset stays unset")
	assert.NotNil(t, JSONValues(map[string]string{}), "an empty map stays empty, to clear")
}

// TestStringValueRoundTrips checks that what LiteLLM returns reads back as the spec's string, so
// comparing spec and observed state finds no false drift.
func TestStringValueRoundTrips(t *testing.T) {
	for _, s := range []string{"true", "false", "42", "0.25", "team-a", `"42"`, `"true"`, "007"} {
		b, err := json.Marshal(JSONValue(s))
		require.NoError(t, err)
		var decoded any
		require.NoError(t, json.Unmarshal(b, &decoded))
		assert.Equal(t, s, StringValue(decoded), "round trip of %q through %s", s, b)
	}
	assert.Equal(t, `{"a":1}`, StringValue(map[string]any{"a": 1}))
	assert.Equal(t, "", StringValue(nil))
}

func TestAccessors(t *testing.T) {
	conn := ConnectionRef{InstanceRef: &InstanceRef{Name: "litellm"}}
	objs := []interface {
		GetConnectionRef() ConnectionRef
		GetDeletionPolicy() DeletionPolicy
	}{
		&VirtualKey{Spec: VirtualKeySpec{ConnectionRef: conn}},
		&User{Spec: UserSpec{ConnectionRef: conn}},
		&Team{Spec: TeamSpec{ConnectionRef: conn}},
		&TeamMemberAssociation{Spec: TeamMemberAssociationSpec{ConnectionRef: conn}},
	}
	for _, o := range objs {
		assert.Equal(t, conn, o.GetConnectionRef(), "%T", o)
		assert.Equal(t, DeletionPolicyDelete, o.GetDeletionPolicy(), "%T: unset means Delete", o)
	}
	vk := &VirtualKey{Spec: VirtualKeySpec{DeletionPolicy: DeletionPolicyOrphan}}
	assert.Equal(t, DeletionPolicyOrphan, vk.GetDeletionPolicy())
	assert.Equal(t, "example-service-key", KeySecretName("example-service"))
}

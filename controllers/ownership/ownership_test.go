package ownership

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClaim(t *testing.T) {
	owner := Owner{Installation: "prod", Kind: "Team", Namespace: "team-a", Name: "research"}
	cases := []struct {
		reason   string
		metadata map[string]any
		want     Claim
	}{
		{"no metadata: made outside the operator or before stamps", nil, Unstamped},
		{"other keys only", map[string]any{"tags": []any{"x"}}, Unstamped},
		{"exactly this object", map[string]any{Key: "prod/Team/team-a/research"}, Ours},
		{"another name in the same namespace", map[string]any{Key: "prod/Team/team-a/other"}, Foreign},
		{"the same name in another namespace", map[string]any{Key: "prod/Team/team-b/research"}, Foreign},
		{"another kind", map[string]any{Key: "prod/User/team-a/research"}, Foreign},
		{"another installation sharing the proxy", map[string]any{Key: "staging/Team/team-a/research"}, Foreign},
		{"a stamp that is not a string", map[string]any{Key: 42}, Foreign},
		{"an emptied stamp is not a missing one", map[string]any{Key: ""}, Foreign},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			assert.Equal(t, tc.want, owner.Claim(tc.metadata))
		})
	}
}

func TestInNamespace(t *testing.T) {
	owner := Owner{Installation: "prod", Kind: "VirtualKey", Namespace: "team-a", Name: "svc"}
	cases := []struct {
		reason string
		stamp  any
		kind   string
		want   bool
	}{
		{"a team of the namespace", "prod/Team/team-a/research", "Team", true},
		{"a team of another namespace", "prod/Team/team-b/research", "Team", false},
		{"a namespace whose name starts with ours", "prod/Team/team-ab/research", "Team", false},
		{"a user where a team is asked for", "prod/User/team-a/research", "Team", false},
		{"another installation", "staging/Team/team-a/research", "Team", false},
		{"no name", "prod/Team/team-a/", "Team", false},
		{"a name with a slash is not a name", "prod/Team/team-a/x/y", "Team", false},
		{"unstamped", nil, "Team", false},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			md := map[string]any{}
			if tc.stamp != nil {
				md[Key] = tc.stamp
			}
			assert.Equal(t, tc.want, owner.InNamespace(md, tc.kind))
		})
	}
}

func TestStampOverwritesAndCopies(t *testing.T) {
	owner := Owner{Installation: "default", Kind: "User", Namespace: "ns", Name: "alice"}
	in := map[string]any{Key: "forged", "team": "x"}
	out := owner.Stamp(in)
	assert.Equal(t, "default/User/ns/alice", out[Key], "whatever the key held is replaced")
	assert.Equal(t, "x", out["team"], "other keys are kept")
	assert.Equal(t, "forged", in[Key], "the input is not changed")
	assert.Equal(t, Ours, owner.Claim(owner.Stamp(nil)))
}

func TestInstallation(t *testing.T) {
	cases := []struct{ reason, prefix, want string }{
		{"no prefix", "", "default"},
		{"the prefix without its separator", "cluster-a.", "cluster-a"},
		{"several separators", "prod-eu--", "prod-eu"},
		{"a slash would split the stamp", "a/b/", "a-b"},
		{"only separators", "._", "default"},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) { assert.Equal(t, tc.want, Installation(tc.prefix)) })
	}
}

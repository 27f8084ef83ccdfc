package keyvalues

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestChooser(t *testing.T) {
	const proxy, other = "http://a", "http://b"
	cases := []struct {
		reason        string
		mode          Mode
		refuse        bool // proxy refused a chosen value
		wantGenerates bool
		wantLearned   bool // what Refused answers
		wantOther     bool
	}{
		{reason: "auto: the operator chooses until the proxy refuses", mode: Auto},
		{reason: "auto: a refusal makes that proxy, and only that one, generate", mode: Auto, refuse: true,
			wantGenerates: true, wantLearned: true},
		{reason: "an unset mode is auto", mode: "", refuse: true, wantGenerates: true, wantLearned: true},
		{reason: "forced operator: a refusal changes nothing", mode: Operator, refuse: true},
		{reason: "forced litellm: every proxy generates, without a refusal", mode: LiteLLM,
			wantGenerates: true, wantOther: true},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			c := NewChooser(tc.mode)
			if tc.refuse {
				assert.Equal(t, tc.wantLearned, c.Refused(proxy))
			}
			assert.Equal(t, tc.wantGenerates, c.Generates(proxy))
			assert.Equal(t, tc.wantOther, c.Generates(other))
			c.Forget()
			assert.Equal(t, tc.mode == LiteLLM, c.Generates(proxy), "a restart forgets what was learned, not what was forced")
		})
	}
}

func TestPendingAlias(t *testing.T) {
	a := PendingAlias("default/VirtualKey/team-a/svc")
	assert.Equal(t, a, PendingAlias("default/VirtualKey/team-a/svc"), "the same on every attempt")
	assert.NotEqual(t, a, PendingAlias("default/VirtualKey/team-b/svc"), "distinct per object")
	assert.NotEqual(t, a, PendingAlias("other/VirtualKey/team-a/svc"), "distinct per installation")
	assert.Regexp(t, `^litellm-operator-pending-[0-9a-f]{24}$`, a)
}

func TestParseMode(t *testing.T) {
	for _, m := range Modes {
		got, err := ParseMode(string(m))
		assert.NoError(t, err)
		assert.Equal(t, m, got)
	}
	_, err := ParseMode("Auto")
	assert.Error(t, err, "modes are lower case, as documented")
}

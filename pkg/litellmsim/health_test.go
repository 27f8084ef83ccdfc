package litellmsim

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHealthNeedsNoAuth(t *testing.T) {
	_, c := newTestSim(t)
	for _, tc := range []struct {
		name, reason, path, key string
		want                    any
	}{
		{name: "liveliness", reason: "compat: Health probes", path: "/health/liveliness", want: "I'm alive!"},
		{name: "liveness", reason: "compat: Health probes: newer spelling", path: "/health/liveness", want: "I'm alive!"},
		{name: "bad key ignored", reason: "no auth at all on probes", path: "/health/liveliness", key: "sk-wrong-1234", want: "I'm alive!"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.withKey(tc.key).get(tc.path)
			assert.Equal(t, 200, r.status, tc.reason)
			assert.Equal(t, tc.want, r.body, tc.reason)
		})
	}
	r := c.withKey("").get("/health/readiness")
	assert.Equal(t, 200, r.status)
	assert.Equal(t, "healthy", r.obj()["status"])
	assert.Equal(t, "connected", r.obj()["db"])
}

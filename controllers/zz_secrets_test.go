package controllers_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	eventsv1 "k8s.io/api/events/v1"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// TestNoSecretsLeak runs last (files run in name order): across everything the suite did, neither
// the master key nor any raw key appears in the operator's logs, in Events, or in any status.
func TestNoSecretsLeak(t *testing.T) {
	var secrets []string
	secrets = append(secrets, masterKey, "sk-second-proxy-master")
	seenRawKeys.Range(func(k, _ any) bool {
		secrets = append(secrets, k.(string))
		return true
	})
	require.Greater(t, len(secrets), 5, "the suite should have read several raw keys")

	haystacks := map[string]string{"operator logs": env.logs.String()}

	events := &eventsv1.EventList{}
	require.NoError(t, env.k8s.List(context.Background(), events))
	require.NotEmpty(t, events.Items)
	data, err := json.Marshal(events.Items)
	require.NoError(t, err)
	haystacks["events"] = string(data)

	vks := &v1alpha1.VirtualKeyList{}
	require.NoError(t, env.k8s.List(context.Background(), vks))
	statuses := make([]v1alpha1.VirtualKeyStatus, 0, len(vks.Items))
	for _, vk := range vks.Items {
		statuses = append(statuses, vk.Status)
	}
	data, err = json.Marshal(statuses)
	require.NoError(t, err)
	haystacks["VirtualKey status"] = string(data)

	for where, text := range haystacks {
		for _, secret := range secrets {
			assert.False(t, strings.Contains(text, secret), "a secret (%s...) appears in %s", secret[:6], where)
		}
	}
}

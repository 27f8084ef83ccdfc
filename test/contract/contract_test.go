package contract

import (
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

const simMasterKey = "sk-master-contract-0123456789"

// TestContractSimulator runs the suite against the simulator: current LiteLLM, the legacy
// behaviours of older releases (every Variant switch on), and a licensed proxy.
func TestContractSimulator(t *testing.T) {
	cases := []struct {
		name    string
		reason  string
		variant litellmsim.Variant
		premium bool
	}{
		{name: "current", reason: "default: current LiteLLM behaviour"},
		{name: "legacy", reason: "≤1.80/1.81 bodies and statuses (compat: Differences between releases)", variant: litellmsim.Variant{
			DuplicateUserLegacy: true, UserInfoEmpty200: true, KeepMemberKeysOnMemberDelete: true,
			BudgetExceeded400: true, Expired400: true, ModelDenied401: true, IntegerErrorCode: true, ObjectErrorMessage: true,
		}},
		{name: "premium", reason: "Enterprise licence: premium fields accepted", premium: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sim, err := litellmsim.New(litellmsim.Options{MasterKey: simMasterKey, Premium: tc.premium, Variant: tc.variant})
			require.NoError(t, err, tc.reason)
			baseURL, err := sim.Start("127.0.0.1:0")
			require.NoError(t, err)
			t.Cleanup(func() { _ = sim.Close() })
			RunContract(t, Target{Name: tc.name, BaseURL: baseURL, MasterKey: simMasterKey, Sim: sim, Variant: tc.variant, Premium: tc.premium})
		})
	}
}

// TestContractRealProxy runs the suite against a real LiteLLM proxy when LITELLM_CONTRACT_URL and
// LITELLM_CONTRACT_MASTER_KEY are set (LITELLM_CONTRACT_PREMIUM=true for a licensed one). Every
// object it creates is prefixed "ct-<random>-" and deleted at the end.
func TestContractRealProxy(t *testing.T) {
	url, key := os.Getenv("LITELLM_CONTRACT_URL"), os.Getenv("LITELLM_CONTRACT_MASTER_KEY")
	if url == "" || key == "" {
		t.Skip("set LITELLM_CONTRACT_URL and LITELLM_CONTRACT_MASTER_KEY to check the client against a real LiteLLM proxy")
	}
	premium, _ := strconv.ParseBool(os.Getenv("LITELLM_CONTRACT_PREMIUM"))
	RunContract(t, Target{Name: "real", BaseURL: url, MasterKey: key, Premium: premium})
}

package contract

import (
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

const simMasterKey = "sk-master-contract-0123456789"

// TestContractSimulator runs the suite against every behaviour the simulator offers: current
// LiteLLM, the legacy behaviours of older releases (every Variant switch on), the 429 budget
// refusal of 1.8x to v1.103, a licensed proxy, and a locked-down proxy (chosen keys refused, a
// key_alias_pattern).
func TestContractSimulator(t *testing.T) {
	cases := []struct {
		name   string
		reason string
		opts   litellmsim.Options
	}{
		{name: "current", reason: "default: current LiteLLM behaviour"},
		{name: "legacy", reason: "≤1.80/1.81 bodies and statuses (compat: Differences between releases) and every older behaviour", opts: litellmsim.Options{Variant: litellmsim.Variant{
			DuplicateUserLegacy: true, UserInfoEmpty200: true, KeepMemberKeysOnMemberDelete: true,
			BudgetExceeded400: true, Expired400: true, ModelDenied401: true, IntegerErrorCode: true, ObjectErrorMessage: true,
			KeyNotFound401: true, MemberAddDuplicate400: true, MemberBudgetNullIgnored: true, TeamBudgetResetUnaligned: true,
			UnvalidatedBudgetDuration: true, NoTeamListV2: true,
		}}},
		{name: "budget-429", reason: "1.8x to v1.103 answer an exhausted budget with 429", opts: litellmsim.Options{Variant: litellmsim.Variant{BudgetExceeded429: true}}},
		{name: "premium", reason: "Enterprise licence: premium fields accepted", opts: litellmsim.Options{Premium: true}},
		{name: "locked-down", reason: "disable_custom_api_keys and a key_alias_pattern every suite alias matches",
			opts: litellmsim.Options{DisableCustomAPIKeys: true, KeyAliasPattern: suiteAliasPattern}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := tc.opts
			opts.MasterKey = simMasterKey
			sim, err := litellmsim.New(opts)
			require.NoError(t, err, tc.reason)
			baseURL, err := sim.Start("127.0.0.1:0")
			require.NoError(t, err)
			t.Cleanup(func() { _ = sim.Close() })
			RunContract(t, Target{Name: tc.name, BaseURL: baseURL, MasterKey: simMasterKey, Sim: sim, Variant: opts.Variant,
				Premium: opts.Premium, CustomKeysDisabled: opts.DisableCustomAPIKeys, KeyAliasPattern: opts.KeyAliasPattern})
		})
	}
}

// suiteAliasPattern matches every key alias the suite makes (e.id: "ct-<8 hex>-<name>").
const suiteAliasPattern = `ct-[0-9a-f]{8}-[a-z0-9-]+`

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

package e2e

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// The user guide's commands, verbatim (TestGuideCopiesAreVerbatim checks them against the commands
// extracted from the guide into testdata/virtual-keys-guide).
const (
	guideList      = `kubectl get virtualkeys`
	guideDescribe  = `kubectl describe virtualkey example-service`
	guideKeySecret = `KEY_SECRET=$(kubectl get virtualkey example-service -o jsonpath='{.status.keySecretRef}')`
	guideKey       = `KEY=$(kubectl get secret $KEY_SECRET -o jsonpath='{.data.key}' | base64 -d)`
	guidePatch     = `kubectl patch virtualkey example-service --type='merge' -p='{"spec":{"maxBudget":"200"}}'`
	guideStatus    = `kubectl get virtualkey example-service -o yaml`
	guideSpend     = `kubectl get virtualkey example-service -o jsonpath='{.status.currentSpend}'`
	guideDelete    = `kubectl delete virtualkey example-service`
	// The body of the guide's curl call.
	guideChatBody = `{
    "model": "gpt-4o",
    "messages": [
      {"role": "user", "content": "Hello, world!"}
    ]
  }`
)

// The guide's YAML and commands, extracted verbatim (see testdata/README.md). Paths are relative to
// this package's folder, where shell runs.
const (
	guideDir          = "../../testdata/virtual-keys-guide"
	guideBasicYAML    = guideDir + "/basic-virtual-key.yaml"
	guideAdvancedYAML = guideDir + "/advanced-virtual-key.yaml"
)

// TestGuide follows the virtual-keys guide command by command, in the guide's namespace (kubectl's
// default), and checks each outcome in Kubernetes and in LiteLLM.
func TestGuide(t *testing.T) {
	requireEnv(t)
	var key string // the raw key, read as the guide reads it

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"create the basic and the advanced key from the guide's YAML", func(t *testing.T) {
			out := shell(t, "kubectl apply -f "+guideBasicYAML+" -f "+guideAdvancedYAML)
			assert.Contains(t, out, "virtualkey.auth.litellm.ai/example-service created")
			assert.Contains(t, out, "virtualkey.auth.litellm.ai/research-key created")
			out = shell(t, "kubectl wait --for=condition=Ready virtualkey/example-service virtualkey/research-key --timeout=60s")
			assert.Equal(t, 2, strings.Count(out, "condition met"), out)

			basic := simKeysByAlias(t, "example-service")
			require.Len(t, basic, 1, "one LiteLLM key with the alias")
			assert.Equal(t, []string{"gpt-4o"}, basic[0].Models)
			require.NotNil(t, basic[0].MaxBudget)
			assert.InDelta(t, 10.0, *basic[0].MaxBudget, 1e-9)
			require.NotNil(t, basic[0].BudgetDuration)
			assert.Equal(t, "1h", *basic[0].BudgetDuration)

			advanced := simKeysByAlias(t, "research-key")
			require.Len(t, advanced, 1)
			assert.Equal(t, []string{"gpt-4o", "claude-3-sonnet", "gemini-pro"}, advanced[0].Models)
			require.NotNil(t, advanced[0].MaxBudget)
			assert.InDelta(t, 250.0, *advanced[0].MaxBudget, 1e-9)
			require.NotNil(t, advanced[0].BudgetDuration)
			assert.Equal(t, "30d", *advanced[0].BudgetDuration)
		}},
		{"list virtual keys", func(t *testing.T) {
			out := shell(t, guideList)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			require.GreaterOrEqual(t, len(lines), 3, out)
			assert.Equal(t, []string{"NAME", "ALIAS", "READY", "SYNCED", "REASON", "SPEND", "BUDGET", "EXPIRES", "AGE"}, strings.Fields(lines[0]))
			assert.Equal(t, []string{"example-service", "example-service", "True", "True", "ReconcileSuccess", "0", "10"},
				fieldsOf(lines, "example-service")[:7])
			assert.Equal(t, []string{"research-key", "research-key", "True", "True", "ReconcileSuccess", "0", "250"},
				fieldsOf(lines, "research-key")[:7])
		}},
		{"describe the key", func(t *testing.T) {
			out := shell(t, guideDescribe)
			for _, want := range []*regexp.Regexp{
				regexp.MustCompile(`(?m)^Name:\s+example-service$`),
				regexp.MustCompile(`(?m)^Namespace:\s+default$`),
				regexp.MustCompile(`Key Alias:\s+example-service`),
				regexp.MustCompile(`Key Secret Ref:\s+example-service-key`),
				regexp.MustCompile(`Reason:\s+Available`),
				regexp.MustCompile(`Reason:\s+ReconcileSuccess`),
				regexp.MustCompile(`Normal\s+Created\s+.*created in LiteLLM`),
			} {
				assert.Regexp(t, want, out)
			}
		}},
		{"get the key value", func(t *testing.T) {
			out := shell(t, guideKeySecret+"\n"+guideKey+"\n"+`printf '%s\n%s' "$KEY_SECRET" "$KEY"`)
			secretName, raw, found := strings.Cut(out, "\n")
			require.True(t, found, out)
			assert.Equal(t, "example-service-key", secretName)
			require.True(t, strings.HasPrefix(raw, "sk-"), "a LiteLLM virtual key")
			keys := simKeysByAlias(t, "example-service")
			require.Len(t, keys, 1)
			assert.Equal(t, keys[0].Token, hashKey(raw), "the Secret holds the key LiteLLM knows under the alias")
			key = raw
		}},
		{"use the virtual key", func(t *testing.T) {
			status, body := chat(t, key, guideChatBody)
			require.Equal(t, http.StatusOK, status, "%v", body)
			assert.NotEmpty(t, body["choices"])
			keys := simKeysByAlias(t, "example-service")
			require.Len(t, keys, 1)
			assert.InDelta(t, 0.05, keys[0].Spend, 1e-9, "LiteLLM charged the call to the key")

			// Troubleshooting, "Model Access Denied": a model outside spec.models is refused.
			status, body = chat(t, key, strings.Replace(guideChatBody, "gpt-4o", "claude-3-sonnet", 1))
			assert.Equal(t, http.StatusForbidden, status, "%v", body)
		}},
		{"update the key", func(t *testing.T) {
			out := shell(t, guidePatch)
			assert.Contains(t, out, "virtualkey.auth.litellm.ai/example-service patched")
			require.Eventually(t, func() bool {
				keys := simKeysByAlias(t, "example-service")
				return len(keys) == 1 && keys[0].MaxBudget != nil && *keys[0].MaxBudget == 200
			}, 30*time.Second, 200*time.Millisecond, "LiteLLM's max_budget becomes 200")
			vk := &v1alpha1.VirtualKey{}
			require.Eventually(t, func() bool {
				return env.k8s.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: "example-service"}, vk) == nil &&
					vk.Generation == 2 && ready(vk) && vk.Status.MaxBudget == "200"
			}, 30*time.Second, 200*time.Millisecond, "Ready and Synced for the new spec")
			assert.Len(t, simKeysByAlias(t, "example-service"), 1, "updated in place, not re-created")
		}},
		{"check the key status", func(t *testing.T) {
			var status map[string]any
			// The spend of the call above arrives with the operator's next read of the key.
			require.Eventually(t, func() bool {
				status = statusOf(t, shell(t, guideStatus))
				return status["currentSpend"] == "0.05"
			}, 4*resync, 200*time.Millisecond, "status.currentSpend shows the call's cost")
			assert.Equal(t, "example-service-key", status["keySecretRef"])
			assert.Equal(t, true, status["isActive"])
			assert.Empty(t, status["expiryDate"], "the key never expires")
			assert.NotContains(t, shell(t, guideStatus), key, "the raw key never appears in the object")
		}},
		{"check the current spend", func(t *testing.T) {
			assert.Equal(t, "0.05", shell(t, guideSpend))
		}},
		{"delete the key", func(t *testing.T) {
			out := shell(t, guideDelete)
			assert.Contains(t, out, `virtualkey.auth.litellm.ai "example-service" deleted`)
			err := env.k8s.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: "example-service"}, &v1alpha1.VirtualKey{})
			assert.True(t, apierrors.IsNotFound(err), "kubectl delete returns once the operator let the object go: %v", err)
			assert.Empty(t, simKeysByAlias(t, "example-service"), "the key is deleted in LiteLLM")
			status, _ := chat(t, key, guideChatBody)
			assert.Equal(t, http.StatusUnauthorized, status, "LiteLLM refuses the deleted key")
			requireGarbageCollector(t)
			require.Eventually(t, func() bool {
				err := env.k8s.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: "example-service-key"}, &corev1.Secret{})
				return apierrors.IsNotFound(err)
			}, 60*time.Second, 200*time.Millisecond, "the garbage collector deletes the key Secret with its VirtualKey")

			shell(t, "kubectl delete -f "+guideAdvancedYAML)
			assert.Empty(t, simKeysByAlias(t, "research-key"))
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			return
		}
	}
}

// fieldsOf returns the columns of the line for name.
func fieldsOf(lines []string, name string) []string {
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 0 && f[0] == name {
			return append(f, make([]string, 8)...) // padded, so a short line fails the comparison, not the slice
		}
	}
	return make([]string, 8)
}

// statusOf returns the status of an object printed with -o yaml.
func statusOf(t *testing.T, out string) map[string]any {
	t.Helper()
	var obj map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(out), &obj))
	status, ok := obj["status"].(map[string]any)
	require.True(t, ok, "the object has a status:\n%s", out)
	return status
}

// TestGuideCopiesAreVerbatim checks that the commands above are the guide's own, as extracted.
func TestGuideCopiesAreVerbatim(t *testing.T) {
	commands, err := os.ReadFile(guideDir + "/commands.txt")
	require.NoError(t, err)
	lines := strings.Split(string(commands), "\n")
	for _, cmd := range []string{guideList, guideDescribe, guideKeySecret, guideKey, guidePatch, guideStatus, guideSpend, guideDelete} {
		assert.Contains(t, lines, cmd)
	}
	body, err := os.ReadFile(guideDir + "/chat-request.json")
	require.NoError(t, err)
	assert.Equal(t, guideChatBody, strings.TrimSuffix(string(body), "\n"))
}

// TestGuideAutoCreatedKey checks the guide's "Auto-Created Keys" promise with the User sample: the
// key has the user's keyAlias, models, budget, durations and connection, and belongs to the user in
// LiteLLM.
func TestGuideAutoCreatedKey(t *testing.T) {
	const ns = "guide-users"
	createNamespace(t, ns)
	shell(t, "kubectl apply -n "+ns+" -f ../../config/samples/auth_v1alpha1_user.yaml")
	shell(t, "kubectl wait -n "+ns+" --for=condition=Ready llmuser/jane --timeout=60s")

	user := &v1alpha1.User{}
	require.NoError(t, env.k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "jane"}, user))
	require.Eventually(t, func() bool {
		_, err := shellResult("kubectl wait -n " + ns + " --for=condition=Ready virtualkey/jane-key --timeout=5s")
		return err == nil
	}, 60*time.Second, time.Second, "the User's VirtualKey becomes Ready")
	key := &v1alpha1.VirtualKey{}
	require.NoError(t, env.k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "jane-key"}, key))
	assert.Equal(t, user.Spec.KeyAlias, key.Spec.KeyAlias)
	assert.Equal(t, user.Spec.Models, key.Spec.Models)
	assert.Equal(t, user.Spec.MaxBudget, key.Spec.MaxBudget)
	assert.Equal(t, user.Spec.BudgetDuration, key.Spec.BudgetDuration)
	assert.Equal(t, user.Spec.ConnectionRef, key.Spec.ConnectionRef)
	require.NoError(t, env.k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "jane"}, user))
	assert.Equal(t, key.Status.KeySecretRef, user.Status.KeySecretRef, "the User's status names the key's Secret")

	inLiteLLM := simKeysByAlias(t, "jane-key")
	require.Len(t, inLiteLLM, 1)
	require.NotNil(t, inLiteLLM[0].UserID)
	assert.Equal(t, user.Status.UserID, *inLiteLLM[0].UserID, "the key belongs to the user in LiteLLM")
	assert.Equal(t, []string{"gpt-4o"}, inLiteLLM[0].Models)

	shell(t, "kubectl delete -n "+ns+" llmuser jane")
	assert.Empty(t, simKeysByAlias(t, "jane-key"), "deleting the User deletes its key in LiteLLM")
	var users struct {
		Count int `json:"count"`
	}
	simAdmin(t, http.MethodGet, "users?id="+user.Status.UserID, nil, &users)
	assert.Zero(t, users.Count, "and the user")
}

package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// shell runs a script with bash, as a user would type it: `kubectl` is bin/kubectl and KUBECONFIG
// points at the local control plane. It returns stdout and fails the test on a non-zero exit.
func shell(t *testing.T, script string) string {
	t.Helper()
	out, err := shellResult(script)
	require.NoError(t, err, "script:\n%s", script)
	return out
}

func shellResult(script string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = filepath.Join(env.root, "test", "e2e")
	cmd.Env = append(os.Environ(),
		"PATH="+filepath.Join(env.root, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
		"KUBECONFIG="+env.cp.KubeconfigPath())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%w\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	return stdout.String(), nil
}

// simKey is a key as the simulator's admin API shows it.
type simKey struct {
	Token          string   `json:"token"`
	KeyAlias       *string  `json:"key_alias"`
	Models         []string `json:"models"`
	MaxBudget      *float64 `json:"max_budget"`
	BudgetDuration *string  `json:"budget_duration"`
	Spend          float64  `json:"spend"`
	Blocked        *bool    `json:"blocked"`
	UserID         *string  `json:"user_id"`
}

func (k simKey) alias() string {
	if k.KeyAlias == nil {
		return ""
	}
	return *k.KeyAlias
}

// simAdmin calls the simulator's /__sim/ admin API (it runs as a separate process).
func simAdmin(t *testing.T, method, path string, body, into any) {
	t.Helper()
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		require.NoError(t, err)
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, env.sim.url+"/__sim/"+path, reader)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+masterKey)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s /__sim/%s: %s", method, path, data)
	if into != nil {
		require.NoError(t, json.Unmarshal(data, into), "%s", data)
	}
}

// simKeys returns every key in LiteLLM.
func simKeys(t *testing.T) []simKey {
	t.Helper()
	var body struct {
		Keys []simKey `json:"keys"`
	}
	simAdmin(t, http.MethodGet, "keys", nil, &body)
	return body.Keys
}

// simKeysByAlias returns the keys holding an alias.
func simKeysByAlias(t *testing.T, alias string) []simKey {
	t.Helper()
	var body struct {
		Keys []simKey `json:"keys"`
	}
	simAdmin(t, http.MethodGet, "keys?alias="+alias, nil, &body)
	return body.Keys
}

// simCalls returns the simulator's call counters, keyed "METHOD /path".
func simCalls(t *testing.T) map[string]int {
	t.Helper()
	var body struct {
		Calls map[string]int `json:"calls"`
	}
	simAdmin(t, http.MethodGet, "calls", nil, &body)
	return body.Calls
}

// keyWrites sums the calls that change keys in LiteLLM (every POST under /key/).
func keyWrites(calls map[string]int) (int, []string) {
	n := 0
	var which []string
	for call, c := range calls {
		if strings.HasPrefix(call, "POST /key/") {
			n += c
			which = append(which, fmt.Sprintf("%s ×%d", call, c))
		}
	}
	return n, which
}

// chat calls /chat/completions with a key, as the guide's curl does.
func chat(t *testing.T, key, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, env.sim.url+"/chat/completions", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func hashKey(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// ready reports that a VirtualKey is Ready and Synced for its current generation.
func ready(vk *v1alpha1.VirtualKey) bool {
	r := meta.FindStatusCondition(vk.Status.Conditions, v1alpha1.ConditionTypeReady)
	s := meta.FindStatusCondition(vk.Status.Conditions, v1alpha1.ConditionTypeSynced)
	return r != nil && s != nil && r.Status == metav1.ConditionTrue && s.Status == metav1.ConditionTrue &&
		r.ObservedGeneration == vk.Generation && s.ObservedGeneration == vk.Generation
}

// createNamespace makes a namespace for one test.
func createNamespace(t *testing.T, name string) {
	t.Helper()
	requireEnv(t)
	require.NoError(t, env.k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}))
}

// newVirtualKey is a minimal VirtualKey using the guide's instance.
func newVirtualKey(ns, name string) *v1alpha1.VirtualKey {
	budget := "5"
	return &v1alpha1.VirtualKey{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.VirtualKeySpec{
			KeyAlias:  ns + "-" + name,
			Models:    []string{"gpt-4o"},
			MaxBudget: &budget,
			ConnectionRef: v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{
				Name: instanceName, Namespace: instanceNamespace,
			}},
		},
	}
}

// waitAllReady waits until every VirtualKey in the namespace is Ready; want is how many there are.
func waitAllReady(t *testing.T, ns string, want int, timeout time.Duration) []v1alpha1.VirtualKey {
	t.Helper()
	var list v1alpha1.VirtualKeyList
	require.Eventually(t, func() bool {
		list = v1alpha1.VirtualKeyList{}
		if err := env.k8s.List(context.Background(), &list, client.InNamespace(ns)); err != nil || len(list.Items) != want {
			return false
		}
		for i := range list.Items {
			if !ready(&list.Items[i]) {
				return false
			}
		}
		return true
	}, timeout, 200*time.Millisecond, "all %d VirtualKeys in %s Ready", want, ns)
	return list.Items
}

// secretKeyHashes maps the hash of every key Secret's raw key in the cluster to its VirtualKey.
func secretKeyHashes(t *testing.T) map[string]string {
	t.Helper()
	var list v1alpha1.VirtualKeyList
	require.NoError(t, env.k8s.List(context.Background(), &list))
	hashes := map[string]string{}
	for _, vk := range list.Items {
		secret := &corev1.Secret{}
		require.NoError(t, env.k8s.Get(context.Background(), client.ObjectKey{Namespace: vk.Namespace, Name: vk.Status.KeySecretRef}, secret),
			"key Secret of %s/%s", vk.Namespace, vk.Name)
		hashes[hashKey(string(secret.Data[v1alpha1.KeySecretDataKey]))] = vk.Namespace + "/" + vk.Name
	}
	return hashes
}

// assertLiteLLMMatchesCluster checks that LiteLLM holds exactly one key per VirtualKey, the one in
// its Secret, with its alias: none missing, none twice, none orphaned.
func assertLiteLLMMatchesCluster(t *testing.T) {
	t.Helper()
	hashes := secretKeyHashes(t)
	keys := simKeys(t)
	inLiteLLM := map[string]bool{}
	for _, k := range keys {
		owner, ok := hashes[k.Token]
		require.True(t, ok, "LiteLLM key %q (alias %q) belongs to no VirtualKey: orphaned", k.Token, k.alias())
		require.False(t, inLiteLLM[k.Token], "key of %s twice in LiteLLM", owner)
		inLiteLLM[k.Token] = true
	}
	for hash, owner := range hashes {
		require.True(t, inLiteLLM[hash], "the key of %s is missing in LiteLLM", owner)
	}
	require.Len(t, keys, len(hashes), "one LiteLLM key per VirtualKey")
}

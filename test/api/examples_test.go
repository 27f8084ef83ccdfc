package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	authv1alpha1 "github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// guideDir holds the YAML examples and kubectl commands of the virtual-keys guide, extracted verbatim
// (see testdata/README.md): they must work as written.
var guideDir = filepath.Join(repoRoot, "testdata", "virtual-keys-guide")

// decodeObjects reads every YAML document in data as an unstructured object.
func decodeObjects(t *testing.T, data []byte) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		obj := &unstructured.Unstructured{}
		err := dec.Decode(&obj.Object)
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		if len(obj.Object) > 0 {
			out = append(out, obj)
		}
	}
}

func TestSamplesAreAccepted(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, "config", "samples", "*.yaml"))
	require.NoError(t, err)
	ns := newNamespace(t)
	kinds := map[string]bool{}
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, obj := range decodeObjects(t, data) {
			kinds[obj.GetKind()] = true
			obj.SetNamespace(ns)
			assert.NoError(t, k8s.Create(context.Background(), obj), "%s: %s", filepath.Base(f), obj.GetName())
		}
	}
	assert.Equal(t, map[string]bool{"VirtualKey": true, "User": true, "Team": true, "TeamMemberAssociation": true},
		kinds, "one sample per kind")
}

var guidePatch = regexp.MustCompile(`^kubectl patch virtualkey (\S+) --type='merge' -p='([^']+)'$`)

// guideExamples returns the guide's YAML examples, file by file.
func guideExamples(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(guideDir, "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "the guide has YAML examples")
	out := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		out[filepath.Base(f)] = data
	}
	return out
}

// guideCommands returns the guide's kubectl command lines, in the guide's order.
func guideCommands(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(guideDir, "commands.txt"))
	require.NoError(t, err)
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	require.NotEmpty(t, out, "the guide has kubectl commands")
	return out
}

// TestGuideExamplesAreAccepted creates every YAML example of the guide, then applies the guide's
// kubectl patch as a merge patch.
func TestGuideExamplesAreAccepted(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	for name, data := range guideExamples(t) {
		for _, obj := range decodeObjects(t, data) {
			obj.SetNamespace(ns)
			assert.NoError(t, k8s.Create(ctx, obj), "guide example %s: %s", name, obj.GetName())
		}
	}

	patched := 0
	for _, c := range guideCommands(t) {
		p := guidePatch.FindStringSubmatch(c)
		if p == nil {
			continue
		}
		key := &authv1alpha1.VirtualKey{}
		key.Namespace, key.Name = ns, p[1]
		require.NoError(t, k8s.Patch(ctx, key, client.RawPatch(types.MergePatchType, []byte(p[2]))), c)
		patched++
	}
	require.Positive(t, patched, "the guide shows how to patch a key")
	var key authv1alpha1.VirtualKey
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "example-service"}, &key))
	require.NotNil(t, key.Spec.MaxBudget)
	assert.Equal(t, "200", *key.Spec.MaxBudget, "the guide's patch sets maxBudget to 200")
}

// TestGuideKubectlCommands runs the guide's kubectl commands as written, with the real kubectl,
// against the guide's examples. Commands that read what only the controller writes (the key
// Secret) are left to the end-to-end tests.
func TestGuideKubectlCommands(t *testing.T) {
	ns := newNamespace(t)
	kubectl := filepath.Join(assetsDir(), "kubectl")
	_, err := os.Stat(kubectl)
	require.NoError(t, err, "kubectl is built with the control plane (make controlplane)")
	kubeconfig := writeKubeconfig(t, restCfg, ns)

	var commands, deletes []string
	for _, line := range guideCommands(t) {
		switch {
		case !strings.HasPrefix(line, "kubectl "), strings.Contains(line, "$"):
			// Assignments that read the key Secret need the controller.
		case strings.HasPrefix(line, "kubectl delete "):
			deletes = append(deletes, line) // after the reads that need the object
		default:
			commands = append(commands, line)
		}
	}

	// The guide's own YAML, applied with kubectl as a user would.
	for name := range guideExamples(t) {
		out, err := runShell(kubectl, kubeconfig, "kubectl apply -f "+filepath.Join(guideDir, name))
		require.NoError(t, err, "example %s: %s", name, out)
	}

	// Short names and the category must reach the same objects.
	commands = append(commands, "kubectl get vk", "kubectl get litellm", "kubectl get virtualkeys.auth.litellm.ai")
	for _, c := range append(commands, deletes...) {
		out, err := runShell(kubectl, kubeconfig, c)
		assert.NoError(t, err, "%s\n%s", c, out)
		t.Logf("$ %s\n%s", c, out)
		if strings.HasPrefix(c, "kubectl get virtualkeys") || c == "kubectl get vk" || c == "kubectl get litellm" {
			assert.Contains(t, out, "example-service", c)
		}
	}

	// kubectl explain shows the field documentation.
	out, err := runShell(kubectl, kubeconfig, "kubectl explain virtualkeys.spec.maxBudget")
	require.NoError(t, err, out)
	assert.Contains(t, out, "MaxBudget sets the maximum budget limit")
}

// runShell runs a guide line through bash, with our kubectl first on PATH, so its quoting works
// exactly as in a user's terminal.
func runShell(kubectl, kubeconfig, line string) (string, error) {
	cmd := exec.Command("bash", "-c", line)
	cmd.Env = append(os.Environ(),
		"PATH="+filepath.Dir(kubectl)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"KUBECONFIG="+kubeconfig)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// writeKubeconfig writes an admin kubeconfig whose context defaults to namespace ns, so the
// guide's commands run unchanged (they name no namespace).
func writeKubeconfig(t *testing.T, cfg *rest.Config, ns string) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["test"] = &clientcmdapi.Cluster{
		Server: cfg.Host, CertificateAuthorityData: cfg.CAData, InsecureSkipTLSVerify: cfg.Insecure,
	}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{
		ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken,
	}
	kc.Contexts["test"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: "admin", Namespace: ns}
	kc.CurrentContext = "test"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, clientcmd.WriteToFile(*kc, path))
	return path
}

package olm

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/litellm-operator/litellm-operator/test/controlplane"
	"github.com/litellm-operator/litellm-operator/test/harness/suite"
)

// almExamples are the CSV's alm-examples, by kind.
func almExamples(t *testing.T) map[string]map[string]any {
	t.Helper()
	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(loadCSV(t).Annotations["alm-examples"]), &list),
		"alm-examples is a JSON array of objects")
	examples := map[string]map[string]any{}
	for _, obj := range list {
		kind, _ := obj["kind"].(string)
		assert.NotContains(t, examples, kind, "one example per kind")
		examples[kind] = obj
	}
	return examples
}

// samples are the objects of config/samples, by kind, in the same JSON form as alm-examples.
func samples(t *testing.T) map[string]map[string]any {
	t.Helper()
	var kustomization struct{ Resources []string }
	require.NoError(t, yaml.Unmarshal(readFile(t, "config", "samples", "kustomization.yaml"), &kustomization))
	out := map[string]map[string]any{}
	for _, file := range kustomization.Resources {
		for _, doc := range yamlDocuments(t, readFile(t, "config", "samples", file)) {
			obj := map[string]any{}
			require.NoError(t, yaml.Unmarshal(doc, &obj), file)
			kind, _ := obj["kind"].(string)
			out[kind] = obj
		}
	}
	return out
}

func TestALMExamplesAreTheSamples(t *testing.T) {
	examples := almExamples(t)
	assert.ElementsMatch(t, ownedKinds, keys(examples), "one example of each owned kind")
	assert.Equal(t, samples(t), examples, "alm-examples are config/samples, object for object")
}

func TestALMExamplesAreAcceptedByTheAPIServer(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a control plane")
	}
	suite.SkipWithoutControlPlane(t)
	cp, err := controlplane.Start(controlplane.Options{CRDDirectoryPaths: []string{repoPath("config", "crd", "bases")}})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, cp.Stop()) })
	k8s, err := client.New(cp.Config(), client.Options{})
	require.NoError(t, err)

	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "olm-examples"}}
	require.NoError(t, k8s.Create(ctx, ns))

	examples := almExamples(t)
	for _, kind := range ownedKinds {
		t.Run(kind, func(t *testing.T) {
			obj := &unstructured.Unstructured{Object: examples[kind]}
			obj.SetNamespace(ns.Name)
			// Strict field validation: a field the schema does not know fails instead of being
			// pruned, so an example cannot carry a typo that the console would then show.
			assert.NoError(t, k8s.Create(ctx, obj, client.DryRunAll, client.FieldValidation(metav1.FieldValidationStrict)))
		})
	}

	// The dry run does validate: an example broken on purpose is refused.
	tests := []struct {
		reason string
		mutate func(obj map[string]any)
	}{
		{
			reason: "a connectionRef with both secretRef and instanceRef",
			mutate: func(obj map[string]any) {
				ref := obj["spec"].(map[string]any)["connectionRef"].(map[string]any)
				ref["secretRef"] = map[string]any{"name": "litellm-connection"}
			},
		},
		{
			reason: "an unknown spec field",
			mutate: func(obj map[string]any) { obj["spec"].(map[string]any)["keyAliass"] = "typo" },
		},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			obj := &unstructured.Unstructured{Object: almExamples(t)["VirtualKey"]}
			obj.SetNamespace(ns.Name)
			tc.mutate(obj.Object)
			err := k8s.Create(ctx, obj, client.DryRunAll, client.FieldValidation(metav1.FieldValidationStrict))
			require.Error(t, err)
			assert.True(t, apierrors.IsInvalid(err) || apierrors.IsBadRequest(err), "refused as invalid: %v", err)
		})
	}
}

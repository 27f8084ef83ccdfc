package olm

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/blang/semver/v4"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/litellm-operator/litellm-operator/test/controlplane"
)

const (
	packageName = "litellm-access-operator"
	apiGroup    = "auth.litellm.ai"
	apiVersion  = "v1alpha1"
)

// ownedKinds are the kinds the operator serves; the CSV must own exactly these.
var ownedKinds = []string{"VirtualKey", "User", "Team", "TeamMemberAssociation"}

// repoRoot is the repository's top folder, found from this file's location so the tests do not
// depend on the working directory.
var repoRoot = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}()

func repoPath(elem ...string) string {
	return filepath.Join(append([]string{repoRoot}, elem...)...)
}

func readFile(t *testing.T, elem ...string) []byte {
	t.Helper()
	data, err := os.ReadFile(repoPath(elem...))
	require.NoError(t, err)
	return data
}

// yamlDocuments splits a file into its non-empty YAML documents.
func yamlDocuments(t *testing.T, data []byte) [][]byte {
	t.Helper()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs
		}
		require.NoError(t, err)
		if len(bytes.TrimSpace(doc)) > 0 {
			docs = append(docs, doc)
		}
	}
}

// decodeSingle decodes a file that holds exactly one YAML document, rejecting unknown fields.
func decodeSingle(t *testing.T, into any, elem ...string) {
	t.Helper()
	docs := yamlDocuments(t, readFile(t, elem...))
	require.Len(t, docs, 1, "%s must hold one YAML document", filepath.Join(elem...))
	require.NoError(t, yaml.UnmarshalStrict(docs[0], into), "decoding %s", filepath.Join(elem...))
}

func loadCSV(t *testing.T) *operatorsv1alpha1.ClusterServiceVersion {
	t.Helper()
	return loadCSVFrom(t, "bundle", "manifests")
}

// loadCSVFrom reads the CSV of a bundle's manifests folder.
func loadCSVFrom(t *testing.T, manifests ...string) *operatorsv1alpha1.ClusterServiceVersion {
	t.Helper()
	csv := &operatorsv1alpha1.ClusterServiceVersion{}
	decodeSingle(t, csv, append(manifests, packageName+".clusterserviceversion.yaml")...)
	return csv
}

// csvDeployment is the CSV's only Deployment, the manager.
func csvDeployment(t *testing.T, csv *operatorsv1alpha1.ClusterServiceVersion) appsv1.DeploymentSpec {
	t.Helper()
	deployments := csv.Spec.InstallStrategy.StrategySpec.DeploymentSpecs
	require.Len(t, deployments, 1, "the CSV installs one Deployment, the manager")
	return deployments[0].Spec
}

// loadCRDs reads every CustomResourceDefinition in a folder, by kind.
func loadCRDs(t *testing.T, elem ...string) map[string]*apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	entries, err := os.ReadDir(repoPath(elem...))
	require.NoError(t, err)
	crds := map[string]*apiextensionsv1.CustomResourceDefinition{}
	for _, entry := range entries {
		if entry.IsDir() || !strings.HasSuffix(entry.Name(), ".yaml") {
			continue
		}
		for _, doc := range yamlDocuments(t, readFile(t, append(elem, entry.Name())...)) {
			var meta struct{ Kind string }
			require.NoError(t, yaml.Unmarshal(doc, &meta))
			if meta.Kind != "CustomResourceDefinition" {
				continue
			}
			crd := &apiextensionsv1.CustomResourceDefinition{}
			require.NoError(t, yaml.UnmarshalStrict(doc, crd), entry.Name())
			crds[crd.Spec.Names.Kind] = crd
		}
	}
	return crds
}

// loadRules reads the rules of a Role or ClusterRole manifest.
func loadRules(t *testing.T, elem ...string) []rbacv1.PolicyRule {
	t.Helper()
	role := &rbacv1.ClusterRole{} // a Role has the same shape where it matters: metadata and rules
	decodeSingle(t, role, elem...)
	require.NotEmpty(t, role.Rules, filepath.Join(elem...))
	return role.Rules
}

// makefileDefault returns the default of a `NAME ?= value` variable in the Makefile, so the tests
// follow the Makefile rather than repeat its settings.
func makefileDefault(t *testing.T, name string) string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s*\?=\s*(\S+)\s*$`)
	match := re.FindSubmatch(readFile(t, "Makefile"))
	require.NotNil(t, match, "the Makefile sets %s ?= ...", name)
	return string(match[1])
}

// operatorSDKVersion is the operator-sdk version pinned in the OLM tools module.
func operatorSDKVersion(t *testing.T) string {
	t.Helper()
	return toolVersion(t, "github.com/operator-framework/operator-sdk")
}

// toolVersion is the version of a module pinned in the OLM tools module (hack/tools/olm/go.mod).
func toolVersion(t *testing.T, module string) string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(module) + `\s+(v\S+)`)
	match := re.FindSubmatch(readFile(t, "hack", "tools", "olm", "go.mod"))
	require.NotNil(t, match, "hack/tools/olm/go.mod requires %s", module)
	return string(match[1])
}

// kubernetesMinor is the Kubernetes version the tests run against, as "1.37".
func kubernetesMinor(t *testing.T) string {
	t.Helper()
	v, err := semver.Parse(controlplane.KubernetesVersion)
	require.NoError(t, err)
	return fmt.Sprintf("%d.%d", v.Major, v.Minor)
}

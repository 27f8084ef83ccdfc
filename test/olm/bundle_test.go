package olm

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/blang/semver/v4"
	"github.com/operator-framework/api/pkg/apis/scorecard/v1alpha3"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/litellm-operator/litellm-operator/hack/bundlevalidate/validate"
)

// TestBundleValidates runs the validators of `make bundle-validate` (hack/bundlevalidate: the
// defaults of operator-sdk bundle validate, the operatorframework suite and OperatorHub's checks)
// and accepts no error and no warning.
func TestBundleValidates(t *testing.T) {
	findings, err := validate.Bundle(repoPath("bundle"), kubernetesMinor(t))
	require.NoError(t, err)
	for _, f := range findings {
		assert.Fail(t, "bundle validation", "%s", f)
	}

	// The validators do look: a bundle without an icon gets the operatorframework suite's warning.
	broken := copyBundle(t)
	csvPath := filepath.Join(broken, "manifests", packageName+".clusterserviceversion.yaml")
	data, err := os.ReadFile(csvPath)
	require.NoError(t, err)
	csv := map[string]any{}
	require.NoError(t, yaml.Unmarshal(data, &csv))
	delete(csv["spec"].(map[string]any), "icon")
	data, err = yaml.Marshal(csv)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(csvPath, data, 0o600))
	findings, err = validate.Bundle(broken, kubernetesMinor(t))
	require.NoError(t, err)
	assert.True(t, slices.ContainsFunc(findings, func(f validate.Finding) bool {
		return f.Level == "warning" && strings.Contains(strings.ToLower(f.Message), "icon")
	}), "a missing icon is reported: %v", findings)
}

// copyBundle copies bundle/ to a temporary folder.
func copyBundle(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS(repoPath("bundle"))))
	return dir
}

func TestBundleManifests(t *testing.T) {
	entries, err := os.ReadDir(repoPath("bundle", "manifests"))
	require.NoError(t, err)
	csvFile := packageName + ".clusterserviceversion.yaml"
	extra := map[string][]byte{}
	for _, entry := range entries {
		name := entry.Name()
		if name == csvFile || strings.HasPrefix(name, apiGroup+"_") {
			continue // the CSV and the CRDs, tested on their own
		}
		extra[name] = readFile(t, "bundle", "manifests", name)
	}
	// Besides the CSV and the CRDs the bundle carries the metrics Service and the role to bind to
	// whoever scrapes the metrics; nothing else (no NetworkPolicy, no Namespace).
	assert.ElementsMatch(t, []string{
		packageName + "-controller-manager-metrics-service_v1_service.yaml",
		packageName + "-metrics-reader_rbac.authorization.k8s.io_v1_clusterrole.yaml",
	}, keys(extra))

	pod := csvDeployment(t, loadCSV(t)).Template

	t.Run("the metrics Service selects the manager's metrics port", func(t *testing.T) {
		svc := &corev1.Service{}
		decodeSingle(t, svc, "bundle", "manifests", packageName+"-controller-manager-metrics-service_v1_service.yaml")
		require.NotEmpty(t, svc.Spec.Selector)
		assert.True(t, labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(pod.Labels)), "the Service selects the manager's pods")
		require.Len(t, svc.Spec.Ports, 1)
		target := svc.Spec.Ports[0].TargetPort.String()
		assert.True(t, slices.ContainsFunc(pod.Spec.Containers[0].Ports, func(p corev1.ContainerPort) bool {
			return p.Name == target
		}), "the target port %s is a port of the manager", target)
	})

	t.Run("the metrics reader role only reads /metrics", func(t *testing.T) {
		rules := loadRules(t, "bundle", "manifests", packageName+"-metrics-reader_rbac.authorization.k8s.io_v1_clusterrole.yaml")
		assert.Equal(t, []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}, rules)
	})
}

func TestBundleMetadata(t *testing.T) {
	var metadata struct{ Annotations map[string]string }
	decodeSingle(t, &metadata, "bundle", "metadata", "annotations.yaml")
	ann := metadata.Annotations

	channels := strings.Split(ann["operators.operatorframework.io.bundle.channels.v1"], ",")
	defaultChannel := ann["operators.operatorframework.io.bundle.channel.default.v1"]
	tests := []struct {
		reason string
		ok     bool
	}{
		{reason: "a registry+v1 bundle", ok: ann["operators.operatorframework.io.bundle.mediatype.v1"] == "registry+v1"},
		{reason: "manifests in manifests/", ok: ann["operators.operatorframework.io.bundle.manifests.v1"] == "manifests/"},
		{reason: "metadata in metadata/", ok: ann["operators.operatorframework.io.bundle.metadata.v1"] == "metadata/"},
		{reason: "the package name", ok: ann["operators.operatorframework.io.bundle.package.v1"] == packageName},
		{reason: "the default channel is one of the channels", ok: slices.Contains(channels, defaultChannel)},
		{reason: "channels follow OperatorHub's naming (candidate, fast, stable)", ok: !slices.ContainsFunc(channels, func(c string) bool {
			return !regexp.MustCompile(`^(candidate|fast|stable)(-v\d+(\.\d+)?)?$`).MatchString(c)
		})},
		{reason: "OpenShift catalogs from the release that ships minKubeVersion on, with no upper bound (new releases keep offering it)",
			ok: openShiftKubernetes[ann["com.redhat.openshift.versions"]] == minKubeMinor(t)},
		{reason: "the scorecard configuration", ok: ann["operators.operatorframework.io.test.config.v1"] == "tests/scorecard/"},
	}
	for _, tc := range tests {
		assert.True(t, tc.ok, tc.reason)
	}

	dockerfile := string(readFile(t, "bundle.Dockerfile"))
	for key, value := range ann {
		assert.Contains(t, dockerfile, "\nLABEL "+key+"="+value+"\n", "bundle.Dockerfile labels the image as annotations.yaml says")
	}
	for _, dir := range []string{"manifests", "metadata", "tests/scorecard"} {
		assert.Contains(t, dockerfile, "\nCOPY bundle/"+dir+" /"+dir+"/\n")
	}
}

// openShiftKubernetes is the Kubernetes release each OpenShift release ships (OpenShift 4.N ships
// 1.(N+13) from 4.3 to 4.22; 5.0 ships 1.36); docs/install.md says where the figures come from.
var openShiftKubernetes = map[string]string{
	"v4.16": "1.29", "v4.17": "1.30", "v4.18": "1.31", "v4.19": "1.32", "v4.20": "1.33",
	"v4.21": "1.34", "v4.22": "1.35", "v5.0": "1.36",
}

func minKubeMinor(t *testing.T) string {
	t.Helper()
	v, err := semver.Parse(loadCSV(t).Spec.MinKubeVersion)
	require.NoError(t, err)
	return fmt.Sprintf("%d.%d", v.Major, v.Minor)
}

// TestScorecardConfig checks the scorecard configuration that `operator-sdk scorecard` runs in a
// cluster, without one: it is a valid Configuration, its image is the pinned operator-sdk's, and it
// names only tests that the bundle passes. Each of those tests inspects the bundle alone, so its
// check is repeated here (after operator-sdk's internal/scorecard/tests).
func TestScorecardConfig(t *testing.T) {
	cfg := &v1alpha3.Configuration{}
	decodeSingle(t, cfg, "bundle", "tests", "scorecard", "config.yaml")
	assert.Equal(t, v1alpha3.ConfigurationKind, cfg.Kind)
	assert.Equal(t, v1alpha3.GroupVersion.String(), cfg.APIVersion)
	image := "quay.io/operator-framework/scorecard-test:" + operatorSDKVersion(t)

	checks := scorecardChecks(t)
	var got []string
	require.NotEmpty(t, cfg.Stages)
	for _, stage := range cfg.Stages {
		for _, test := range stage.Tests {
			assert.Equal(t, image, test.Image, "the scorecard image matches the pinned operator-sdk")
			require.Len(t, test.Entrypoint, 2)
			assert.Equal(t, "scorecard-test", test.Entrypoint[0])
			name := test.Entrypoint[1]
			got = append(got, name)
			assert.NotEmpty(t, test.Labels["suite"], "%s has a suite label (operator-sdk scorecard --selector)", name)
			check, ok := checks[name]
			if !assert.True(t, ok, "%s is a test of the scorecard-test image", name) {
				continue
			}
			assert.Empty(t, check(), "%s passes", name)
		}
	}
	assert.ElementsMatch(t, keys(checks), got, "every built-in test runs")
}

// scorecardChecks are the scorecard-test image's tests, each returning its errors for the bundle.
func scorecardChecks(t *testing.T) map[string]func() []string {
	t.Helper()
	csv := loadCSV(t)
	crds := loadCRDs(t, "bundle", "manifests")
	var crs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(csv.Annotations["alm-examples"]), &crs))
	owned := map[string]operatorsv1alpha1.CRDDescription{}
	for _, d := range csv.Spec.CustomResourceDefinitions.Owned {
		owned[d.Kind] = d
	}
	eachCR := func(check func(kind string, cr map[string]any) []string) func() []string {
		return func() []string {
			var errs []string
			for _, cr := range crs {
				errs = append(errs, check(cr["kind"].(string), cr)...)
			}
			return errs
		}
	}
	return map[string]func() []string{
		"basic-check-spec": eachCR(func(kind string, cr map[string]any) []string {
			if cr["spec"] == nil {
				return []string{kind + " example has no spec"}
			}
			return nil
		}),
		"olm-bundle-validation": func() []string {
			findings, err := validate.Bundle(repoPath("bundle"), "")
			require.NoError(t, err)
			var errs []string
			for _, f := range findings {
				if f.Level == "error" {
					errs = append(errs, f.String())
				}
			}
			return errs
		},
		"olm-crds-have-validation": eachCR(func(kind string, cr map[string]any) []string {
			var errs []string
			schema := crds[kind].Spec.Versions[0].Schema.OpenAPIV3Schema.Properties
			for _, part := range []string{"spec", "status"} {
				fields, _ := cr[part].(map[string]any)
				for key := range fields {
					if _, ok := schema[part].Properties[key]; !ok {
						errs = append(errs, fmt.Sprintf("%s example: %s.%s has no schema", kind, part, key))
					}
				}
			}
			return errs
		}),
		"olm-crds-have-resources": func() []string {
			var errs []string
			for kind, d := range owned {
				if len(d.Resources) == 0 {
					errs = append(errs, kind+" lists no resources")
				}
			}
			return errs
		},
		"olm-spec-descriptors": eachCR(func(kind string, cr map[string]any) []string {
			var errs []string
			for key := range cr["spec"].(map[string]any) {
				if !slices.ContainsFunc(owned[kind].SpecDescriptors, func(d operatorsv1alpha1.SpecDescriptor) bool { return d.Path == key }) {
					errs = append(errs, fmt.Sprintf("%s example: spec.%s has no spec descriptor", kind, key))
				}
			}
			return errs
		}),
		"olm-status-descriptors": eachCR(func(kind string, cr map[string]any) []string {
			if status, _ := cr["status"].(map[string]any); len(status) > 0 && len(owned[kind].StatusDescriptors) == 0 {
				return []string{kind + " has a status but no status descriptor"}
			}
			return nil
		}),
	}
}

func TestCatalog(t *testing.T) {
	csv := loadCSV(t)
	var metadata struct{ Annotations map[string]string }
	decodeSingle(t, &metadata, "bundle", "metadata", "annotations.yaml")
	wantChannels := strings.Split(metadata.Annotations["operators.operatorframework.io.bundle.channels.v1"], ",")
	wantImage := makefileDefault(t, "IMAGE_TAG_BASE") + "-bundle:v" + makefileDefault(t, "VERSION")

	type property struct {
		Type  string
		Value map[string]any
	}
	type blob struct {
		Schema, Name, Package, DefaultChannel, Image string
		Entries                                      []struct{ Name, Replaces string }
		Properties                                   []property
	}
	bySchema := map[string][]blob{}
	for _, doc := range yamlDocuments(t, readFile(t, "catalog", packageName, "catalog.yaml")) {
		var b blob
		require.NoError(t, yaml.Unmarshal(doc, &b))
		bySchema[b.Schema] = append(bySchema[b.Schema], b)
	}
	require.Len(t, bySchema["olm.package"], 1)

	pkg := bySchema["olm.package"][0]
	assert.Equal(t, packageName, pkg.Name)
	assert.Equal(t, metadata.Annotations["operators.operatorframework.io.bundle.channel.default.v1"], pkg.DefaultChannel)

	var gotChannels []string
	for _, ch := range bySchema["olm.channel"] {
		gotChannels = append(gotChannels, ch.Name)
		assert.Equal(t, packageName, ch.Package)
		assert.True(t, slices.ContainsFunc(ch.Entries, func(e struct{ Name, Replaces string }) bool { return e.Name == csv.Name }),
			"channel %s offers %s", ch.Name, csv.Name)
	}
	assert.ElementsMatch(t, wantChannels, gotChannels, "the catalog's channels are the bundle's")

	// The released bundles are there too, each with its own image (TestUpgradeGraph).
	var bundle blob
	for _, b := range bySchema["olm.bundle"] {
		assert.Equal(t, packageName, b.Package)
		assert.Equal(t, makefileDefault(t, "IMAGE_TAG_BASE")+"-bundle:"+strings.TrimPrefix(b.Name, packageName+"."), b.Image,
			"the bundle entry %s points at its bundle image", b.Name)
		if b.Name == csv.Name {
			bundle = b
		}
	}
	require.Equal(t, csv.Name, bundle.Name, "the catalog offers the current bundle")
	assert.Equal(t, wantImage, bundle.Image, "the bundle entry points at BUNDLE_IMG")

	var gvks []string
	for _, p := range bundle.Properties {
		switch p.Type {
		case "olm.package":
			assert.Equal(t, csv.Spec.Version.String(), p.Value["version"], "the catalog offers the bundle's version")
		case "olm.gvk":
			assert.Equal(t, apiGroup, p.Value["group"])
			assert.Equal(t, apiVersion, p.Value["version"])
			gvks = append(gvks, p.Value["kind"].(string))
		}
	}
	assert.ElementsMatch(t, ownedKinds, gvks, "the catalog advertises the four kinds")
}

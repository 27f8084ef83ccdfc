package olm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/blang/semver/v4"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/litellm-operator/litellm-operator/test/controlplane"
	"github.com/litellm-operator/litellm-operator/test/harness/suite"
)

// releasesDir holds every published bundle, as `make release-snapshot` copied it (RELEASES_DIR).
var releasesDir = []string{"test", "olm", "testdata", "releases"}

// releasedVersions are the published versions, oldest first.
func releasedVersions(t *testing.T) []semver.Version {
	t.Helper()
	entries, err := os.ReadDir(repoPath(releasesDir...))
	require.NoError(t, err)
	var versions []semver.Version
	for _, e := range entries {
		v, err := semver.Parse(e.Name())
		require.NoError(t, err, "%s is named by its version", e.Name())
		versions = append(versions, v)
	}
	require.NotEmpty(t, versions, "at least one published release")
	slices.SortFunc(versions, func(a, b semver.Version) int { return a.Compare(b) })
	return versions
}

func loadReleasedCSV(t *testing.T, v semver.Version) *operatorsv1alpha1.ClusterServiceVersion {
	t.Helper()
	return loadCSVFrom(t, append(releasesDir, v.String(), "manifests")...)
}

// opm runs the pinned opm that `make opm` builds into bin/.
func opm(t *testing.T, args ...string) []byte {
	t.Helper()
	path := repoPath("bin", "opm-"+toolVersion(t, "github.com/operator-framework/operator-registry"))
	if _, err := os.Stat(path); err != nil {
		t.Skipf("needs the pinned opm, which is not built (%s); `make test` builds it and runs this test", path)
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = repoRoot
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "opm %s: %s", strings.Join(args, " "), stderr.String())
	return out
}

// channelEntry is an entry of an olm.channel blob.
type channelEntry struct {
	Name      string   `json:"name"`
	Replaces  string   `json:"replaces"`
	Skips     []string `json:"skips"`
	SkipRange string   `json:"skipRange"`
}

// TestUpgradeGraph renders catalog/ with opm, validates it, and checks the channels: they offer
// every published release and the current bundle, the current bundle is the one head, each
// release reaches it through the replaces and skipRange edges OLM follows, and each entry's edges
// are the ones its own CSV states.
func TestUpgradeGraph(t *testing.T) {
	opm(t, "validate", "catalog")

	var channels []struct {
		Name    string
		Entries []channelEntry
	}
	bundleVersions := map[string]string{}
	decoder := json.NewDecoder(bytes.NewReader(opm(t, "render", "catalog", "-o", "json")))
	for {
		var blob struct {
			Schema, Name string
			Entries      []channelEntry
			Properties   []struct {
				Type  string
				Value json.RawMessage
			}
		}
		err := decoder.Decode(&blob)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		switch blob.Schema {
		case "olm.channel":
			channels = append(channels, struct {
				Name    string
				Entries []channelEntry
			}{blob.Name, blob.Entries})
		case "olm.bundle":
			for _, p := range blob.Properties {
				if p.Type == "olm.package" {
					var pkg struct{ Version string }
					require.NoError(t, json.Unmarshal(p.Value, &pkg))
					bundleVersions[blob.Name] = pkg.Version
				}
			}
		}
	}
	require.NotEmpty(t, channels)

	current := loadCSV(t)
	csvs := map[string]*operatorsv1alpha1.ClusterServiceVersion{}
	for _, v := range releasedVersions(t) {
		csv := loadReleasedCSV(t, v)
		assert.Equal(t, packageName+".v"+v.String(), csv.Name, "the release folder %s holds that release", v)
		csvs[csv.Name] = csv
	}
	csvs[current.Name] = current

	for name, csv := range csvs {
		assert.Equal(t, csv.Spec.Version.String(), bundleVersions[name], "the catalog offers %s with its version", name)
	}
	for _, ch := range channels {
		t.Run("channel "+ch.Name, func(t *testing.T) {
			var names []string
			for _, e := range ch.Entries {
				names = append(names, e.Name)
				csv, ok := csvs[e.Name]
				if !assert.True(t, ok, "%s is a published release or the current bundle", e.Name) {
					continue
				}
				assert.Equal(t, csv.Spec.Replaces, e.Replaces, "%s: the channel's replaces is the CSV's", e.Name)
				assert.Equal(t, csv.Annotations["olm.skipRange"], e.SkipRange, "%s: the channel's skipRange is the CSV's", e.Name)
				assert.Equal(t, csv.Spec.Skips, e.Skips, "%s: the channel's skips are the CSV's", e.Name)
			}
			assert.ElementsMatch(t, keys(csvs), names, "the channel offers every release and the current bundle")

			heads := channelHeads(ch.Entries)
			require.Equal(t, []string{current.Name}, heads, "the current bundle is the channel's one head")
			for _, v := range releasedVersions(t) {
				from := packageName + ".v" + v.String()
				if from == current.Name {
					continue
				}
				assert.True(t, upgradesTo(ch.Entries, from, current.Name),
					"OLM finds an upgrade from %s to %s (through replaces or skipRange)", from, current.Name)
			}
		})
	}
}

// channelHeads are the entries no other entry replaces or skips: what OLM installs from the channel.
func channelHeads(entries []channelEntry) []string {
	var heads []string
	for _, e := range entries {
		if !slices.ContainsFunc(entries, func(o channelEntry) bool { return o.Name != e.Name && upgradesFrom(o, e.Name) }) {
			heads = append(heads, e.Name)
		}
	}
	return heads
}

// upgradesFrom reports whether OLM may upgrade an installed bundle to entry: entry replaces it,
// skips it, or its skipRange includes its version.
func upgradesFrom(entry channelEntry, installed string) bool {
	if entry.Replaces == installed || slices.Contains(entry.Skips, installed) {
		return true
	}
	if entry.SkipRange == "" {
		return false
	}
	r, err := semver.ParseRange(entry.SkipRange)
	if err != nil {
		return false
	}
	v, err := semver.Parse(strings.TrimPrefix(installed, packageName+".v"))
	return err == nil && r(v)
}

func upgradesTo(entries []channelEntry, from, to string) bool {
	seen := map[string]bool{from: true}
	frontier := []string{from}
	for len(frontier) > 0 {
		at := frontier[0]
		frontier = frontier[1:]
		if at == to {
			return true
		}
		for _, e := range entries {
			if !seen[e.Name] && upgradesFrom(e, at) {
				seen[e.Name] = true
				frontier = append(frontier, e.Name)
			}
		}
	}
	return false
}

// TestUpgradeKeepsExistingObjects installs each published release's CRDs on a control plane, stores
// what users have under them (the release's alm-examples, objects as this operator leaves them, and
// objects as the replaced operator left them), and then upgrades the CRDs to the current bundle's
// as OLM's InstallPlan does: OLM's own checks first (every stored object of a served version
// validates against the new schema, every stored version is kept), then the CRD update, which the
// API server checks too. Every object must then read back, and its spec must still be accepted on
// creation (which also runs the CEL rules that OLM's schema check leaves out), so that re-applying
// it, as GitOps does, keeps working.
func TestUpgradeKeepsExistingObjects(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a control plane per release")
	}
	suite.SkipWithoutControlPlane(t)
	current := loadCRDs(t, "bundle", "manifests")
	for _, v := range releasedVersions(t) {
		t.Run("from "+v.String(), func(t *testing.T) {
			manifests := append(releasesDir, v.String(), "manifests")
			cp, err := controlplane.Start(controlplane.Options{CRDDirectoryPaths: []string{repoPath(manifests...)}})
			require.NoError(t, err)
			t.Cleanup(func() { assert.NoError(t, cp.Stop()) })
			k8s, err := client.New(cp.Config(), client.Options{})
			require.NoError(t, err)
			ctx := context.Background()
			const ns = "existing"
			require.NoError(t, k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))

			var stored []*unstructured.Unstructured
			for _, obj := range existingObjects(t, v) {
				obj.SetNamespace(ns)
				status, hasStatus := obj.Object["status"]
				require.NoError(t, k8s.Create(ctx, obj), "release %s accepts %s %s", v, obj.GetKind(), obj.GetName())
				if hasStatus {
					patch, err := json.Marshal(map[string]any{"status": status})
					require.NoError(t, err)
					require.NoError(t, k8s.Status().Patch(ctx, obj, client.RawPatch(types.MergePatchType, patch)),
						"release %s accepts the status of %s %s", v, obj.GetKind(), obj.GetName())
				}
				stored = append(stored, obj)
			}

			for _, kind := range ownedKinds {
				newCRD := current[kind].DeepCopy()
				onCluster := &apiextensionsv1.CustomResourceDefinition{}
				require.NoError(t, k8s.Get(ctx, client.ObjectKey{Name: newCRD.Name}, onCluster))
				require.NoError(t, olmPreUpgradeChecks(ctx, k8s, onCluster, newCRD),
					"OLM's checks before replacing the %s CRD of release %s", kind, v)
				newCRD.ResourceVersion = onCluster.ResourceVersion
				require.NoError(t, k8s.Update(ctx, newCRD), "the API server accepts the %s CRD over release %s's", kind, v)
			}

			for _, obj := range stored {
				got := &unstructured.Unstructured{}
				got.SetGroupVersionKind(obj.GroupVersionKind())
				require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(obj), got), "%s %s reads back", obj.GetKind(), obj.GetName())
				again := &unstructured.Unstructured{Object: map[string]any{
					"apiVersion": got.GetAPIVersion(), "kind": got.GetKind(), "spec": got.Object["spec"],
					"metadata": map[string]any{"namespace": ns, "name": got.GetName() + "-again"},
				}}
				assert.NoError(t, k8s.Create(ctx, again, client.DryRunAll, client.FieldValidation(metav1.FieldValidationStrict)),
					"the spec of %s %s stored under release %s is still accepted", obj.GetKind(), obj.GetName(), v)
			}
		})
	}
}

// existingObjects are what a cluster running release v stores: its alm-examples, and the fixtures
// in testdata/upgrade.
func existingObjects(t *testing.T, v semver.Version) []*unstructured.Unstructured {
	t.Helper()
	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(loadReleasedCSV(t, v).Annotations["alm-examples"]), &list))
	var out []*unstructured.Unstructured
	for _, obj := range list {
		out = append(out, &unstructured.Unstructured{Object: obj})
	}
	for _, file := range []string{"reconciled.yaml", "replaced-operator.yaml"} {
		for _, doc := range yamlDocuments(t, readFile(t, "test", "olm", "testdata", "upgrade", file)) {
			obj := &unstructured.Unstructured{}
			require.NoError(t, yaml.Unmarshal(doc, &obj.Object), file)
			out = append(out, obj)
		}
	}
	return out
}

// olmPreUpgradeChecks are the checks OLM's InstallPlan makes before it replaces a CRD that is
// already on the cluster (operator-lifecycle-manager, pkg/controller/operators/catalog: the
// NewCRDV1Step, validateV1CRDCompatibility and validateExistingCRs; pkg/lib/crd:
// SafeStorageVersionUpgrade), with the same libraries: every stored object of each version the old
// CRD serves and the new one still serves must validate against the new schema of that version
// ("updated validation is too restrictive"), and every version in the old CRD's
// status.storedVersions must remain in the new CRD ("risk of data loss").
func olmPreUpgradeChecks(ctx context.Context, k8s client.Client, oldCRD, newCRD *apiextensionsv1.CustomResourceDefinition) error {
	served := map[string]bool{}
	for _, v := range oldCRD.Spec.Versions {
		served[v.Name] = v.Served
	}
	for _, v := range newCRD.Spec.Versions {
		if !served[v.Name] || !v.Served {
			continue
		}
		internal := &apiextensions.CustomResourceValidation{}
		if err := apiextensionsv1.Convert_v1_CustomResourceValidation_To_apiextensions_CustomResourceValidation(v.Schema, internal, nil); err != nil {
			return err
		}
		validator, _, err := validation.NewSchemaValidator(internal.OpenAPIV3Schema)
		if err != nil {
			return fmt.Errorf("error creating validator for schema version %s: %w", v.Name, err)
		}
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(schema.GroupVersionKind{Group: newCRD.Spec.Group, Version: v.Name, Kind: newCRD.Spec.Names.ListKind})
		if err := k8s.List(ctx, list); err != nil {
			return err
		}
		for _, cr := range list.Items {
			if errs := validation.ValidateCustomResource(field.NewPath(""), cr.UnstructuredContent(), validator).ToAggregate(); errs != nil {
				return fmt.Errorf("error validating existing CRs against new CRD's schema for %q: error validating %s %q: updated validation is too restrictive: %w",
					newCRD.Name, cr.GroupVersionKind(), cr.GetNamespace()+"/"+cr.GetName(), errs)
			}
		}
	}
	kept := map[string]bool{}
	for _, v := range newCRD.Spec.Versions {
		kept[v.Name] = true
	}
	for _, stored := range oldCRD.Status.StoredVersions {
		if !kept[stored] {
			return fmt.Errorf("risk of data loss updating %q: new CRD removes version %s that is listed as a stored version on the existing CRD",
				newCRD.Name, stored)
		}
	}
	return nil
}

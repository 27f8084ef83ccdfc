package olm

import (
	"encoding/base64"
	"encoding/xml"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blang/semver/v4"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

func TestOwnedCRDs(t *testing.T) {
	csv := loadCSV(t)
	bundleCRDs := loadCRDs(t, "bundle", "manifests")
	sourceCRDs := loadCRDs(t, "config", "crd", "bases")

	owned := map[string]operatorsv1alpha1.CRDDescription{}
	for _, desc := range csv.Spec.CustomResourceDefinitions.Owned {
		assert.NotContains(t, owned, desc.Kind, "%s is owned twice", desc.Kind)
		owned[desc.Kind] = desc
	}
	assert.ElementsMatch(t, ownedKinds, keys(owned), "the CSV owns exactly the operator's four kinds")
	assert.ElementsMatch(t, ownedKinds, keys(bundleCRDs), "the bundle ships exactly the four CRDs")
	assert.Empty(t, csv.Spec.CustomResourceDefinitions.Required, "the operator depends on no other operator's API")

	for _, kind := range ownedKinds {
		t.Run(kind, func(t *testing.T) {
			desc, ok := owned[kind]
			require.True(t, ok, "the CSV owns %s", kind)
			crd, ok := bundleCRDs[kind]
			require.True(t, ok, "the bundle has the %s CRD", kind)
			source, ok := sourceCRDs[kind]
			require.True(t, ok, "config/crd/bases has the %s CRD", kind)

			assert.Equal(t, source.Spec, crd.Spec, "the bundle's CRD is the one generated into config/crd/bases")
			assert.Equal(t, crd.Name, desc.Name, "the description names the CRD")
			assert.Equal(t, apiVersion, desc.Version)
			assert.NotEmpty(t, desc.DisplayName, "displayName")
			assert.NotEmpty(t, desc.Description, "description")
			assert.NotEmpty(t, desc.Resources, "resources: the kinds it creates or reads (scorecard olm-crds-have-resources)")
			for _, res := range desc.Resources {
				assert.NotEmpty(t, res.Kind, "resource kind")
				assert.NotEmpty(t, res.Version, "resource version")
			}
			require.NotEmpty(t, desc.SpecDescriptors, "specDescriptors")
			require.NotEmpty(t, desc.StatusDescriptors, "statusDescriptors")

			schema := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties
			for _, d := range desc.SpecDescriptors {
				assert.NotEmpty(t, d.DisplayName, "spec descriptor %s has a display name", d.Path)
				assert.True(t, schemaHasPath(schema["spec"], d.Path), "spec descriptor %s names a field of the spec", d.Path)
			}
			for _, d := range desc.StatusDescriptors {
				assert.NotEmpty(t, d.DisplayName, "status descriptor %s has a display name", d.Path)
				assert.True(t, schemaHasPath(schema["status"], d.Path), "status descriptor %s names a field of the status", d.Path)
			}
			conditions := statusDescriptor(desc, "conditions")
			require.NotNil(t, conditions, "the console shows the conditions")
			assert.Contains(t, conditions.XDescriptors, "urn:alm:descriptor:io.kubernetes.conditions")
		})
	}

	tests := []struct {
		reason     string
		kind       string
		resource   string
		descriptor string
	}{
		{reason: "a VirtualKey creates its key Secret", kind: "VirtualKey", resource: "Secret", descriptor: "keySecretRef"},
		{reason: "a User with autoCreateKey creates a child VirtualKey and its Secret", kind: "User", resource: "VirtualKey", descriptor: "keySecretRef"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			desc := owned[tc.kind]
			assert.True(t, slices.ContainsFunc(desc.Resources, func(r operatorsv1alpha1.APIResourceReference) bool {
				return r.Kind == tc.resource
			}), "%s lists %s among its resources", tc.kind, tc.resource)
			d := statusDescriptor(desc, tc.descriptor)
			require.NotNil(t, d, "%s has a status descriptor for %s", tc.kind, tc.descriptor)
			assert.Contains(t, d.XDescriptors, "urn:alm:descriptor:io.kubernetes:Secret", "the console links the key Secret")
		})
	}
}

func TestCSVMetadata(t *testing.T) {
	csv := loadCSV(t)
	dep := csvDeployment(t, csv)
	version := makefileDefault(t, "VERSION")
	ann := csv.Annotations

	t.Run("annotations", func(t *testing.T) {
		tests := []struct {
			reason, key, want string
		}{
			{reason: "the operator installs and configures itself, nothing more (no upgrades of operands, no backups)", key: "capabilities", want: "Basic Install"},
			{reason: "standard OperatorHub categories", key: "categories", want: "AI/Machine Learning, Security"},
			{reason: "the image OLM runs", key: "containerImage", want: dep.Template.Spec.Containers[0].Image},
			{reason: "the source", key: "repository", want: "https://github.com/litellm-operator/litellm-operator"},
			{reason: "the pinned operator-sdk built the bundle", key: "operators.operatorframework.io/builder", want: "operator-sdk-" + operatorSDKVersion(t)},
			{reason: "operator-sdk's go/v4 layout", key: "operators.operatorframework.io/project_layout", want: "go.kubebuilder.io/v4"},
			{reason: "claimed only when every image is pinned by digest, as OpenShift mirrors relatedImages (USE_IMAGE_DIGESTS=true at release)",
				key: "features.operators.openshift.io/disconnected", want: strconv.FormatBool(imagesPinnedByDigest(csv))},
			{reason: "the LiteLLM client's transport honours HTTP_PROXY, HTTPS_PROXY and NO_PROXY", key: "features.operators.openshift.io/proxy-aware", want: "true"},
			{reason: "no FIPS validation was done", key: "features.operators.openshift.io/fips-compliant", want: "false"},
			{reason: "the cluster's TLS security profile is not read", key: "features.operators.openshift.io/tls-profiles", want: "false"},
			{reason: "no cloud credentials", key: "features.operators.openshift.io/token-auth-aws", want: "false"},
			{reason: "no cloud credentials", key: "features.operators.openshift.io/token-auth-azure", want: "false"},
			{reason: "no cloud credentials", key: "features.operators.openshift.io/token-auth-gcp", want: "false"},
			{reason: "not a network function", key: "features.operators.openshift.io/cnf", want: "false"},
			{reason: "not a network plugin", key: "features.operators.openshift.io/cni", want: "false"},
			{reason: "not a storage driver", key: "features.operators.openshift.io/csi", want: "false"},
		}
		for _, tc := range tests {
			assert.Equal(t, tc.want, ann[tc.key], "%s: %s", tc.key, tc.reason)
		}
		for _, key := range []string{"description", "support", "alm-examples"} {
			assert.NotEmpty(t, ann[key], key)
		}
		_, err := time.Parse(time.RFC3339, ann["createdAt"])
		assert.NoError(t, err, "createdAt is an RFC 3339 time")
	})

	t.Run("spec", func(t *testing.T) {
		assert.Equal(t, packageName+".v"+version, csv.Name, "the bundle is named <package>.v<VERSION>")
		assert.Equal(t, version, csv.Spec.Version.String())
		assert.Equal(t, "LiteLLM Access Operator", csv.Spec.DisplayName)
		assert.Equal(t, "alpha", csv.Spec.Maturity)
		assert.NotEmpty(t, csv.Spec.Keywords)
		assert.NotEmpty(t, csv.Spec.Provider.Name, "provider.name")
		_, err := semver.Parse(csv.Spec.MinKubeVersion)
		assert.NoError(t, err, "minKubeVersion is a version")

		require.NotEmpty(t, csv.Spec.Maintainers)
		for _, m := range csv.Spec.Maintainers {
			assert.NotEmpty(t, m.Name)
			_, err := mail.ParseAddress(m.Email)
			assert.NoError(t, err, "maintainer %s has an email address", m.Name)
		}
		require.NotEmpty(t, csv.Spec.Links)
		for _, l := range csv.Spec.Links {
			u, err := url.Parse(l.URL)
			assert.NoError(t, err)
			assert.Equal(t, "https", u.Scheme, "link %s", l.Name)
		}

		// The description is the operator's page in OperatorHub: it must explain the kinds, the
		// connection to a proxy and how to read a key.
		for _, want := range append(slices.Clone(ownedKinds),
			"secretRef", "instanceRef", "masterKey", "url", "<name>-secrets", "masterkey",
			"auth.litellm.ai/allowed-namespaces", "AllNamespaces", "MultiNamespace",
			"status.keySecretRef", "jsonpath='{.data.key}' | base64 -d") {
			assert.Contains(t, csv.Spec.Description, want, "the description mentions %q", want)
		}
	})

	t.Run("related images cover every image", func(t *testing.T) {
		var related []string
		for _, r := range csv.Spec.RelatedImages {
			assert.NotEmpty(t, r.Name, "related image %s has a name", r.Image)
			related = append(related, r.Image)
		}
		for _, c := range append(dep.Template.Spec.Containers, dep.Template.Spec.InitContainers...) {
			assert.Contains(t, related, c.Image, "container %s's image is mirrored for disconnected clusters", c.Name)
		}
	})
}

func TestIcon(t *testing.T) {
	csv := loadCSV(t)
	require.Len(t, csv.Spec.Icon, 1)
	icon := csv.Spec.Icon[0]
	assert.Equal(t, "image/svg+xml", icon.MediaType)

	data, err := base64.StdEncoding.DecodeString(icon.Data)
	require.NoError(t, err, "the icon is base64")
	assert.Equal(t, string(readFile(t, "config", "manifests", "icon.svg")), string(data),
		"the icon is config/manifests/icon.svg")

	var root struct{ XMLName xml.Name }
	require.NoError(t, xml.Unmarshal(data, &root), "the icon is well-formed XML")
	assert.Equal(t, "svg", root.XMLName.Local)
	assert.Equal(t, "http://www.w3.org/2000/svg", root.XMLName.Space)
}

func TestInstallModes(t *testing.T) {
	csv := loadCSV(t)
	got := map[operatorsv1alpha1.InstallModeType]bool{}
	for _, m := range csv.Spec.InstallModes {
		got[m.Type] = m.Supported
	}
	// The manager watches the namespaces in WATCH_NAMESPACE (comma-separated, empty for all), which
	// OLM fills from the OperatorGroup's target namespaces: every mode is honoured.
	assert.Equal(t, map[operatorsv1alpha1.InstallModeType]bool{
		operatorsv1alpha1.InstallModeTypeOwnNamespace:    true,
		operatorsv1alpha1.InstallModeTypeSingleNamespace: true,
		operatorsv1alpha1.InstallModeTypeMultiNamespace:  true,
		operatorsv1alpha1.InstallModeTypeAllNamespaces:   true,
	}, got)

	manager := csvDeployment(t, csv).Template.Spec.Containers[0]
	i := slices.IndexFunc(manager.Env, func(e corev1.EnvVar) bool { return e.Name == "WATCH_NAMESPACE" })
	require.GreaterOrEqual(t, i, 0, "the manager gets WATCH_NAMESPACE")
	env := manager.Env[i]
	require.NotNil(t, env.ValueFrom)
	require.NotNil(t, env.ValueFrom.FieldRef)
	assert.Equal(t, "metadata.annotations['olm.targetNamespaces']", env.ValueFrom.FieldRef.FieldPath)
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func statusDescriptor(desc operatorsv1alpha1.CRDDescription, path string) *operatorsv1alpha1.StatusDescriptor {
	for i := range desc.StatusDescriptors {
		if desc.StatusDescriptors[i].Path == path {
			return &desc.StatusDescriptors[i]
		}
	}
	return nil
}

// schemaHasPath reports whether a descriptor path such as "connectionRef.secretRef.name" names a
// field of the schema, looking through arrays into their items.
func schemaHasPath(schema apiextensionsv1.JSONSchemaProps, path string) bool {
	for _, field := range strings.Split(path, ".") {
		for schema.Type == "array" && schema.Items != nil && schema.Items.Schema != nil {
			schema = *schema.Items.Schema
		}
		next, ok := schema.Properties[field]
		if !ok {
			return false
		}
		schema = next
	}
	return true
}

// imagesPinnedByDigest reports whether every image of the CSV (its containers and relatedImages)
// is referenced by digest, which a disconnected cluster's mirror needs.
func imagesPinnedByDigest(csv *operatorsv1alpha1.ClusterServiceVersion) bool {
	var images []string
	for _, r := range csv.Spec.RelatedImages {
		images = append(images, r.Image)
	}
	for _, d := range csv.Spec.InstallStrategy.StrategySpec.DeploymentSpecs {
		for _, c := range append(d.Spec.Template.Spec.Containers, d.Spec.Template.Spec.InitContainers...) {
			images = append(images, c.Image)
		}
	}
	return len(images) > 0 && !slices.ContainsFunc(images, func(image string) bool { return !strings.Contains(image, "@sha256:") })
}

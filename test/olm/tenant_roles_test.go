package olm

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// TestTenantRolesNeverGrantStatus: the roles a tenant team gets on the four kinds (aggregated into
// admin, edit and view) grant the resources only: status is the operator's. The bundle carries no
// aggregated role of its own (OLM generates them from the CSV, on the resources only), and
// config/rbac's, for make deploy, cover every kind and nothing else.
func TestTenantRolesNeverGrantStatus(t *testing.T) {
	aggregated := func(role *rbacv1.ClusterRole) bool {
		for k := range role.Labels {
			if strings.HasPrefix(k, "rbac.authorization.k8s.io/aggregate-to-") {
				return true
			}
		}
		return false
	}
	var roles []*rbacv1.ClusterRole
	for _, doc := range yamlDocuments(t, readFile(t, "config", "rbac", "tenant_roles.yaml")) {
		role := &rbacv1.ClusterRole{}
		require.NoError(t, yaml.UnmarshalStrict(doc, role))
		roles = append(roles, role)
	}
	require.Len(t, roles, 2, "an editor and a viewer")
	for _, role := range roles {
		assert.True(t, aggregated(role), "%s is aggregated into the built-in roles", role.Name)
		for _, rule := range role.Rules {
			assert.Equal(t, []string{apiGroup}, rule.APIGroups, role.Name)
			assert.ElementsMatch(t, []string{"virtualkeys", "users", "teams", "teammemberassociations"}, rule.Resources,
				"%s: the four kinds, no subresource (no */status)", role.Name)
		}
	}

	entries, err := os.ReadDir(repoPath("bundle", "manifests"))
	require.NoError(t, err)
	for _, entry := range entries {
		name := entry.Name()
		for _, doc := range yamlDocuments(t, readFile(t, "bundle", "manifests", name)) {
			var meta struct{ Kind string }
			require.NoError(t, yaml.Unmarshal(doc, &meta))
			if meta.Kind != "ClusterRole" {
				continue
			}
			role := &rbacv1.ClusterRole{}
			require.NoError(t, yaml.Unmarshal(doc, role))
			assert.False(t, aggregated(role), "%s: OLM makes the bundle's aggregated roles itself", name)
		}
	}
}

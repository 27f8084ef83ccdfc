package api

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/discovery"

	authv1alpha1 "github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// openShiftNames are resource names and short names an OpenShift 4 cluster serves (user.openshift.io,
// project, route, build, image, apps, security, config, operator and machine APIs). Our short
// names must not shadow any of them, nor a Kubernetes one.
var openShiftNames = []string{
	"users", "user", "groups", "group", "identities", "identity", "useridentitymappings",
	"projects", "project", "projectrequests", "routes", "route", "builds", "build", "bc", "buildconfigs",
	"dc", "deploymentconfigs", "is", "imagestreams", "istag", "imagestreamtags", "isimage",
	"imagestreamimages", "isimports", "templates", "oauthclients", "scc", "securitycontextconstraints",
	"co", "clusteroperators", "clusterversions", "mcp", "machineconfigpools", "mc", "machineconfigs",
	"ma", "machines", "ms", "machinesets", "csv", "clusterserviceversions", "sub", "subscriptions",
	"ip", "installplans", "og", "operatorgroups", "catsrc", "catalogsources",
}

// TestShortNamesDoNotCollide lists what the API server serves and checks that our short names
// reach only our kinds.
func TestShortNamesDoNotCollide(t *testing.T) {
	world.Get(t)
	dc, err := discovery.NewDiscoveryClientForConfig(restCfg)
	require.NoError(t, err)
	lists, err := dc.ServerPreferredResources()
	require.NoError(t, err)

	ours := map[string]string{} // short name -> kind
	taken := map[string]string{}
	for _, l := range lists {
		for _, r := range l.APIResources {
			if l.GroupVersion == authv1alpha1.GroupVersion.String() {
				for _, s := range r.ShortNames {
					ours[s] = r.Kind
				}
				assert.Contains(t, r.Categories, "litellm", "%s is in the litellm category", r.Kind)
				continue
			}
			for _, n := range append([]string{r.Name, r.SingularName}, r.ShortNames...) {
				taken[n] = l.GroupVersion + "/" + r.Kind
			}
		}
	}
	assert.Equal(t, map[string]string{
		"vk": "VirtualKey", "llmuser": "User", "llmteam": "Team", "tma": "TeamMemberAssociation",
	}, ours)
	for s := range ours {
		assert.NotContains(t, taken, s, "short name %s is already served by Kubernetes", s)
		assert.NotContains(t, openShiftNames, s, "short name %s is used by OpenShift", s)
		assert.False(t, strings.ContainsAny(s, "._/"), s)
	}
}

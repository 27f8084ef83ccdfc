package olm

import (
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

// access is one authorization check the API server made for a client: a verb on a resource
// (namespace "" for a cluster-wide or cluster-scoped request), or on a non-resource URL.
type access struct {
	Namespace, Verb, Group, Resource, Subresource string
	Path                                          string
}

func (a access) String() string {
	if a.Path != "" {
		return a.Verb + " " + a.Path
	}
	resource := a.Resource
	if a.Subresource != "" {
		resource += "/" + a.Subresource
	}
	if a.Group != "" {
		resource += "." + a.Group
	}
	if a.Namespace == "" {
		return a.Verb + " " + resource + " (cluster-wide)"
	}
	return a.Verb + " " + resource + " in " + a.Namespace
}

// allowedBy reports whether a rule grants the access, as RBAC matches rules (namespaces aside).
func (a access) allowedBy(r rbacv1.PolicyRule) bool {
	matches := func(list []string, v string) bool { return slices.Contains(list, v) || slices.Contains(list, "*") }
	if !matches(r.Verbs, a.Verb) {
		return false
	}
	if a.Path != "" {
		return slices.ContainsFunc(r.NonResourceURLs, func(u string) bool {
			return u == a.Path || u == "*" || (u[len(u)-1] == '*' && len(a.Path) >= len(u)-1 && a.Path[:len(u)-1] == u[:len(u)-1])
		})
	}
	resource := a.Resource
	if a.Subresource != "" {
		resource += "/" + a.Subresource
	}
	return matches(r.APIGroups, a.Group) && len(r.ResourceNames) == 0 &&
		(matches(r.Resources, resource) || (a.Subresource != "" && slices.Contains(r.Resources, "*/"+a.Subresource)))
}

// authzRecorder is an authorization webhook that the API server asks before RBAC: it records every
// check made for one user and answers "no opinion", so RBAC still decides. Unlike an audit log or a
// client-side recorder, it also sees the checks that admission plugins make for a request (e.g.
// OwnerReferencesPermissionEnforcement asking for update on the owner's finalizers).
type authzRecorder struct {
	user   string
	server *httptest.Server
	mu     sync.Mutex
	seen   map[access]struct{}
}

func newAuthzRecorder(t *testing.T, user string) *authzRecorder {
	t.Helper()
	r := &authzRecorder{user: user, seen: map[access]struct{}{}}
	r.server = httptest.NewTLSServer(http.HandlerFunc(r.serveHTTP))
	t.Cleanup(r.server.Close)
	return r
}

func (r *authzRecorder) serveHTTP(w http.ResponseWriter, req *http.Request) {
	review := &authorizationv1.SubjectAccessReview{}
	if err := json.NewDecoder(req.Body).Decode(review); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if review.Spec.User == r.user {
		var a access
		if ra := review.Spec.ResourceAttributes; ra != nil {
			a = access{Namespace: ra.Namespace, Verb: ra.Verb, Group: ra.Group, Resource: ra.Resource, Subresource: ra.Subresource}
		} else if nra := review.Spec.NonResourceAttributes; nra != nil {
			a = access{Verb: nra.Verb, Path: nra.Path}
		}
		r.mu.Lock()
		r.seen[a] = struct{}{}
		r.mu.Unlock()
	}
	review.Status = authorizationv1.SubjectAccessReviewStatus{Allowed: false, Denied: false, Reason: "recorded; RBAC decides"}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(review)
}

func (r *authzRecorder) accesses() []access {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]access, 0, len(r.seen))
	for a := range r.seen {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b access) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// apiServerFlags writes the authorization configuration that puts the recorder before RBAC, for
// the user's checks only, and returns the kube-apiserver flags that use it.
func (r *authzRecorder) apiServerFlags(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.server.Certificate().Raw})
	kubeconfig := filepath.Join(dir, "recorder.kubeconfig")
	require.NoError(t, os.WriteFile(kubeconfig, fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters:
- name: recorder
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: kube-apiserver
  user: {}
contexts:
- name: recorder
  context: {cluster: recorder, user: kube-apiserver}
current-context: recorder
`, r.server.URL, base64.StdEncoding.EncodeToString(ca)), 0o600))
	config := filepath.Join(dir, "authorization.yaml")
	require.NoError(t, os.WriteFile(config, fmt.Appendf(nil, `apiVersion: apiserver.config.k8s.io/v1
kind: AuthorizationConfiguration
authorizers:
- type: Webhook
  name: recorder
  webhook:
    timeout: 5s
    subjectAccessReviewVersion: v1
    matchConditionSubjectAccessReviewVersion: v1
    failurePolicy: NoOpinion
    connectionInfo:
      type: KubeConfigFile
      kubeConfigFile: %s
    matchConditions:
    - expression: request.user == %q
- type: RBAC
  name: rbac
`, kubeconfig, r.user), 0o600))
	return map[string]string{
		"authorization-mode":   "", // replaced by the configuration file
		"authorization-config": config,
		// OpenShift enables this plugin: setting a blocking owner reference needs update on the
		// owner's finalizers, and changing owner references needs delete on the object.
		"enable-admission-plugins": "OwnerReferencesPermissionEnforcement",
		// Informers then list and watch, as they do against Kubernetes before 1.34 (OpenShift up to
		// 4.20), which the bundle supports; with streaming lists they only watch.
		"feature-gates": "WatchList=false",
	}
}

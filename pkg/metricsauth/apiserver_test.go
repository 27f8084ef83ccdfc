package metricsauth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/litellm-operator/litellm-operator/pkg/metricsauth"
	"github.com/litellm-operator/litellm-operator/test/controlplane"
	"github.com/litellm-operator/litellm-operator/test/harness/suite"
)

// TestAgainstAPIServer asks a real API server, with RBAC, as the manager does: Prometheus' service
// account holds the metrics-reader grant, another account does not.
func TestAgainstAPIServer(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a control plane")
	}
	suite.SkipWithoutControlPlane(t)
	cp, err := controlplane.Start(controlplane.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cp.Stop() })
	ctx := context.Background()
	cs, err := cp.Clientset()
	require.NoError(t, err)

	const ns = "monitoring"
	_, err = cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "metrics-reader"},
		Rules:      []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	token := func(name string, granted bool) string {
		_, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
		require.NoError(t, err)
		if granted {
			_, err = cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: name},
				Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: ns}},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "metrics-reader"},
			}, metav1.CreateOptions{})
			require.NoError(t, err)
		}
		tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name,
			&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](600)}}, metav1.CreateOptions{})
		require.NoError(t, err)
		return tr.Status.Token
	}
	prometheus, other := token("prometheus", true), token("other", false)

	cfg := cp.Config()
	httpClient, err := rest.HTTPClientFor(cfg)
	require.NoError(t, err)
	filter, err := metricsauth.Filter(cfg, httpClient)
	require.NoError(t, err)
	handler, err := filter(logr.Discard(), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	require.NoError(t, err)

	cases := []struct {
		reason, path, token string
		want                int
	}{
		{reason: "Prometheus with the grant reads the metrics", path: "/metrics", token: prometheus, want: http.StatusOK},
		{reason: "and again, from the cache", path: "/metrics", token: prometheus, want: http.StatusOK},
		{reason: "the grant is for /metrics only", path: "/debug/pprof/", token: prometheus, want: http.StatusForbidden},
		{reason: "an account without the grant", path: "/metrics", token: other, want: http.StatusForbidden},
		{reason: "a token the API server did not issue", path: "/metrics", token: "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", want: http.StatusUnauthorized},
		{reason: "no token", path: "/metrics", want: http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			assert.Equal(t, tc.want, rec.Code, rec.Body.String())
		})
	}
}

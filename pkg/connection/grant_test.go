package connection

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

func TestGrants(t *testing.T) {
	ns := func(name string, labels map[string]string) *corev1.Namespace {
		return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	}
	instance := func(name string, annotations map[string]string) *corev1.Secret {
		return secret("litellm", name+"-secrets", map[string]string{"masterkey": master, "url": "http://shared"}, annotations)
	}
	reader := fake.NewClientBuilder().WithObjects(
		ns("team-a", map[string]string{"tenant": "gold"}), ns("team-b", map[string]string{"tenant": "bronze"}), ns("litellm", nil),
		instance("by-name", map[string]string{v1alpha1.AnnotationAllowedNamespaces: "team-a"}),
		instance("by-label", map[string]string{v1alpha1.AnnotationAllowedNamespaceSelector: "tenant in (gold, silver)"}),
		instance("empty-selector", map[string]string{v1alpha1.AnnotationAllowedNamespaceSelector: " "}),
		instance("bad-selector", map[string]string{v1alpha1.AnnotationAllowedNamespaceSelector: "tenant in (("}),
		instance("with-policy", map[string]string{v1alpha1.AnnotationAllowedNamespaces: "*",
			v1alpha1.AnnotationGrantPolicy: "userRoles: [proxy_admin]\nmaxBudget: 25\nmodels: [gpt-4o]"}),
		instance("bad-policy", map[string]string{v1alpha1.AnnotationAllowedNamespaces: "*", v1alpha1.AnnotationGrantPolicy: "maxBudgets: 25"}),
		secret("team-a", "own-secrets", map[string]string{"masterkey": master}, nil),
		heldSecret("team-a", "conn"),
	).Build()
	r := NewResolver(reader, DefaultInstanceConvention(), 0)
	ref := func(name, namespace string) v1alpha1.ConnectionRef {
		return v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{Name: name, Namespace: namespace}}
	}
	cases := []struct {
		reason      string
		namespace   string
		ref         v1alpha1.ConnectionRef
		refused     string // part of the ErrNotPermitted message; "" when granted
		fullRights  bool
		policyError bool
	}{
		{reason: "a secretRef has full rights", namespace: "team-a",
			ref: v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "conn"}}, fullRights: true},
		{reason: "an instance of the object's own namespace has full rights", namespace: "team-a", ref: ref("own", ""), fullRights: true},
		{reason: "granted by name", namespace: "team-a", ref: ref("by-name", "litellm")},
		{reason: "not in the list", namespace: "team-b", ref: ref("by-name", "litellm"), refused: "does not allow namespace team-b"},
		{reason: "granted by label", namespace: "team-a", ref: ref("by-label", "litellm")},
		{reason: "labels that do not match", namespace: "team-b", ref: ref("by-label", "litellm"), refused: v1alpha1.AnnotationAllowedNamespaceSelector},
		{reason: "an empty selector selects nothing (not everything)", namespace: "team-a", ref: ref("empty-selector", "litellm"), refused: "does not allow"},
		{reason: "an invalid selector grants nothing and says why", namespace: "team-a", ref: ref("bad-selector", "litellm"), refused: "not a valid label selector"},
		{reason: "a policy comes with the grant", namespace: "team-b", ref: ref("with-policy", "litellm")},
		{reason: "an invalid policy still connects (deletions need it) but says what is wrong", namespace: "team-b", ref: ref("bad-policy", "litellm"), policyError: true},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			conn, err := r.Resolve(context.Background(), tc.namespace, tc.ref)
			if tc.refused != "" {
				require.ErrorIs(t, err, ErrNotPermitted)
				assert.Contains(t, err.Error(), tc.refused)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.ref.SecretRef != nil, conn.OwnSecret, "only a secretRef Secret is held")
			assert.Equal(t, tc.ref.SecretRef != nil, conn.Held, "and the read says whether it is")
			if tc.fullRights {
				assert.Nil(t, conn.Grant)
				return
			}
			require.NotNil(t, conn.Grant)
			assert.Equal(t, "litellm/"+tc.ref.InstanceRef.Name, conn.Grant.Instance)
			if tc.policyError {
				require.Error(t, conn.Grant.PolicyError)
				assert.Contains(t, conn.Grant.PolicyError.Error(), `unknown field "maxBudgets"`)
				assert.Contains(t, conn.Grant.PolicyError.Error(), v1alpha1.AnnotationGrantPolicy)
				return
			}
			require.NoError(t, conn.Grant.PolicyError)
		})
	}
	conn, err := r.Resolve(context.Background(), "team-b", ref("with-policy", "litellm"))
	require.NoError(t, err)
	p := conn.Grant.Policy
	assert.True(t, p.AllowsUserRole("proxy_admin"))
	assert.False(t, p.AllowsUserRole("internal_user"), "a list replaces the default")
	assert.Equal(t, Amount(25), *p.MaxBudget)
	assert.Equal(t, []string{"o1"}, p.ModelsOutside([]string{"gpt-4o", "o1", "o1"}))
}

func heldSecret(ns, name string) *corev1.Secret {
	s := secret(ns, name, map[string]string{"masterKey": master, "url": "http://own"}, nil)
	s.Finalizers = []string{v1alpha1.FinalizerConnectionInUse}
	return s
}

func TestParsePolicy(t *testing.T) {
	cases := []struct {
		reason string
		text   string
		err    string
		check  func(*testing.T, Policy)
	}{
		{reason: "empty: the safe defaults", text: "", check: func(t *testing.T, p Policy) {
			assert.True(t, p.AllowsUserRole(""))
			assert.True(t, p.AllowsUserRole("internal_user"))
			assert.True(t, p.AllowsUserRole("internal_user_viewer"))
			assert.False(t, p.AllowsUserRole("proxy_admin"))
			assert.False(t, p.AllowsUserRole("proxy_admin_viewer"))
			assert.Nil(t, p.MaxBudget)
			assert.Nil(t, p.ModelsOutside([]string{"anything"}), "no allow-list")
			assert.False(t, p.AdoptUnstamped)
			assert.False(t, p.ManagementRoutes)
		}},
		{reason: "JSON works as well as YAML", text: `{"teams":["t1"],"users":["u1"],"maxBudget":"10.5"}`, check: func(t *testing.T, p Policy) {
			assert.True(t, p.ListsTeam("t1"))
			assert.False(t, p.ListsTeam("u1"))
			assert.True(t, p.ListsUser("u1"))
			assert.Equal(t, Amount(10.5), *p.MaxBudget)
		}},
		{reason: "an empty role list allows only LiteLLM's default role", text: "userRoles: []", check: func(t *testing.T, p Policy) {
			assert.True(t, p.AllowsUserRole(""))
			assert.False(t, p.AllowsUserRole("internal_user"))
		}},
		{reason: "unknown fields are refused", text: "adoptUnstampd: true", err: `unknown field "adoptUnstampd"`},
		{reason: "unknown roles are refused", text: "userRoles: [root]", err: `unknown role "root"`},
		{reason: "a negative budget is refused", text: "maxBudget: -1", err: "not a non-negative decimal"},
		{reason: "a budget that is not a number is refused", text: "maxBudget: lots", err: "not a non-negative decimal"},
		{reason: "empty entries are refused", text: `models: [""]`, err: "models: an empty entry"},
		{reason: "not YAML", text: "{", err: "yaml"},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			p, err := ParsePolicy(tc.text)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			tc.check(t, p)
		})
	}
}

func TestManagementRoutes(t *testing.T) {
	cases := []struct {
		route      string
		management bool
		reason     string
	}{
		{"/chat/completions", false, "an LLM route"},
		{"/v1/chat/completions", false, "an LLM route with the OpenAI prefix"},
		{"/embeddings", false, "an LLM route"},
		{"/models", false, "the model list is not /model/..."},
		{"llm_api_routes", false, "LiteLLM's group of LLM routes"},
		{"/key/generate", true, "key management"},
		{"key/generate", true, "without the leading slash"},
		{"/KEY/GENERATE", true, "in capitals"},
		{"/user/new", true, "user management"},
		{"/team/member_add", true, "team management"},
		{"/model/new", true, "model management"},
		{"/v2/key/info", true, "a v2 management route"},
		{"/spend/logs", true, "spend of the whole proxy"},
		{"management_routes", true, "LiteLLM's group of management routes"},
		{"admin_only_routes", true, "another route group"},
		{"/*", true, "a wildcard reaches everything"},
		{"/key/*", true, "a wildcard"},
	}
	for _, tc := range cases {
		t.Run(tc.reason+" "+tc.route, func(t *testing.T) {
			assert.Equal(t, tc.management, len(ManagementRoutesIn([]string{tc.route})) > 0)
		})
	}
}

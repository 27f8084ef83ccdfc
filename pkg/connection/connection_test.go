package connection

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

const master = "sk-master-0123456789"

func secret(ns, name string, data map[string]string, annotations map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: annotations}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func TestResolve(t *testing.T) {
	objects := []client.Object{
		secret("team-a", "conn", map[string]string{"masterKey": master, "url": "http://proxy-a"}, nil),
		secret("team-a", "legacy", map[string]string{"masterkey": master, "url": "http://proxy-legacy"}, nil),
		secret("team-a", "custom", map[string]string{"token": master, "endpoint": "http://proxy-custom"}, nil),
		secret("team-a", "no-url", map[string]string{"masterKey": master}, nil),
		secret("team-a", "example-secrets", map[string]string{"masterkey": master}, nil),
		secret("litellm", "shared-secrets", map[string]string{"masterkey": master, "url": "http://shared"},
			map[string]string{v1alpha1.AnnotationAllowedNamespaces: "team-b, team-a"}),
		secret("litellm", "open-secrets", map[string]string{"masterkey": master}, map[string]string{v1alpha1.AnnotationAllowedNamespaces: "*"}),
		secret("litellm", "private-secrets", map[string]string{"masterkey": master}, nil),
	}
	reader := fake.NewClientBuilder().WithObjects(objects...).Build()
	r := NewResolver(reader, DefaultInstanceConvention(), 0)

	cases := []struct {
		reason  string
		ref     v1alpha1.ConnectionRef
		wantURL string
		wantErr error
		msg     string
	}{
		{reason: "secretRef with default data keys",
			ref: v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "conn"}}, wantURL: "http://proxy-a"},
		{reason: "the other operator's lowercase masterkey is accepted",
			ref: v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "legacy"}}, wantURL: "http://proxy-legacy"},
		{reason: "custom data keys",
			ref: v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "custom",
				Keys: &v1alpha1.SecretKeys{MasterKey: "token", URL: "endpoint"}}}, wantURL: "http://proxy-custom"},
		{reason: "missing Secret",
			ref: v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "absent"}}, wantErr: ErrSecretNotFound, msg: "team-a/absent"},
		{reason: "Secret without URL names the data key",
			ref: v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "no-url"}}, wantErr: ErrIncomplete, msg: `"url"`},
		{reason: "custom key absent names it",
			ref:     v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "conn", Keys: &v1alpha1.SecretKeys{MasterKey: "nope"}}},
			wantErr: ErrIncomplete, msg: `"nope"`},
		{reason: "instanceRef in the same namespace uses the service convention",
			ref: v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{Name: "example"}}, wantURL: "http://example-service.team-a.svc"},
		{reason: "cross-namespace instanceRef with a grant listing the namespace",
			ref: v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{Name: "shared", Namespace: "litellm"}}, wantURL: "http://shared"},
		{reason: "cross-namespace instanceRef with a wildcard grant",
			ref: v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{Name: "open", Namespace: "litellm"}}, wantURL: "http://open-service.litellm.svc"},
		{reason: "cross-namespace instanceRef without a grant is refused",
			ref:     v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{Name: "private", Namespace: "litellm"}},
			wantErr: ErrNotPermitted, msg: v1alpha1.AnnotationAllowedNamespaces},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			conn, err := r.Resolve(context.Background(), "team-a", tc.ref)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				assert.Contains(t, err.Error(), tc.msg)
				assert.NotContains(t, err.Error(), master, "errors never carry the master key")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantURL, conn.URL)
			assert.Equal(t, master, conn.MasterKey)
			assert.NotContains(t, conn.String(), master)
		})
	}
}

// TestResolveEnterprise: the connection Secret's "enterprise" data key declares a licensed proxy;
// anything but a true value leaves the proxy taken as free (the safe reading).
func TestResolveEnterprise(t *testing.T) {
	cases := []struct {
		reason, value string
		ref           v1alpha1.ConnectionRef
		want          bool
	}{
		{reason: "absent: a free proxy", ref: v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "conn"}}},
		{reason: "declared licensed", value: "true", ref: v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "conn"}}, want: true},
		{reason: "spaces are trimmed", value: " True\n", ref: v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "conn"}}, want: true},
		{reason: "declared free", value: "false", ref: v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "conn"}}},
		{reason: "unreadable: taken as free", value: "yes please", ref: v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "conn"}}},
		{reason: "an instance Secret declares it the same way", value: "true",
			ref: v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{Name: "example"}}, want: true},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			data := map[string]string{"masterKey": master, "masterkey": master, "url": "http://proxy"}
			if tc.value != "" {
				data[EnterpriseDataKey] = tc.value
			}
			reader := fake.NewClientBuilder().WithObjects(secret("team-a", "conn", data, nil), secret("team-a", "example-secrets", data, nil)).Build()
			conn, err := NewResolver(reader, DefaultInstanceConvention(), 0).Resolve(context.Background(), "team-a", tc.ref)
			require.NoError(t, err)
			assert.Equal(t, tc.want, conn.Enterprise, tc.reason)
		})
	}
}

func TestResolveCachesBrieflyAndForgets(t *testing.T) {
	reader := fake.NewClientBuilder().WithObjects(
		secret("ns", "conn", map[string]string{"masterKey": "sk-old", "url": "http://p"}, nil)).Build()
	clock := clocktesting.NewFakeClock(time.Unix(1000, 0))
	r := newResolver(reader, DefaultInstanceConvention(), 5*time.Second, clock)
	ref := v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "conn"}}

	conn, err := r.Resolve(context.Background(), "ns", ref)
	require.NoError(t, err)
	require.Equal(t, "sk-old", conn.MasterKey)

	rotated := &corev1.Secret{}
	require.NoError(t, reader.Get(context.Background(), types.NamespacedName{Namespace: "ns", Name: "conn"}, rotated))
	rotated.Data["masterKey"] = []byte("sk-new")
	require.NoError(t, reader.Update(context.Background(), rotated))

	conn, _ = r.Resolve(context.Background(), "ns", ref)
	assert.Equal(t, "sk-old", conn.MasterKey, "within the TTL the cached Secret is used")

	r.Forget(conn.Secret)
	conn, _ = r.Resolve(context.Background(), "ns", ref)
	assert.Equal(t, "sk-new", conn.MasterKey, "after a 401 the Secret is read again")

	rotated.Data["masterKey"] = []byte("sk-newer")
	require.NoError(t, reader.Update(context.Background(), rotated))
	clock.Step(10 * time.Second)
	conn, _ = r.Resolve(context.Background(), "ns", ref)
	assert.Equal(t, "sk-newer", conn.MasterKey, "after the TTL the Secret is read again")
}

func TestResolverEvictsExpiredSecrets(t *testing.T) {
	var objects []client.Object
	for _, ns := range []string{"a", "b", "c"} {
		objects = append(objects, secret(ns, "conn", map[string]string{"masterKey": master, "url": "http://p"}, nil))
	}
	reader := fake.NewClientBuilder().WithObjects(objects...).Build()
	clock := clocktesting.NewFakeClock(time.Unix(1000, 0))
	r := newResolver(reader, DefaultInstanceConvention(), 5*time.Second, clock)
	ref := v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "conn"}}
	for _, ns := range []string{"a", "b"} {
		_, err := r.Resolve(context.Background(), ns, ref)
		require.NoError(t, err)
	}
	require.Equal(t, 2, r.cached.Len())

	clock.Step(10 * time.Second)
	_, err := r.Resolve(context.Background(), "c", ref)
	require.NoError(t, err)
	assert.Equal(t, 1, r.cached.Len(), "the expired Secrets of namespaces a and b are evicted, not kept forever")
}

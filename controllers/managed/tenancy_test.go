package managed

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// instanceSecret is an instance Secret in another namespace granting the harness's namespace.
func instanceSecret(url string, annotations map[string]string) client.Object {
	all := map[string]string{v1alpha1.AnnotationAllowedNamespaces: testNS}
	for k, v := range annotations {
		all[k] = v
	}
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "litellm", Name: "shared-secrets", Annotations: all},
		Data:       map[string][]byte{"masterkey": []byte("sk-master-0123456789"), "url": []byte(url)},
	}
}

func onInstance(team *v1alpha1.Team) {
	team.Spec.ConnectionRef = v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{Name: "shared", Namespace: "litellm"}}
}

func TestGrants(t *testing.T) {
	runCases(t, []loopCase{
		{name: "own secretRef", reason: "full rights: the connector gets no grant",
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				assert.Nil(t, h.connector.proxy.Grant)
			}},
		{name: "granted", reason: "the connector gets the grant and its policy, to check the spec against",
			opts: []option{withTeam(onInstance), withObjects(instanceSecret("http://127.0.0.1:1",
				map[string]string{v1alpha1.AnnotationGrantPolicy: "maxBudget: 5"}))},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err)
				require.NotNil(t, h.connector.proxy.Grant)
				assert.Equal(t, "litellm/shared", h.connector.proxy.Grant.Instance)
				assert.InDelta(t, 5, float64(*h.connector.proxy.Grant.Policy.MaxBudget), 0)
			}},
		{name: "invalid policy", reason: "no check, no observation, no write, no finalizer: NotPermitted says what is wrong",
			opts: []option{withTeam(onInstance), withObjects(instanceSecret("http://127.0.0.1:1",
				map[string]string{v1alpha1.AnnotationGrantPolicy: "maxBudget: [1]"}))},
			check: func(t *testing.T, h *harness, _ ctrl.Result, err error) {
				require.NoError(t, err, "terminal: looked at again at the next resync")
				assert.Empty(t, h.ext.calls)
				team := h.team()
				assert.False(t, hasFinalizer(team, v1alpha1.FinalizerName))
				synced := condition(team, v1alpha1.ConditionTypeSynced)
				assert.Equal(t, v1alpha1.ReasonNotPermitted, synced.Reason)
				assert.Contains(t, synced.Message, v1alpha1.AnnotationGrantPolicy)
			}},
	})
}

func TestChangedByNamesTheObject(t *testing.T) {
	p := newProxy(t)
	h := newHarness(t, withURL(p.srv.URL))
	h.ext.create = callProxy()
	_, err := h.reconcile()
	require.NoError(t, err)
	p.mu.Lock()
	defer p.mu.Unlock()
	assert.Equal(t, []string{"litellm-operator:" + testNS + "/Team/" + testName}, p.changedBy)
}

// fakeHold records what the loop asks of a ConnectionHold.
type fakeHold struct {
	mu         sync.Mutex
	holds      []types.NamespacedName
	releases   []types.NamespacedName
	releaseErr error
}

func (f *fakeHold) Hold(_ context.Context, secret types.NamespacedName) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.holds = append(f.holds, secret)
	return nil
}

func (f *fakeHold) Release(_ context.Context, _ client.Object, secret types.NamespacedName) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.releases = append(f.releases, secret)
	return f.releaseErr
}

func TestConnectionHold(t *testing.T) {
	secret := types.NamespacedName{Namespace: testNS, Name: "litellm"}
	t.Run("held before the first write", func(t *testing.T) {
		hold := &fakeHold{}
		h := newHarness(t, withHold(hold))
		_, err := h.reconcile()
		require.NoError(t, err)
		assert.Equal(t, []types.NamespacedName{secret}, hold.holds)
	})
	t.Run("not held by an object refused before any write", func(t *testing.T) {
		hold := &fakeHold{}
		h := newHarness(t, withHold(hold))
		h.ext.check = func() error { return Terminal(v1alpha1.ReasonNotPermitted, errors.New("no")) }
		_, err := h.reconcile()
		require.NoError(t, err)
		assert.Empty(t, hold.holds)
	})
	t.Run("an instance Secret is not held", func(t *testing.T) {
		hold := &fakeHold{}
		h := newHarness(t, withHold(hold), withTeam(onInstance), withObjects(instanceSecret("http://127.0.0.1:1", nil)))
		_, err := h.reconcile()
		require.NoError(t, err)
		assert.Empty(t, hold.holds)
	})
	t.Run("a Secret already held is not written again", func(t *testing.T) {
		hold := &fakeHold{}
		h := newHarness(t, withHold(hold), withoutSecret(), withObjects(&corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: "litellm", Finalizers: []string{v1alpha1.FinalizerConnectionInUse}},
			Data:       map[string][]byte{"masterKey": []byte("sk-master-0123456789"), "url": []byte("http://127.0.0.1:1")},
		}))
		_, err := h.reconcile()
		require.NoError(t, err)
		assert.Empty(t, hold.holds)
	})
	t.Run("released before the finalizer goes; a failed release keeps it", func(t *testing.T) {
		hold := &fakeHold{releaseErr: errors.New("API server unavailable")}
		h := newHarness(t, withHold(hold))
		h.ext.observe = exists(true)
		_, err := h.reconcile()
		require.NoError(t, err)
		h.markDeleted()
		h.ext.observe = func(int) (Observation, error) { return Observation{}, nil }
		_, err = h.reconcile()
		require.Error(t, err, "retried")
		assert.True(t, hasFinalizer(h.team(), v1alpha1.FinalizerName), "the object stays until the Secret is released")
		hold.releaseErr = nil
		_, err = h.reconcile()
		require.NoError(t, err)
		assert.Nil(t, h.team(), "gone")
		assert.Equal(t, []types.NamespacedName{secret, secret}, hold.releases)
	})
}

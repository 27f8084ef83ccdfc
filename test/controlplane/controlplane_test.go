package controlplane

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// TestGarbageCollection proves the local control plane deletes owned objects like a real cluster:
// the operator relies on that for key Secrets and the child VirtualKeys of Users.
func TestGarbageCollection(t *testing.T) {
	skipWithoutBinaries(t)
	cp, err := Start(Options{GarbageCollection: true})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, cp.Stop()) })

	cs, err := cp.Clientset()
	require.NoError(t, err)
	ctx := context.Background()

	owner, err := cs.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "owner"},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = cs.CoreV1().Secrets("default").Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "owned", OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID, Controller: ptr.To(true),
		}}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)

	require.NoError(t, cs.CoreV1().ConfigMaps("default").Delete(ctx, owner.Name, metav1.DeleteOptions{}))
	assert.Eventually(t, func() bool {
		_, err := cs.CoreV1().Secrets("default").Get(ctx, "owned", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	}, 60*time.Second, 200*time.Millisecond, "the owned Secret should be garbage-collected")
}

// TestStopEndsEveryProcess checks that no etcd, kube-apiserver or kube-controller-manager outlives Stop.
func TestStopEndsEveryProcess(t *testing.T) {
	skipWithoutBinaries(t)
	cp, err := Start(Options{GarbageCollection: true})
	require.NoError(t, err)
	require.Len(t, cp.processes, 3)
	pids := make([]int, 0, len(cp.processes))
	for _, p := range cp.processes {
		pids = append(pids, p.Pid())
	}
	dir := cp.Dir()

	require.NoError(t, cp.Stop())
	require.NoError(t, cp.Stop(), "Stop is idempotent")
	for _, pid := range pids {
		// Signal 0 only checks existence; the children were reaped by Stop, so ESRCH is expected.
		assert.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "process %d still exists", pid)
	}
	assert.NoDirExists(t, dir)
}

func TestStartFailsClearlyWithoutBinaries(t *testing.T) {
	_, err := Start(Options{BinDir: t.TempDir()})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "make controlplane")
}

func skipWithoutBinaries(t *testing.T) {
	if reason := Unavailable(); reason != "" {
		t.Skip(reason)
	}
}

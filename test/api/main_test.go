// Package api tests the CRDs as the API server serves them: validation, immutability, defaults,
// the samples and the guide's examples, and that the schema still carries every field of the API
// we implement.
package api

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	authv1alpha1 "github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/test/controlplane"
	"github.com/litellm-operator/litellm-operator/test/harness/suite"
)

var (
	// repoRoot is the repository's top folder, found from this file's location so the tests do not
	// depend on the working directory.
	repoRoot = func() string {
		_, file, _, _ := runtime.Caller(0)
		return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
	}()

	scheme  = k8sruntime.NewScheme()
	k8s     client.Client
	restCfg *rest.Config
)

// world is the control plane with our CRDs, started by the first test that needs it.
var world = suite.New(func() (struct{}, func() error, error) {
	cp, err := controlplane.Start(controlplane.Options{CRDDirectoryPaths: []string{filepath.Join(repoRoot, "config", "crd", "bases")}})
	if err != nil {
		return struct{}{}, nil, err
	}
	restCfg = cp.Config()
	if k8s, err = client.New(restCfg, client.Options{Scheme: scheme}); err != nil {
		return struct{}{}, nil, errors.Join(err, cp.Stop())
	}
	return struct{}{}, cp.Stop, nil
})

func TestMain(m *testing.M) {
	if err := errors.Join(authv1alpha1.AddToScheme(scheme), corev1.AddToScheme(scheme)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := world.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the control plane:", err)
		code = 1
	}
	os.Exit(code)
}

// newNamespace gives each test its own namespace, so object names never collide between tests. It
// starts the control plane on first use, or skips the test when it is not built.
func newNamespace(t *testing.T) string {
	t.Helper()
	world.Get(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "api-test-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatalf("creating a namespace: %v", err)
	}
	return ns.Name
}

// assetsDir holds etcd, kube-apiserver and kubectl: $KUBEBUILDER_ASSETS, else where the Makefile
// builds them.
func assetsDir() string {
	dir, err := controlplane.ResolveBinDir("")
	if err != nil {
		return filepath.Join(repoRoot, "bin", "k8s", controlplane.KubernetesVersion+"-"+runtime.GOOS+"-"+runtime.GOARCH)
	}
	return dir
}

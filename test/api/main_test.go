// Package api tests the CRDs as the API server serves them: validation, immutability, defaults,
// the samples and the guide's examples, and that the schema still carries every field of the API
// we implement.
package api

import (
	"context"
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

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if err := authv1alpha1.AddToScheme(scheme); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := corev1.AddToScheme(scheme); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}

	cfg, stop, err := startControlPlane(filepath.Join(repoRoot, "config", "crd", "bases"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the control plane:", err)
		return 1
	}
	defer func() {
		if err := stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the control plane:", err)
		}
	}()
	restCfg = cfg

	if k8s, err = client.New(restCfg, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// newNamespace gives each test its own namespace, so object names never collide between tests.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "api-test-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatalf("creating a namespace: %v", err)
	}
	return ns.Name
}

// startControlPlane runs etcd and kube-apiserver with our CRDs installed, using the project's
// local control plane (the same binaries envtest would use).
func startControlPlane(crdDir string) (*rest.Config, func() error, error) {
	cp, err := controlplane.Start(controlplane.Options{BinDir: assetsDir(), CRDDirectoryPaths: []string{crdDir}})
	if err != nil {
		return nil, nil, err
	}
	return cp.Config(), cp.Stop, nil
}

// assetsDir holds etcd, kube-apiserver and kubectl: $KUBEBUILDER_ASSETS, else where the Makefile
// builds them.
func assetsDir() string {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir
	}
	return filepath.Join(repoRoot, "bin", "k8s", "1.37.2-"+runtime.GOOS+"-"+runtime.GOARCH)
}

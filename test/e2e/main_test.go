// Package e2e tests the operator as users run it: the manager binary as a separate process against
// a local control plane (with garbage collection) and the LiteLLM simulator binary, driven with
// bin/kubectl exactly as the user guide shows. It also runs `make demo` once.
//
// The tests share one environment, started by the first test that needs it (and skipped, saying
// why, when the control plane is not built), and run one after another; each uses its own
// namespace (the guide's objects live in "default", as in the guide).
package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/operator"
	"github.com/litellm-operator/litellm-operator/test/controlplane"
	"github.com/litellm-operator/litellm-operator/test/harness/inprocess"
	"github.com/litellm-operator/litellm-operator/test/harness/suite"
)

const (
	masterKey = "sk-e2e-master-0123456789abcdef"
	// The instance the guide's YAML refers to.
	instanceName      = "litellm-example"
	instanceNamespace = "litellm"
	// resync is short so that spend read back from LiteLLM shows up within seconds.
	resync = 3 * time.Second
)

// env is the suite's shared world.
var env struct {
	root     string // the repository
	dir      string // temporary folder: kubeconfig, logs
	cp       *controlplane.ControlPlane
	k8s      client.Client
	sim      *simulator
	operator *operatorProcess
	// gcReady yields once the garbage collector deletes objects owned by a VirtualKey.
	gcReady chan error
	gcOnce  sync.Once
	gcErr   error
	// keepLogs keeps dir when a test failed.
	keepLogs bool
}

var world = suite.New(startWorld)

func TestMain(m *testing.M) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	env.root = root
	code := m.Run()
	env.keepLogs = code != 0
	if err := world.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the e2e environment:", err)
		code = 1
	}
	os.Exit(code)
}

// requireEnv starts the shared environment on first use, or skips t without a control plane.
func requireEnv(t *testing.T) {
	t.Helper()
	world.Get(t)
}

// startWorld builds the binaries under test and starts the control plane, the simulator and the
// operator. Logs stay in env.dir when something failed.
func startWorld() (_ struct{}, stop func() error, err error) {
	if env.dir, err = os.MkdirTemp("", "litellm-e2e-"); err != nil {
		return struct{}{}, nil, err
	}
	var stops []func() error
	stopAll := func() error {
		var errs []error
		for i := len(stops) - 1; i >= 0; i-- {
			errs = append(errs, stops[i]())
		}
		if err := errors.Join(errs...); err != nil || env.keepLogs {
			fmt.Fprintln(os.Stderr, "e2e logs kept in", env.dir)
			return err
		}
		return os.RemoveAll(env.dir)
	}
	defer func() {
		if err != nil {
			env.keepLogs = true
			_ = stopAll()
		}
	}()

	// The binaries under test, as `make build` makes them.
	for _, b := range []struct{ out, pkg string }{{"manager", "./cmd/manager"}, {"litellm-sim", "./cmd/litellm-sim"}} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(env.root, "bin", b.out), b.pkg) //nolint:gosec // fixed arguments
		cmd.Dir = env.root
		if out, err := cmd.CombinedOutput(); err != nil {
			return struct{}{}, nil, fmt.Errorf("building %s: %w\n%s", b.pkg, err, out)
		}
	}

	cpDir := filepath.Join(env.dir, "controlplane")
	if err := os.MkdirAll(cpDir, 0o750); err != nil {
		return struct{}{}, nil, err
	}
	if env.cp, err = controlplane.Start(controlplane.Options{
		Dir:               cpDir,
		GarbageCollection: true,
		CRDDirectoryPaths: []string{filepath.Join(env.root, "config", "crd", "bases")},
	}); err != nil {
		return struct{}{}, nil, err
	}
	stops = append(stops, env.cp.Stop)
	if env.k8s, err = client.New(env.cp.Config(), client.Options{Scheme: operator.NewScheme(v1alpha1.AddToScheme)}); err != nil {
		return struct{}{}, nil, err
	}

	if env.sim, err = startSimulator(filepath.Join(env.dir, "litellm-sim.log")); err != nil {
		return struct{}{}, nil, err
	}
	stops = append(stops, func() error { return env.sim.proc.Stop(15 * time.Second) })

	if err := createInstance(); err != nil {
		return struct{}{}, nil, err
	}
	if env.operator, err = startOperator(); err != nil {
		return struct{}{}, nil, err
	}
	// The operator is restarted by some tests: stop whichever runs at the end.
	stops = append(stops, func() error { env.operator.stop(); return nil })
	env.gcReady = make(chan error, 1)
	go func() { env.gcReady <- waitForGarbageCollector() }()
	return struct{}{}, stopAll, nil
}

// createInstance sets up the instance the guide's YAML names, by the documented convention: the
// Secret litellm-example-secrets in namespace litellm, with the master key, the simulator's URL,
// and a grant for every namespace.
func createInstance() error {
	ctx := context.Background()
	if err := env.k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: instanceNamespace}}); err != nil {
		return err
	}
	return env.k8s.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: instanceNamespace, Name: instanceName + "-secrets",
			Annotations: map[string]string{v1alpha1.AnnotationAllowedNamespaces: "*"},
		},
		StringData: map[string]string{"masterkey": masterKey, "url": env.sim.url},
	})
}

// waitForGarbageCollector returns once kube-controller-manager's garbage collector deletes an
// object owned by a VirtualKey: it discovers newly installed CRDs some seconds after they are served.
func waitForGarbageCollector() error {
	ctx := context.Background()
	probe := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "gc-probe"}}
	if err := env.k8s.Create(ctx, probe); err != nil {
		return err
	}
	if err := inprocess.WaitForGarbageCollector(env.k8s, probe.Name); err != nil {
		return err
	}
	return env.k8s.Delete(ctx, probe)
}

// requireGarbageCollector waits until the garbage collector handles VirtualKeys' dependents.
func requireGarbageCollector(t *testing.T) {
	t.Helper()
	env.gcOnce.Do(func() { env.gcErr = <-env.gcReady })
	require.NoError(t, env.gcErr)
}

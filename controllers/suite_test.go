package controllers_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers"
	"github.com/litellm-operator/litellm-operator/pkg/connection"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
	"github.com/litellm-operator/litellm-operator/pkg/operator"
	"github.com/litellm-operator/litellm-operator/test/controlplane"
)

const (
	masterKey    = "sk-master-test-0123456789abcdef"
	resyncPeriod = 2 * time.Second
)

// env is the suite's shared world: one control plane (with garbage collection), one simulator and
// one operator, started once in TestMain. Tests run one after another, each in its own namespace.
var env struct {
	cp          *controlplane.ControlPlane
	k8s         client.Client
	sim         *litellmsim.Simulator
	writes      *writeCounter
	conflicts   *conflictInjector
	logs        *syncBuffer
	stopManager context.CancelFunc
	managerDone chan error
}

func TestMain(m *testing.M) {
	code, err := runSuite(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "suite setup failed:", err)
		code = 1
	}
	os.Exit(code)
}

func runSuite(m *testing.M) (int, error) {
	cp, err := controlplane.Start(controlplane.Options{
		GarbageCollection: true,
		CRDDirectoryPaths: []string{filepath.Join("..", "config", "crd", "bases")},
	})
	if err != nil {
		return 1, err
	}
	defer func() { _ = cp.Stop() }()
	env.cp = cp

	sim, err := litellmsim.New(litellmsim.Options{MasterKey: masterKey})
	if err != nil {
		return 1, err
	}
	if _, err := sim.Start("127.0.0.1:0"); err != nil {
		return 1, err
	}
	defer func() { _ = sim.Close() }()
	env.sim = sim

	scheme := operator.NewScheme(v1alpha1.AddToScheme)
	env.k8s, err = client.New(cp.Config(), client.Options{Scheme: scheme})
	if err != nil {
		return 1, err
	}

	if err := waitForGarbageCollector(); err != nil {
		return 1, err
	}
	stop, done, err := startOperator(scheme)
	if err != nil {
		return 1, err
	}
	env.stopManager, env.managerDone = stop, done
	code := m.Run()
	stop()
	if err := <-done; err != nil {
		return 1, fmt.Errorf("manager: %w", err)
	}
	return code, nil
}

// startOperator runs the manager with every controller, counting its writes to the API server and
// capturing its logs (scanned for secrets at the end).
func startOperator(scheme *runtime.Scheme) (context.CancelFunc, chan error, error) {
	env.writes = &writeCounter{}
	env.logs = &syncBuffer{}
	cfg := env.cp.Config()
	env.conflicts = &conflictInjector{}
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { return env.conflicts.wrap(env.writes.wrap(rt)) }
	ctrl.SetLogger(funcr.New(func(prefix, args string) { env.logs.WriteLine(prefix + " " + args) }, funcr.Options{Verbosity: 1}))

	opts := operator.DefaultOptions()
	opts.MetricsBindAddress = "0"
	opts.HealthProbeBindAddress = "0"
	opts.ResyncPeriod = resyncPeriod
	mgr, err := operator.NewManager(cfg, scheme, opts)
	if err != nil {
		return nil, nil, err
	}
	if err := controllers.Setup(mgr, controllers.Options{
		ResyncPeriod:            resyncPeriod,
		MaxConcurrentReconciles: 4,
		LiteLLMTimeout:          5 * time.Second,
		Instance:                connection.DefaultInstanceConvention(),
		Retry:                   litellm.RetryPolicy{MaxAttempts: 3, BaseDelay: 20 * time.Millisecond, MaxDelay: 200 * time.Millisecond, MaxElapsed: 3 * time.Second},
	}); err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	return cancel, done, nil
}

// writeCounter counts the operator's write requests to the API server, by resource path.
type writeCounter struct {
	mu     sync.Mutex
	counts map[string]int
	total  atomic.Int64
}

func (w *writeCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		if req.Method != http.MethodGet {
			w.total.Add(1)
			w.mu.Lock()
			if w.counts == nil {
				w.counts = map[string]int{}
			}
			w.counts[req.Method+" "+req.URL.Path]++
			w.mu.Unlock()
		}
		return rt.RoundTrip(req)
	})
}

// forNamespace counts writes to objects in one namespace (events excluded), by method and path.
func (w *writeCounter) forNamespace(ns string) map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string]int{}
	for path, c := range w.counts {
		if strings.Contains(path, "/namespaces/"+ns+"/") && !strings.Contains(path, "/events") {
			out[path] = c
		}
	}
	return out
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) WriteLine(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.WriteString(s)
	b.buf.WriteByte('\n')
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var _ logr.Logger // the operator logs through logr; funcr captures it above

// newNamespace creates a namespace for one test, with a connection Secret to the simulator.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "t-"}}
	require.NoError(t, env.k8s.Create(context.Background(), ns))
	createConnectionSecret(t, ns.Name, "litellm", env.sim.URL(), nil)
	return ns.Name
}

func createConnectionSecret(t *testing.T, ns, name, url string, annotations map[string]string) {
	t.Helper()
	require.NoError(t, env.k8s.Create(context.Background(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: annotations},
		StringData: map[string]string{"masterKey": masterKey, "url": url},
	}))
}

// waitForGarbageCollector returns once kube-controller-manager's garbage collector deletes objects
// owned by a VirtualKey: it discovers newly installed CRDs a little after they are served.
func waitForGarbageCollector() error {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	owner := &v1alpha1.VirtualKey{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "gc-probe"},
		Spec:       v1alpha1.VirtualKeySpec{KeyAlias: "gc-probe", ConnectionRef: v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "none"}}},
	}
	if err := env.k8s.Create(ctx, owner); err != nil {
		return err
	}
	dependent := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "gc-probe",
		OwnerReferences: []metav1.OwnerReference{{APIVersion: v1alpha1.GroupVersion.String(), Kind: "VirtualKey", Name: owner.Name, UID: owner.UID}}}}
	if err := env.k8s.Create(ctx, dependent); err != nil {
		return err
	}
	if err := env.k8s.Delete(ctx, owner); err != nil {
		return err
	}
	for {
		if err := env.k8s.Get(ctx, client.ObjectKeyFromObject(dependent), dependent); apierrors.IsNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the garbage collector did not delete an object owned by a VirtualKey: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// newSimulator starts a LiteLLM simulator for one test, with a connection Secret to it in ns.
func newSimulator(t *testing.T, ns, secretName string, opts litellmsim.Options) *litellmsim.Simulator {
	t.Helper()
	opts.MasterKey = masterKey
	sim, err := litellmsim.New(opts)
	require.NoError(t, err)
	_, err = sim.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	createConnectionSecret(t, ns, secretName, sim.URL(), nil)
	return sim
}

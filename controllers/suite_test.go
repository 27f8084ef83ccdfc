package controllers_test

import (
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

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/pkg/litellm"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
	"github.com/litellm-operator/litellm-operator/test/harness"
	"github.com/litellm-operator/litellm-operator/test/harness/inprocess"
	"github.com/litellm-operator/litellm-operator/test/harness/suite"
)

const (
	masterKey    = "sk-master-test-0123456789abcdef"
	resyncPeriod = 2 * time.Second
)

// env is the suite's shared world: one control plane (with garbage collection), one simulator and
// one operator, started by the first test that needs them (see newNamespace) and stopped after the
// last. Tests run one after another, each in its own namespace. Tests that need none of it (the
// package's internal unit tests) run without a control plane.
var env struct {
	k8s        client.Client
	sim        *litellmsim.Simulator
	writes     *writeCounter
	conflicts  *conflictInjector
	logs       *harness.Lines
	reconciles *reconcileCounter
}

var world = suite.New(startWorld)

func TestMain(m *testing.M) {
	code := m.Run()
	if world.Started() {
		// The scan after every test misses what leaks after it ended (a late reconcile, a deletion
		// finished by a later test): scan everything once more.
		leaks, err := secretLeaks(context.Background(), "", 0)
		if err != nil {
			leaks = append(leaks, "scan failed: "+err.Error())
		}
		if len(leaks) > 0 {
			fmt.Fprintln(os.Stderr, "FAIL: secrets found after the last test:\n  "+strings.Join(leaks, "\n  "))
			code = 1
		}
	}
	if err := world.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the test environment:", err)
		code = 1
	}
	os.Exit(code)
}

// startWorld starts the control plane, the simulator and the operator, counting the operator's
// writes to the API server and capturing its logs (scanned for secrets) and its reconciles.
func startWorld() (struct{}, func() error, error) {
	env.writes = &writeCounter{}
	env.logs = &harness.Lines{}
	env.reconciles = &reconcileCounter{}
	env.conflicts = &conflictInjector{}
	ctrl.SetLogger(newCountingLogger(newLogSink(env.logs), env.reconciles))
	started, err := inprocess.Start(inprocess.Options{
		CRDDir:            filepath.Join("..", "config", "crd", "bases"),
		GarbageCollection: true,
		MasterKey:         masterKey,
		ResyncPeriod:      resyncPeriod,
		Retry:             litellm.RetryPolicy{MaxAttempts: 3, BaseDelay: 20 * time.Millisecond, MaxDelay: 200 * time.Millisecond, MaxElapsed: 3 * time.Second},
		WrapTransport:     func(rt http.RoundTripper) http.RoundTripper { return env.conflicts.wrap(env.writes.wrap(rt)) },
	})
	if err != nil {
		return struct{}{}, nil, err
	}
	env.k8s, env.sim = started.Client, started.Sim
	return struct{}{}, started.Stop, nil
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

// newNamespace creates a namespace for one test, with a connection Secret to the simulator.
// It starts the suite's world on first use (or skips the test when the control plane is not built),
// and when the test ends checks that no secret leaked into the namespace or the logs meanwhile.
func newNamespace(t *testing.T) string {
	t.Helper()
	world.Get(t)
	logOffset := env.logs.Len()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "t-"}}
	require.NoError(t, env.k8s.Create(context.Background(), ns))
	t.Cleanup(func() { checkNoSecretLeaks(t, ns.Name, logOffset) })
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

// newSimulator starts a LiteLLM simulator for one test, with a connection Secret to it in ns.
func newSimulator(t *testing.T, ns, secretName string, opts litellmsim.Options) *litellmsim.Simulator {
	t.Helper()
	sim := startSimulator(t, opts)
	createConnectionSecret(t, ns, secretName, sim.URL(), nil)
	return sim
}

// startSimulator starts a LiteLLM simulator with the suite's master key for one test.
func startSimulator(t *testing.T, opts litellmsim.Options) *litellmsim.Simulator {
	t.Helper()
	opts.MasterKey = masterKey
	sim, err := litellmsim.New(opts)
	require.NoError(t, err)
	_, err = sim.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	return sim
}

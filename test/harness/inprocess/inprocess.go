// Package inprocess starts what the control-plane suites that run the operator in the test binary
// share: a local control plane with the CRDs, a LiteLLM simulator, and the manager with every
// controller. Suites that run the operator as a process (test/e2e, the benchmark) use the harness
// package directly.
package inprocess

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers"
	"github.com/litellm-operator/litellm-operator/pkg/connection"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
	"github.com/litellm-operator/litellm-operator/pkg/operator"
	"github.com/litellm-operator/litellm-operator/test/controlplane"
)

// Options configures Start.
type Options struct {
	// CRDDir holds the CRDs to install.
	CRDDir string
	// GarbageCollection runs kube-controller-manager's garbage collector too, and Start waits
	// until it deletes objects owned by a VirtualKey (it discovers new CRDs a little late).
	GarbageCollection bool
	// MasterKey of the simulator.
	MasterKey    string
	ResyncPeriod time.Duration
	Retry        litellm.RetryPolicy
	// MetricsAddr serves the manager's metrics over plain HTTP; "" turns them off.
	MetricsAddr string
	// WrapTransport wraps the manager's transport to the API server (e.g. to count its writes).
	WrapTransport func(http.RoundTripper) http.RoundTripper
}

// Env is the started world. Set controller-runtime's logger before Start.
type Env struct {
	ControlPlane *controlplane.ControlPlane
	Client       client.Client
	Sim          *litellmsim.Simulator
	Scheme       *runtime.Scheme

	stops []func() error
}

// Start starts the control plane, the simulator and the manager; on error it stops what it started.
func Start(opts Options) (_ *Env, err error) {
	env := &Env{Scheme: operator.NewScheme(v1alpha1.AddToScheme)}
	defer func() {
		if err != nil {
			_ = env.Stop()
		}
	}()
	if env.ControlPlane, err = controlplane.Start(controlplane.Options{
		GarbageCollection: opts.GarbageCollection, CRDDirectoryPaths: []string{opts.CRDDir},
	}); err != nil {
		return nil, err
	}
	env.stops = append(env.stops, env.ControlPlane.Stop)

	if env.Sim, err = litellmsim.New(litellmsim.Options{MasterKey: opts.MasterKey}); err != nil {
		return nil, err
	}
	if _, err := env.Sim.Start("127.0.0.1:0"); err != nil {
		return nil, err
	}
	env.stops = append(env.stops, env.Sim.Close)

	if env.Client, err = client.New(env.ControlPlane.Config(), client.Options{Scheme: env.Scheme}); err != nil {
		return nil, err
	}
	if opts.GarbageCollection {
		if err := WaitForGarbageCollector(env.Client, "default"); err != nil {
			return nil, err
		}
	}
	return env, env.startManager(opts)
}

func (env *Env) startManager(opts Options) error {
	cfg := env.ControlPlane.Config()
	cfg.WrapTransport = opts.WrapTransport
	mo := operator.DefaultOptions()
	mo.MetricsBindAddress = "0"
	if opts.MetricsAddr != "" {
		mo.MetricsBindAddress, mo.SecureMetrics = opts.MetricsAddr, false
	}
	mo.HealthProbeBindAddress = "0"
	mo.ResyncPeriod = opts.ResyncPeriod
	mgr, err := operator.NewManager(cfg, env.Scheme, mo)
	if err != nil {
		return err
	}
	if err := controllers.Setup(mgr, controllers.Options{
		ResyncPeriod:            opts.ResyncPeriod,
		MaxConcurrentReconciles: 4,
		LiteLLMTimeout:          5 * time.Second,
		Instance:                connection.DefaultInstanceConvention(),
		Retry:                   opts.Retry,
	}); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	env.stops = append(env.stops, func() error {
		cancel()
		if err := <-done; err != nil {
			return fmt.Errorf("manager: %w", err)
		}
		return nil
	})
	return nil
}

// Stop stops the manager, the simulator and the control plane, in that order.
func (env *Env) Stop() error {
	var errs []error
	for i := len(env.stops) - 1; i >= 0; i-- {
		errs = append(errs, env.stops[i]())
	}
	env.stops = nil
	return errors.Join(errs...)
}

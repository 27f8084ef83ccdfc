// Package controllers holds one reconciler per kind. Each is a thin mapping between its kind and
// LiteLLM plugged into the loop of package managed.
package controllers

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers/keyvalues"
	"github.com/litellm-operator/litellm-operator/controllers/managed"
	"github.com/litellm-operator/litellm-operator/controllers/metrics"
	"github.com/litellm-operator/litellm-operator/controllers/ownership"
	"github.com/litellm-operator/litellm-operator/pkg/connection"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// Options configure every controller.
type Options struct {
	ResyncPeriod            time.Duration
	MaxConcurrentReconciles int
	LiteLLMTimeout          time.Duration
	// ReconcileTimeout bounds one reconcile (0: the loop's default).
	ReconcileTimeout time.Duration
	Instance         connection.InstanceConvention
	// ConnectionCacheTTL keeps a connection Secret for this long between reads.
	ConnectionCacheTTL time.Duration
	// Retry overrides the LiteLLM client's retry policy (tests shorten it).
	Retry litellm.RetryPolicy
	// IDPrefix is put in front of derived LiteLLM user and team IDs.
	IDPrefix string
	// InstallationID names this installation in the owner stamps it writes into LiteLLM; empty
	// means ownership.Installation(IDPrefix). Installations sharing a proxy need distinct ones.
	InstallationID string
	// KeyValues says who chooses key values ("" is keyvalues.Auto: learned per proxy).
	KeyValues keyvalues.Mode
	// Now is the clock (tests may fix it).
	Now func() time.Time
}

// lastChooser is the key value chooser of the latest Setup, so that tests can simulate a restart.
var lastChooser atomic.Pointer[keyvalues.Chooser]

func newChooser(m keyvalues.Mode) *keyvalues.Chooser {
	c := keyvalues.NewChooser(m)
	lastChooser.Store(c)
	return c
}

// Setup registers every controller with the manager.
func Setup(mgr ctrl.Manager, o Options) error {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.InstallationID == "" {
		o.InstallationID = ownership.Installation(o.IDPrefix)
	}
	if err := indexSecretRefs(context.Background(), mgr); err != nil {
		return err
	}
	cfg := managed.Config{
		Client:           mgr.GetClient(),
		Resolver:         connection.NewResolver(mgr.GetAPIReader(), o.Instance, o.ConnectionCacheTTL),
		Transport:        newTransport(),
		ResyncPeriod:     o.ResyncPeriod,
		LiteLLMTimeout:   o.LiteLLMTimeout,
		ReconcileTimeout: o.ReconcileTimeout,
		Retry:            o.Retry,
		// Per-object gauges on the manager's metrics endpoint, fed from what each reconcile saw.
		Observer: metrics.Registered(),
		Hold:     &secretHold{client: mgr.GetClient(), apiReader: mgr.GetAPIReader()},
	}
	ctrlOpts := controller.Options{MaxConcurrentReconciles: o.MaxConcurrentReconciles}

	k8s := mgr.GetClient()
	withRecorder := func(name string) managed.Config {
		c := cfg
		c.Recorder = mgr.GetEventRecorder(name + "-controller")
		c.Adopter = &replacedOperator{client: k8s, apiReader: mgr.GetAPIReader(), recorder: c.Recorder, idPrefix: o.IDPrefix}
		return c
	}

	vkCfg := withRecorder("virtualkey")
	vkCfg.Observer = withBudgetEvents(vkCfg.Observer, vkCfg.Recorder, o.Now)
	vk := managed.NewReconciler(vkCfg, func() *v1alpha1.VirtualKey { return &v1alpha1.VirtualKey{} },
		&virtualKeyConnector{client: k8s, apiReader: mgr.GetAPIReader(), recorder: vkCfg.Recorder, now: o.Now,
			installation: o.InstallationID, idPrefix: o.IDPrefix, keyValues: newChooser(o.KeyValues)})
	if err := ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.VirtualKey{}, builder.WithPredicates(managed.ForPredicates())).
		// The key Secret: deleting it rotates the key. The operator's own writes to it start no
		// reconcile. Only its metadata is cached: the data is read when a reconcile needs it.
		Owns(&corev1.Secret{}, builder.OnlyMetadata, builder.WithPredicates(onlyDeletes())).
		WithOptions(ctrlOpts).
		Named("virtualkey").
		Complete(vk); err != nil {
		return err
	}

	userCfg := withRecorder("user")
	user := managed.NewReconciler(userCfg, func() *v1alpha1.User { return &v1alpha1.User{} },
		&userConnector{client: k8s, recorder: userCfg.Recorder, idPrefix: o.IDPrefix, installation: o.InstallationID})
	if err := ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.User{}, builder.WithPredicates(managed.ForPredicates())).
		// The User's own VirtualKey: direct edits are put back, and its status feeds the User's.
		Owns(&v1alpha1.VirtualKey{}).
		WithOptions(ctrlOpts).
		Named("user").
		Complete(user); err != nil {
		return err
	}

	teamCfg := withRecorder("team")
	team := managed.NewReconciler(teamCfg, func() *v1alpha1.Team { return &v1alpha1.Team{} },
		&teamConnector{recorder: teamCfg.Recorder, idPrefix: o.IDPrefix, installation: o.InstallationID})
	if err := ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.Team{}, builder.WithPredicates(managed.ForPredicates())).
		WithOptions(ctrlOpts).
		Named("team").
		Complete(team); err != nil {
		return err
	}

	tmaCfg := withRecorder("teammemberassociation")
	tma := managed.NewReconciler(tmaCfg, func() *v1alpha1.TeamMemberAssociation { return &v1alpha1.TeamMemberAssociation{} },
		&membershipConnector{client: k8s, recorder: tmaCfg.Recorder, installation: o.InstallationID, idPrefix: o.IDPrefix})
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.TeamMemberAssociation{}, builder.WithPredicates(managed.ForPredicates())).
		// An association waiting for its Team or User goes on as soon as they are Ready.
		Watches(&v1alpha1.Team{}, handler.EnqueueRequestsFromMapFunc(associationsNaming(k8s)), builder.WithPredicates(dependencyChanged())).
		Watches(&v1alpha1.User{}, handler.EnqueueRequestsFromMapFunc(associationsNaming(k8s)), builder.WithPredicates(dependencyChanged())).
		WithOptions(ctrlOpts).
		Named("teammemberassociation").
		Complete(tma)
}

// onlyDeletes passes delete events only.
func onlyDeletes() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		UpdateFunc:  func(event.UpdateEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// newTransport is the one HTTP transport every LiteLLM client shares, so connections to a proxy
// are pooled across reconciles and objects.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          200,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

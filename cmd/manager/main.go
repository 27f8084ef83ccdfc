// Command manager runs the LiteLLM operator: it reconciles VirtualKey, User, Team and
// TeamMemberAssociation objects against LiteLLM proxies.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers"
	"github.com/litellm-operator/litellm-operator/controllers/ownership"
	"github.com/litellm-operator/litellm-operator/pkg/connection"
	"github.com/litellm-operator/litellm-operator/pkg/operator"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	opts := operator.DefaultOptions()
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	opts.BindFlags(fs)
	zapOpts := zap.Options{}
	zapOpts.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	watchFlagSet := false
	fs.Visit(func(f *flag.Flag) { watchFlagSet = watchFlagSet || f.Name == "watch-namespaces" })
	opts.ApplyEnvironment(watchFlagSet)

	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	log := ctrl.Log.WithName("setup")
	if err := opts.Validate(); err != nil {
		return err
	}
	memLimit := operator.ApplyMemoryLimit(opts.MemoryLimitRatio)
	log.Info("Go memory limit", "bytes", memLimit.Bytes, "containerLimit", memLimit.Container, "source", memLimit.Source)

	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("loading Kubernetes client configuration: %w", err)
	}
	mgr, err := operator.NewManager(cfg, operator.NewScheme(v1alpha1.AddToScheme), opts)
	if err != nil {
		return err
	}
	installation := opts.InstallationID
	if installation == "" {
		installation = ownership.Installation(opts.IDPrefix)
	}
	if err := controllers.Setup(mgr, controllers.Options{
		ResyncPeriod:            opts.ResyncPeriod,
		MaxConcurrentReconciles: opts.MaxConcurrentReconciles,
		LiteLLMTimeout:          opts.LiteLLMTimeout,
		ReconcileTimeout:        opts.ReconcileTimeout,
		ConnectionCacheTTL:      5 * time.Second,
		IDPrefix:                opts.IDPrefix,
		InstallationID:          installation,
		KeyValues:               opts.KeyValues,
		Instance: connection.InstanceConvention{
			SecretNameFormat: opts.InstanceSecretNameFormat,
			MasterKeyDataKey: opts.InstanceMasterKeyDataKey,
			URLFormat:        opts.InstanceURLFormat,
		},
	}); err != nil {
		return fmt.Errorf("setting up controllers: %w", err)
	}
	log.Info("starting manager", "watchNamespaces", opts.WatchNamespaces, "resyncPeriod", opts.ResyncPeriod,
		"installationID", installation, "idPrefix", opts.IDPrefix,
		"maxConcurrentReconciles", opts.MaxConcurrentReconciles, "keyValues", opts.KeyValues)
	// The signal handler cancels the context on SIGTERM/SIGINT; the manager then stops its
	// controllers, waiting up to --graceful-shutdown-timeout, and releases its leader lease.
	return mgr.Start(ctrl.SetupSignalHandler())
}

// Package operator assembles the manager: its flags, cache, metrics and health endpoints, and the
// controllers. cmd/manager only parses flags and runs it, so tests and the demo can build the same
// manager in-process.
package operator

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/litellm-operator/litellm-operator/controllers/keyvalues"
)

// installationPattern is what an installation ID may be: it is one part of a "/"-separated stamp.
var installationPattern = regexp.MustCompile(`^[A-Za-z0-9][-A-Za-z0-9_.]{0,62}$`)

// WatchNamespaceEnv is set by OLM from the OperatorGroup's target namespaces.
const WatchNamespaceEnv = "WATCH_NAMESPACE"

// Options are the manager's settings; BindFlags registers a flag for each.
type Options struct {
	MetricsBindAddress     string
	SecureMetrics          bool
	HealthProbeBindAddress string
	LeaderElection         bool
	LeaderElectionID       string
	// LeaderElectionNamespace holds the leader Lease; empty means the namespace the pod runs in.
	LeaderElectionNamespace string
	// WatchNamespaces limits the operator to these namespaces; empty means all.
	WatchNamespaces []string
	// ResyncPeriod is how often every object is re-read from LiteLLM (jittered), refreshing spend and
	// repairing drift made outside the operator.
	ResyncPeriod            time.Duration
	MaxConcurrentReconciles int
	// LiteLLMTimeout bounds one HTTP attempt of a call to LiteLLM; ReconcileTimeout bounds a whole
	// reconcile, every call and retry included.
	LiteLLMTimeout          time.Duration
	ReconcileTimeout        time.Duration
	KubeAPIQPS              float64
	KubeAPIBurst            int
	GracefulShutdownTimeout time.Duration
	// Instance is how an instanceRef is found (Secret name, master-key data key, URL).
	InstanceSecretNameFormat string
	InstanceMasterKeyDataKey string
	InstanceURLFormat        string
	// IDPrefix is put in front of the LiteLLM user and team IDs the operator derives, so several
	// clusters can share one proxy without their IDs colliding.
	IDPrefix string
	// MemoryLimitRatio sets the Go runtime's memory limit to this share of the container's memory
	// limit, unless $GOMEMLIMIT is set; 0 turns it off.
	MemoryLimitRatio float64
	// PprofBindAddress serves net/http/pprof for profiling; empty turns it off.
	PprofBindAddress string
	// InstallationID names this installation in the owner stamps it writes into LiteLLM; empty
	// means the IDPrefix without its trailing separator, or "default".
	InstallationID string
	// KeyValues says who chooses the values of virtual keys: auto (learned per proxy), operator or litellm.
	KeyValues keyvalues.Mode
}

// DefaultOptions returns the flag defaults.
func DefaultOptions() Options {
	return Options{
		MetricsBindAddress:       ":8443",
		SecureMetrics:            true,
		HealthProbeBindAddress:   ":8081",
		LeaderElectionID:         "litellm-operator.auth.litellm.ai",
		ResyncPeriod:             5 * time.Minute,
		MaxConcurrentReconciles:  4,
		LiteLLMTimeout:           30 * time.Second,
		ReconcileTimeout:         2 * time.Minute,
		KubeAPIQPS:               50,
		KubeAPIBurst:             100,
		GracefulShutdownTimeout:  30 * time.Second,
		InstanceSecretNameFormat: "%s-secrets",
		InstanceMasterKeyDataKey: "masterkey",
		InstanceURLFormat:        "http://%s-service.%s.svc",
		KeyValues:                keyvalues.Auto,
		MemoryLimitRatio:         DefaultMemoryLimitRatio,
	}
}

// BindFlags registers the manager's flags on fs, with defaults from o.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.MetricsBindAddress, "metrics-bind-address", o.MetricsBindAddress,
		"Address the metrics endpoint binds to, e.g. :8443 (HTTPS) or :8080 with --metrics-secure=false; 0 disables it.")
	fs.BoolVar(&o.SecureMetrics, "metrics-secure", o.SecureMetrics,
		"Serve metrics over HTTPS with Kubernetes authentication and authorization.")
	fs.StringVar(&o.HealthProbeBindAddress, "health-probe-bind-address", o.HealthProbeBindAddress,
		"Address the /healthz and /readyz endpoints bind to.")
	fs.BoolVar(&o.LeaderElection, "leader-elect", o.LeaderElection,
		"Elect a leader, so only one replica reconciles at a time.")
	fs.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", o.LeaderElectionNamespace,
		"Namespace of the leader Lease; empty means the pod's own namespace (set it when running outside the cluster).")
	fs.Func("watch-namespaces", "Comma-separated namespaces to watch; empty watches all. Overrides $"+WatchNamespaceEnv+".",
		func(v string) error { o.WatchNamespaces = splitNamespaces(v); return nil })
	fs.DurationVar(&o.ResyncPeriod, "resync-period", o.ResyncPeriod,
		"How often each object is re-read from LiteLLM to refresh spend and repair drift (jittered by ±10%).")
	fs.IntVar(&o.MaxConcurrentReconciles, "max-concurrent-reconciles", o.MaxConcurrentReconciles,
		"Objects of one kind reconciled in parallel.")
	fs.DurationVar(&o.LiteLLMTimeout, "litellm-timeout", o.LiteLLMTimeout,
		"Timeout of one HTTP attempt to a LiteLLM proxy; a call that fails transiently is retried with backoff "+
			"(LiteLLM itself retries internally for up to ~10s on some lookups). --reconcile-timeout bounds the whole.")
	fs.DurationVar(&o.ReconcileTimeout, "reconcile-timeout", o.ReconcileTimeout,
		"Deadline of one reconcile of one object, every LiteLLM call, retry and Kubernetes request included; "+
			"the outcome is still written to status after it.")
	fs.Float64Var(&o.KubeAPIQPS, "kube-api-qps", o.KubeAPIQPS, "Queries per second to the Kubernetes API server.")
	fs.IntVar(&o.KubeAPIBurst, "kube-api-burst", o.KubeAPIBurst, "Burst of queries to the Kubernetes API server.")
	fs.StringVar(&o.InstanceSecretNameFormat, "instance-secret-name-format", o.InstanceSecretNameFormat,
		"Name of an instanceRef's Secret; %s is the instance name.")
	fs.StringVar(&o.InstanceMasterKeyDataKey, "instance-master-key-data-key", o.InstanceMasterKeyDataKey,
		"Data key of the master key in an instanceRef's Secret.")
	fs.StringVar(&o.InstanceURLFormat, "instance-url-format", o.InstanceURLFormat,
		"URL of an instanceRef's proxy when its Secret has no url data key; the first %s is the instance name, the second its namespace.")
	fs.StringVar(&o.IDPrefix, "id-prefix", o.IDPrefix,
		"Prefix of the LiteLLM user and team IDs derived from namespace and name (for clusters sharing one proxy).")
	fs.StringVar(&o.InstallationID, "installation-id", o.InstallationID,
		"Names this installation in the owner stamp (metadata auth.litellm.ai/owner) of every key, user and team it creates in LiteLLM; "+
			"installations sharing one proxy need distinct ones. Default: --id-prefix without its trailing separator, or \"default\".")
	fs.Func("key-values", fmt.Sprintf("Who chooses the values of virtual keys, one of %v (default %s). auto: the operator, "+
		"until a proxy refuses chosen values (LiteLLM's disable_custom_api_keys), then LiteLLM for that proxy; operator: always the operator; "+
		"litellm: always the proxy (spec.key and spec.keyFrom then cannot work).", keyvalues.Modes, o.KeyValues),
		func(v string) error {
			m, err := keyvalues.ParseMode(v)
			o.KeyValues = m
			return err
		})
	fs.DurationVar(&o.GracefulShutdownTimeout, "graceful-shutdown-timeout", o.GracefulShutdownTimeout,
		"How long running reconciles may take to finish on shutdown.")
	fs.Float64Var(&o.MemoryLimitRatio, "memory-limit-ratio", o.MemoryLimitRatio,
		"Set the Go runtime's memory limit to this share of the container's memory limit (cgroup memory.max), "+
			"so the collector runs before the container runs out; $GOMEMLIMIT, when set, wins. 0 turns it off.")
	fs.StringVar(&o.PprofBindAddress, "pprof-bind-address", o.PprofBindAddress,
		"Address to serve Go's profiling endpoints (/debug/pprof/) on, e.g. 127.0.0.1:8082; empty turns them off.")
}

// ApplyEnvironment fills WatchNamespaces from $WATCH_NAMESPACE when no flag set them.
func (o *Options) ApplyEnvironment(flagSet bool) {
	if !flagSet {
		o.WatchNamespaces = splitNamespaces(os.Getenv(WatchNamespaceEnv))
	}
}

// Validate reports options that cannot work.
func (o *Options) Validate() error {
	var errs []error
	if o.ResyncPeriod <= 0 {
		errs = append(errs, fmt.Errorf("--resync-period must be positive, got %s", o.ResyncPeriod))
	}
	if o.MaxConcurrentReconciles < 1 {
		errs = append(errs, fmt.Errorf("--max-concurrent-reconciles must be at least 1, got %d", o.MaxConcurrentReconciles))
	}
	if o.LiteLLMTimeout <= 0 {
		errs = append(errs, fmt.Errorf("--litellm-timeout must be positive, got %s", o.LiteLLMTimeout))
	}
	if o.ReconcileTimeout < o.LiteLLMTimeout {
		errs = append(errs, fmt.Errorf("--reconcile-timeout (%s) must be at least --litellm-timeout (%s): a reconcile makes one call or more",
			o.ReconcileTimeout, o.LiteLLMTimeout))
	}
	if strings.Count(o.InstanceSecretNameFormat, "%s") != 1 || strings.Count(o.InstanceURLFormat, "%s") != 2 {
		errs = append(errs, errors.New("--instance-secret-name-format needs one %s and --instance-url-format two"))
	}
	if o.MemoryLimitRatio < 0 || o.MemoryLimitRatio > 1 {
		errs = append(errs, fmt.Errorf("--memory-limit-ratio must be between 0 and 1, got %g", o.MemoryLimitRatio))
	}
	if o.InstallationID != "" && !installationPattern.MatchString(o.InstallationID) {
		errs = append(errs, fmt.Errorf("--installation-id must be 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit; got %q", o.InstallationID))
	}
	if o.KubeAPIQPS <= 0 || o.KubeAPIBurst <= 0 {
		errs = append(errs, errors.New("--kube-api-qps and --kube-api-burst must be positive"))
	}
	return errors.Join(errs...)
}

func splitNamespaces(v string) []string {
	var out []string
	for _, ns := range strings.Split(v, ",") {
		if ns = strings.TrimSpace(ns); ns != "" {
			out = append(out, ns)
		}
	}
	return out
}

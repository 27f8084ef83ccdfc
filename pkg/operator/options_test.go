package operator

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/controllers/keyvalues"
)

func TestWatchNamespaces(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		env    string
		expect []string
	}{
		{name: "all namespaces by default", expect: nil},
		{name: "environment set by OLM", env: "team-a, team-b", expect: []string{"team-a", "team-b"}},
		{name: "flag wins over environment", args: []string{"--watch-namespaces=x"}, env: "team-a", expect: []string{"x"}},
		{name: "empty entries are dropped", args: []string{"--watch-namespaces=a,,b,"}, expect: []string{"a", "b"}},
		{name: "explicitly empty flag means all", args: []string{"--watch-namespaces="}, env: "team-a", expect: nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(WatchNamespaceEnv, tc.env)
			o := DefaultOptions()
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			o.BindFlags(fs)
			require.NoError(t, fs.Parse(tc.args))
			set := false
			fs.Visit(func(f *flag.Flag) { set = set || f.Name == "watch-namespaces" })
			o.ApplyEnvironment(set)
			assert.Equal(t, tc.expect, o.WatchNamespaces)
		})
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name    string
		mutate  func(*Options)
		wantErr string
	}{
		{name: "defaults are valid", mutate: func(*Options) {}},
		{name: "zero resync", mutate: func(o *Options) { o.ResyncPeriod = 0 }, wantErr: "--resync-period"},
		{name: "no workers", mutate: func(o *Options) { o.MaxConcurrentReconciles = 0 }, wantErr: "--max-concurrent-reconciles"},
		{name: "negative timeout", mutate: func(o *Options) { o.LiteLLMTimeout = -time.Second }, wantErr: "--litellm-timeout"},
		{name: "reconcile deadline shorter than one call", mutate: func(o *Options) { o.ReconcileTimeout = 10 * time.Second },
			wantErr: "--reconcile-timeout (10s) must be at least --litellm-timeout (30s)"},
		{name: "no API budget", mutate: func(o *Options) { o.KubeAPIQPS = 0 }, wantErr: "--kube-api-qps"},
		{name: "memory limit above the container's", mutate: func(o *Options) { o.MemoryLimitRatio = 1.5 }, wantErr: "--memory-limit-ratio"},
		{name: "memory limit off", mutate: func(o *Options) { o.MemoryLimitRatio = 0 }},
		{name: "an installation ID", mutate: func(o *Options) { o.InstallationID = "prod-eu.1" }},
		{name: "a slash would split the owner stamp", mutate: func(o *Options) { o.InstallationID = "prod/eu" }, wantErr: "--installation-id"},
		{name: "an installation ID too long for a label", mutate: func(o *Options) { o.InstallationID = strings.Repeat("a", 64) }, wantErr: "--installation-id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			tc.mutate(&o)
			err := o.Validate()
			if tc.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
}

func TestDefaults(t *testing.T) {
	o := DefaultOptions()
	assert.Equal(t, 5*time.Minute, o.ResyncPeriod, "the documented resync default")
	assert.Equal(t, 30*time.Second, o.LiteLLMTimeout, "the documented LiteLLM timeout default")
	assert.InDelta(t, 0.9, o.MemoryLimitRatio, 1e-9, "the documented memory limit default: 90% of the container's")
	assert.Empty(t, o.PprofBindAddress, "profiling is off unless asked for")
}

func TestKeyValuesFlag(t *testing.T) {
	cases := []struct {
		reason  string
		args    []string
		want    keyvalues.Mode
		wantErr string
	}{
		{reason: "learned per proxy unless forced", want: keyvalues.Auto},
		{reason: "forced to the operator's values", args: []string{"--key-values=operator"}, want: keyvalues.Operator},
		{reason: "forced to values LiteLLM generates", args: []string{"--key-values=litellm"}, want: keyvalues.LiteLLM},
		{reason: "an unknown mode is refused, naming the valid ones", args: []string{"--key-values=proxy"}, wantErr: "[auto operator litellm]"},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			o := DefaultOptions()
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			o.BindFlags(fs)
			err := fs.Parse(tc.args)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, o.KeyValues)
		})
	}
}

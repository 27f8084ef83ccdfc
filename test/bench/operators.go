package bench

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/litellm-operator/litellm-operator/pkg/operator"
)

// Operator is an operator binary the benchmark drives. Nothing in the benchmark depends on which
// operator it is: it is started with Args, found on its metrics endpoint (controller-runtime's
// metrics), and judged by what the API server, the simulator and the objects' Ready condition
// show.
type Operator struct {
	// Name labels the operator in the report.
	Name string `json:"name"`
	// Version says what was built, for the report (free text; empty for this repository's own).
	Version string `json:"version,omitempty"`
	Binary  string `json:"binary"`
	// Args are its flags, with placeholders the benchmark fills in at each start: {metrics},
	// {probe} and {pprof} (free loopback addresses), {namespace} (the phase's namespace), {workers},
	// {resync}, {qps} and {burst}. An operator without a flag for one of them simply leaves it out.
	Args []string `json:"args"`
	// CRDDir holds the CRDs its control plane installs.
	CRDDir string `json:"crdDir"`
	// DefaultResync is how often it re-reads every object when {resync} is not given; 0 when it
	// has no such setting and the benchmark measures the rate instead.
	DefaultResync Seconds `json:"defaultResync,omitempty"`
	// Env is added to its environment.
	Env []string `json:"env,omitempty"`
}

// DefaultManagerArgs are this repository's manager flags the benchmark uses: plain-HTTP metrics,
// profiling on loopback, one namespace, and the client rate limit raised so it is not what is
// measured.
var DefaultManagerArgs = []string{
	"--metrics-bind-address={metrics}", "--metrics-secure=false", "--health-probe-bind-address={probe}",
	"--pprof-bind-address={pprof}", "--watch-namespaces={namespace}", "--max-concurrent-reconciles={workers}",
	"--resync-period={resync}", "--kube-api-qps={qps}", "--kube-api-burst={burst}",
	"--litellm-timeout=30s", "--graceful-shutdown-timeout=5s", "--zap-log-level=info",
}

// DefaultPeerArgs fit a kubebuilder-scaffolded operator: metrics over plain HTTP (the scaffold's
// default is off or HTTPS on :8443) and the probe endpoint, both on loopback.
var DefaultPeerArgs = []string{"--metrics-bind-address={metrics}", "--health-probe-bind-address={probe}"}

// DefaultManagerResync is the manager's own --resync-period default.
var DefaultManagerResync = Seconds(operator.DefaultOptions().ResyncPeriod)

// startSettings are the values of one start's placeholders.
type startSettings struct {
	Metrics, Probe, Pprof, Namespace string
	Workers                          int
	Resync                           time.Duration
	QPS                              float64
	Burst                            int
}

// expand fills the placeholders of args.
func expand(args []string, s startSettings) []string {
	r := strings.NewReplacer(
		"{metrics}", s.Metrics, "{probe}", s.Probe, "{pprof}", s.Pprof, "{namespace}", s.Namespace,
		"{workers}", strconv.Itoa(s.Workers), "{resync}", s.Resync.String(),
		"{qps}", strconv.FormatFloat(s.QPS, 'f', -1, 64), "{burst}", strconv.Itoa(s.Burst),
	)
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = r.Replace(a)
	}
	return out
}

// uses reports whether the operator's arguments contain a placeholder.
func (o Operator) uses(placeholder string) bool {
	for _, a := range o.Args {
		if strings.Contains(a, placeholder) {
			return true
		}
	}
	return false
}

// validate reports an operator the benchmark cannot drive.
func (o Operator) validate(flagPrefix string) error {
	if o.Binary == "" {
		return fmt.Errorf("-%s is required", flagPrefix)
	}
	for _, p := range []string{"{metrics}", "{probe}"} {
		if !o.uses(p) {
			return fmt.Errorf("-%s-args must contain %s: the benchmark reads the operator's metrics and waits for its probe", flagPrefix, p)
		}
	}
	return nil
}

// argList is a flag holding arguments separated by spaces.
type argList []string

func (l *argList) String() string { return strings.Join(*l, " ") }

func (l *argList) Set(v string) error {
	*l = strings.Fields(v)
	return nil
}

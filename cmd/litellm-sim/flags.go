package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

// config is everything the command line sets.
type config struct {
	listen string
	opts   litellmsim.Options
	faults litellmsim.FaultSpec
}

// repeatable collects every value of a flag given several times.
type repeatable []string

func (r *repeatable) String() string     { return strings.Join(*r, ",") }
func (r *repeatable) Set(v string) error { *r = append(*r, v); return nil }

const usageHeader = `litellm-sim: an in-memory LiteLLM proxy (management API and /chat/completions) for tests and demos.

Usage: litellm-sim [flags]

The first line printed on stdout is the base URL (e.g. http://127.0.0.1:43121). It serves until
SIGINT or SIGTERM, then exits 0. The master key comes from --master-key or LITELLM_MASTER_KEY
and must start with "sk-"; like LiteLLM v1.104 the simulator refuses to start with an unset, empty
or publicly known one (sk-1234) unless --dangerously-permit-weak-master-key (or
LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY=true) is given. It is never printed.
Inspection and fault injection at run time:
the /__sim/ admin API (see the litellmsim package documentation), authenticated with the
master key.

Flags:
`

// parseFlags reads the command line; getenv is os.Getenv in production.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("litellm-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageHeader)
		fs.PrintDefaults()
	}
	var (
		cfg                                                           config
		masterKey, latency, jitter, models, budgetReset, authCacheTTL string
		pathLatency, drops, fails, failRates, limits                  repeatable
		v                                                             litellmsim.Variant
		permitWeak                                                    bool
	)
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:4000", "address to listen on; port 0 picks a free port")
	fs.StringVar(&masterKey, "master-key", "", "master key (default $LITELLM_MASTER_KEY); must start with sk-")
	fs.BoolVar(&cfg.opts.Premium, "premium", false, "enable Enterprise features (default: a free proxy that refuses them)")
	fs.Float64Var(&cfg.opts.CostPerCall, "cost-per-call", litellmsim.DefaultCostPerCall, "USD added to key/user/team/member spend per successful /chat/completions")
	fs.StringVar(&models, "models", "", "comma-separated models the proxy serves (default: any model name)")
	fs.StringVar(&budgetReset, "budget-reset-interval", "10m", "how often the budget-reset job runs (LiteLLM: about 10m); 0 disables it")
	fs.BoolVar(&cfg.opts.DisableCustomAPIKeys, "disable-custom-api-keys", false, "LiteLLM's disable_custom_api_keys: /key/generate with a chosen key answers 403")
	fs.StringVar(&cfg.opts.KeyAliasPattern, "key-alias-pattern", "", "LiteLLM's key_alias_pattern: a regular expression every new or changed key_alias must match as a whole")
	fs.StringVar(&authCacheTTL, "auth-cache-ttl", litellmsim.DefaultAuthCacheTTL.String(), "how long request-time enforcement uses its cached copy of a key (/key/update by hash does not refresh it); 0 disables the cache")
	fs.BoolVar(&permitWeak, "dangerously-permit-weak-master-key", false, "accept the publicly known master key sk-1234 (default $LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY)")
	fs.StringVar(&latency, "latency", "", "latency added to every call, e.g. 20ms")
	fs.StringVar(&jitter, "jitter", "", "random extra latency up to this duration")
	fs.Var(&pathLatency, "path-latency", "PATH=DURATION extra latency for one path (repeatable)")
	fs.Var(&drops, "drop-after-apply", "PATH=N: apply the first N calls to PATH, then close the connection without answering (repeatable)")
	fs.Var(&fails, "fail", "PATH=STATUS:N: answer the first N calls to PATH with STATUS without applying them (repeatable)")
	fs.Var(&failRates, "fail-rate", "PATH=STATUS:RATE: answer a fraction RATE (0..1) of the calls to PATH with STATUS (repeatable)")
	fs.Var(&limits, "rate-limit", "PATH=N:RETRY_AFTER: answer the first N calls to PATH with 429 and Retry-After (repeatable)")
	fs.BoolVar(&v.DuplicateUserLegacy, "variant-duplicate-user-legacy", false, "≤1.80: /user/new duplicate id → 200 no-op, duplicate email → 400")
	fs.BoolVar(&v.UserInfoEmpty200, "variant-user-info-empty-200", false, "1.80: /user/info of an unknown id → 200 with an empty user_info")
	fs.BoolVar(&v.KeepMemberKeysOnMemberDelete, "variant-keep-member-keys", false, "≈1.8x: /team/member_delete keeps the member's team keys")
	fs.BoolVar(&v.BudgetExceeded400, "variant-budget-exceeded-400", false, "older: exhausted budget → 400 instead of 429")
	fs.BoolVar(&v.Expired400, "variant-expired-400", false, "older: expired key → 400 instead of 401")
	fs.BoolVar(&v.ModelDenied401, "variant-model-denied-401", false, "≤1.8x: model not allowed → 401 instead of 403")
	fs.BoolVar(&v.IntegerErrorCode, "variant-integer-error-code", false, "older: error.code as a JSON integer")
	fs.BoolVar(&v.ObjectErrorMessage, "variant-object-error-message", false, "1.81.x: dict error details as objects in error.message")
	fs.BoolVar(&v.BudgetExceeded429, "variant-budget-exceeded-429", false, "1.8x to v1.103: exhausted budget → 429 instead of 422")
	fs.BoolVar(&v.KeyNotFound401, "variant-key-not-found-401", false, "before March 2026: /key/update, /key/block, /key/unblock of an unknown key → 401 instead of 404")
	fs.BoolVar(&v.MemberAddDuplicate400, "variant-member-add-duplicate-400", false, "older: /team/member_add refuses a member matching by user_id or email")
	fs.BoolVar(&v.MemberBudgetNullIgnored, "variant-member-budget-null-ignored", false, "older: max_budget_in_team: null does not remove a member budget")
	fs.BoolVar(&v.TeamBudgetResetUnaligned, "variant-team-budget-reset-unaligned", false, "older: team budget_reset_at = now + budget_duration")
	fs.BoolVar(&v.UnvalidatedBudgetDuration, "variant-unvalidated-budget-duration", false, "older: budget_duration not validated (\"0d\" accepted)")
	fs.BoolVar(&v.NoTeamListV2, "variant-no-team-list-v2", false, "older: GET /v2/team/list does not exist")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	source := "--master-key"
	if masterKey == "" {
		masterKey, source = getenv("LITELLM_MASTER_KEY"), "LITELLM_MASTER_KEY"
	}
	if !permitWeak {
		permitWeak, _ = strconv.ParseBool(getenv("LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY"))
	}
	if err := litellmsim.CheckMasterKey(masterKey, permitWeak); err != nil {
		return config{}, fmt.Errorf("master key from %s: %w (generate one with: echo sk-$(openssl rand -hex 32))", source, err)
	}
	cfg.opts.MasterKey, cfg.opts.PermitWeakMasterKey = masterKey, permitWeak
	cfg.opts.Variant = v
	if models != "" {
		for _, m := range strings.Split(models, ",") {
			cfg.opts.Models = append(cfg.opts.Models, strings.TrimSpace(m))
		}
	}
	interval, err := time.ParseDuration(budgetReset)
	if err != nil {
		return config{}, fmt.Errorf("--budget-reset-interval: %w", err)
	}
	cfg.opts.BudgetResetInterval = interval
	ttl, err := time.ParseDuration(authCacheTTL)
	if err != nil || ttl < 0 {
		return config{}, fmt.Errorf("--auth-cache-ttl %q: want a duration, 0 to disable", authCacheTTL)
	}
	cfg.opts.AuthCacheTTL = ttl
	if ttl == 0 {
		cfg.opts.AuthCacheTTL = -1 // Options: negative = no cache
	}
	cfg.faults.Latency, cfg.faults.Jitter = latency, jitter
	if err := parseFaultFlags(&cfg.faults, pathLatency, drops, fails, failRates, limits); err != nil {
		return config{}, err
	}
	return cfg, nil
}

func parseFaultFlags(spec *litellmsim.FaultSpec, pathLatency, drops, fails, failRates, limits []string) error {
	for _, v := range pathLatency {
		path, d, err := splitPathValue("--path-latency", v)
		if err != nil {
			return err
		}
		if spec.PathLatency == nil {
			spec.PathLatency = map[string]string{}
		}
		spec.PathLatency[path] = d
	}
	for _, v := range drops {
		path, n, err := splitPathValue("--drop-after-apply", v)
		if err != nil {
			return err
		}
		count, err := strconv.Atoi(n)
		if err != nil {
			return fmt.Errorf("--drop-after-apply %q: N must be an integer", v)
		}
		spec.DropAfterApply = append(spec.DropAfterApply, litellmsim.PathCount{Path: path, N: count})
	}
	for _, v := range fails {
		path, status, count, err := splitPathPair("--fail", v)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(count)
		if err != nil {
			return fmt.Errorf("--fail %q: N must be an integer", v)
		}
		spec.FailNext = append(spec.FailNext, litellmsim.PathStatusCount{Path: path, Status: status, N: n})
	}
	for _, v := range failRates {
		path, status, rate, err := splitPathPair("--fail-rate", v)
		if err != nil {
			return err
		}
		r, err := strconv.ParseFloat(rate, 64)
		if err != nil || r < 0 || r > 1 {
			return fmt.Errorf("--fail-rate %q: RATE must be between 0 and 1", v)
		}
		spec.FailRate = append(spec.FailRate, litellmsim.PathStatusRate{Path: path, Status: status, Rate: r})
	}
	for _, v := range limits {
		path, rest, err := splitPathValue("--rate-limit", v)
		if err != nil {
			return err
		}
		n, retry, found := strings.Cut(rest, ":")
		count, err := strconv.Atoi(n)
		if !found || err != nil {
			return fmt.Errorf("--rate-limit %q: want PATH=N:RETRY_AFTER", v)
		}
		spec.RateLimitNext = append(spec.RateLimitNext, litellmsim.PathRetry{Path: path, N: count, RetryAfter: retry})
	}
	return nil
}

// splitPathValue splits "PATH=VALUE".
func splitPathValue(flagName, v string) (string, string, error) {
	path, value, found := strings.Cut(v, "=")
	if !found || !strings.HasPrefix(path, "/") && path != litellmsim.AnyPath || value == "" {
		return "", "", fmt.Errorf("%s %q: want PATH=VALUE with PATH starting with /", flagName, v)
	}
	return path, value, nil
}

// splitPathPair splits "PATH=STATUS:X".
func splitPathPair(flagName, v string) (string, int, string, error) {
	path, value, err := splitPathValue(flagName, v)
	if err != nil {
		return "", 0, "", err
	}
	statusText, rest, found := strings.Cut(value, ":")
	status, err := strconv.Atoi(statusText)
	if !found || err != nil || status < 100 || status > 599 {
		return "", 0, "", fmt.Errorf("%s %q: want PATH=STATUS:VALUE", flagName, v)
	}
	return path, status, rest, nil
}

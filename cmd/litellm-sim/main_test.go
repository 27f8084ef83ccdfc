package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

const masterKey = "sk-binary-test-master-key"

func TestBinaryServesUntilSIGTERM(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "litellm-sim")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	cmd := exec.Command(bin, "--listen", "127.0.0.1:0", "--latency", "1ms", "--drop-after-apply", "/key/generate=1",
		"--fail", "/key/update=503:2", "--budget-reset-interval", "0")
	cmd.Env = append(cmd.Environ(), "LITELLM_MASTER_KEY="+masterKey)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	reader := bufio.NewReader(stdout)
	line, err := reader.ReadString('\n')
	require.NoError(t, err)
	base := strings.TrimSpace(line)
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, base, "the first stdout line is the base URL")

	resp, err := http.Get(base + "/health/liveliness")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, `"I'm alive!"`, string(body))

	req, _ := http.NewRequest(http.MethodPost, base+"/key/update", strings.NewReader(`{"key": "sk-x"}`))
	req.Header.Set("Authorization", "Bearer "+masterKey)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 503, resp.StatusCode, "--fail is applied at start-up")

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		assert.NoError(t, err, "exit code 0 after SIGTERM; stderr: %s", stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("the simulator did not stop after SIGTERM")
	}
	rest, _ := io.ReadAll(reader)
	assert.NotContains(t, line+string(rest)+stderr.String(), masterKey, "the master key is never printed")
}

func TestParseFlags(t *testing.T) {
	env := func(vals map[string]string) func(string) string { return func(k string) string { return vals[k] } }
	cases := []struct {
		name, reason string
		args         []string
		env          map[string]string
		wantErr      string
		check        func(t *testing.T, cfg config)
	}{
		{name: "defaults", reason: "master key from the environment", env: map[string]string{"LITELLM_MASTER_KEY": "sk-env"},
			check: func(t *testing.T, cfg config) {
				assert.Equal(t, "sk-env", cfg.opts.MasterKey)
				assert.Equal(t, "127.0.0.1:4000", cfg.listen)
				assert.Equal(t, litellmsim.DefaultCostPerCall, cfg.opts.CostPerCall)
				assert.Equal(t, 10*time.Minute, cfg.opts.BudgetResetInterval)
				assert.False(t, cfg.opts.Premium)
				assert.False(t, cfg.opts.DisableCustomAPIKeys)
				assert.Empty(t, cfg.opts.KeyAliasPattern)
				assert.Equal(t, litellmsim.DefaultAuthCacheTTL, cfg.opts.AuthCacheTTL)
				assert.False(t, cfg.opts.PermitWeakMasterKey)
			}},
		{name: "flag wins", reason: "--master-key over the environment", args: []string{"--master-key", "sk-flag"}, env: map[string]string{"LITELLM_MASTER_KEY": "sk-env"},
			check: func(t *testing.T, cfg config) { assert.Equal(t, "sk-flag", cfg.opts.MasterKey) }},
		{name: "no master key", reason: "required", wantErr: "master key from LITELLM_MASTER_KEY: the master key is unset or empty"},
		{name: "bad master key", reason: "must start with sk-", args: []string{"--master-key", "master"}, wantErr: `master key from --master-key: the master key must start with "sk-"`},
		{name: "sk-1234", reason: "v1.104 refuses the publicly known key", args: []string{"--master-key", "sk-1234"}, wantErr: "publicly known"},
		{name: "sk-1234 from the environment", reason: "the error names where the key came from", env: map[string]string{"LITELLM_MASTER_KEY": "sk-1234"},
			wantErr: "master key from LITELLM_MASTER_KEY"},
		{name: "sk-1234 permitted by flag", reason: "the escape hatch for sandboxes", args: []string{"--master-key", "sk-1234", "--dangerously-permit-weak-master-key"},
			check: func(t *testing.T, cfg config) { assert.True(t, cfg.opts.PermitWeakMasterKey) }},
		{name: "sk-1234 permitted by environment", reason: "LiteLLM's variable", args: []string{"--master-key", "sk-1234"},
			env:   map[string]string{"LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY": "true"},
			check: func(t *testing.T, cfg config) { assert.True(t, cfg.opts.PermitWeakMasterKey) }},
		{name: "empty even when permitted", reason: "no unauthenticated mode", args: []string{"--dangerously-permit-weak-master-key"}, wantErr: "unset or empty"},
		{name: "proxy settings", reason: "the proxy's settings as flags",
			args: []string{"--master-key", "sk-a", "--disable-custom-api-keys", "--key-alias-pattern", "team-[a-z]+", "--auth-cache-ttl", "5m"},
			check: func(t *testing.T, cfg config) {
				assert.True(t, cfg.opts.DisableCustomAPIKeys)
				assert.Equal(t, "team-[a-z]+", cfg.opts.KeyAliasPattern)
				assert.Equal(t, 5*time.Minute, cfg.opts.AuthCacheTTL)
			}},
		{name: "no auth cache", reason: "0 turns the cache off (a negative TTL in Options)", args: []string{"--master-key", "sk-a", "--auth-cache-ttl", "0"},
			check: func(t *testing.T, cfg config) { assert.Negative(t, cfg.opts.AuthCacheTTL) }},
		{name: "bad auth cache ttl", reason: "a duration", args: []string{"--master-key", "sk-a", "--auth-cache-ttl", "soon"}, wantErr: "--auth-cache-ttl"},
		{name: "new variants", reason: "every switch has a flag",
			args: []string{"--master-key", "sk-a", "--variant-budget-exceeded-429", "--variant-key-not-found-401", "--variant-member-add-duplicate-400",
				"--variant-member-budget-null-ignored", "--variant-team-budget-reset-unaligned", "--variant-unvalidated-budget-duration", "--variant-no-team-list-v2"},
			check: func(t *testing.T, cfg config) {
				assert.Equal(t, litellmsim.Variant{BudgetExceeded429: true, KeyNotFound401: true, MemberAddDuplicate400: true, MemberBudgetNullIgnored: true,
					TeamBudgetResetUnaligned: true, UnvalidatedBudgetDuration: true, NoTeamListV2: true}, cfg.opts.Variant)
			}},
		{name: "faults and variants", reason: "every fault flag is repeatable",
			args: []string{"--master-key", "sk-a", "--premium", "--cost-per-call", "0.1", "--latency", "20ms", "--jitter", "5ms",
				"--path-latency", "/key/info=1s", "--drop-after-apply", "/key/generate=1", "--drop-after-apply", "/user/new=2",
				"--fail", "/key/update=503:2", "--fail-rate", "/key/list=500:0.5", "--rate-limit", "/team/list=1:3s",
				"--variant-budget-exceeded-400", "--variant-integer-error-code", "--models", "a, b"},
			check: func(t *testing.T, cfg config) {
				assert.True(t, cfg.opts.Premium)
				assert.Equal(t, 0.1, cfg.opts.CostPerCall)
				assert.Equal(t, []string{"a", "b"}, cfg.opts.Models)
				assert.Equal(t, litellmsim.Variant{BudgetExceeded400: true, IntegerErrorCode: true}, cfg.opts.Variant)
				assert.Equal(t, "20ms", cfg.faults.Latency)
				assert.Equal(t, map[string]string{"/key/info": "1s"}, cfg.faults.PathLatency)
				assert.Equal(t, []litellmsim.PathCount{{Path: "/key/generate", N: 1}, {Path: "/user/new", N: 2}}, cfg.faults.DropAfterApply)
				assert.Equal(t, []litellmsim.PathStatusCount{{Path: "/key/update", Status: 503, N: 2}}, cfg.faults.FailNext)
				assert.Equal(t, []litellmsim.PathStatusRate{{Path: "/key/list", Status: 500, Rate: 0.5}}, cfg.faults.FailRate)
				assert.Equal(t, []litellmsim.PathRetry{{Path: "/team/list", N: 1, RetryAfter: "3s"}}, cfg.faults.RateLimitNext)
			}},
		{name: "bad fail", reason: "STATUS:N required", args: []string{"--master-key", "sk-a", "--fail", "/key/update=503"}, wantErr: "--fail"},
		{name: "bad drop", reason: "PATH must start with /", args: []string{"--master-key", "sk-a", "--drop-after-apply", "key=1"}, wantErr: "--drop-after-apply"},
		{name: "bad rate", reason: "rate in 0..1", args: []string{"--master-key", "sk-a", "--fail-rate", "/x=500:2"}, wantErr: "--fail-rate"},
		{name: "stray argument", reason: "no positional arguments", args: []string{"--master-key", "sk-a", "extra"}, wantErr: "unexpected"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			cfg, err := parseFlags(tc.args, env(tc.env), &stderr)
			if tc.wantErr != "" {
				assert.ErrorContains(t, err, tc.wantErr, tc.reason)
				return
			}
			require.NoError(t, err, tc.reason)
			tc.check(t, cfg)
		})
	}
}

func TestRunRejectsBadFaults(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"--master-key", "sk-a", "--latency", "soon"}, func(string) string { return "" }, &stdout, &stderr)
	assert.Equal(t, 2, code, "an invalid duration is a usage error")
	assert.Empty(t, stdout.String(), "no URL is printed")
	code = run([]string{"--help"}, func(string) string { return "" }, &stdout, &stderr)
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr.String(), "-drop-after-apply", "--help documents the flags")
}

func TestRunRefusesWeakMasterKey(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"--listen", "127.0.0.1:0"}, func(k string) string {
		return map[string]string{"LITELLM_MASTER_KEY": "sk-1234"}[k]
	}, &stdout, &stderr)
	assert.Equal(t, 2, code, "v1.104 refuses to start with sk-1234")
	assert.Empty(t, stdout.String(), "no URL: nothing serves")
	assert.Contains(t, stderr.String(), "publicly known")
	assert.NotContains(t, stderr.String(), "sk-1234", "the key itself is not printed")
}

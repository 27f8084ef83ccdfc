package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/operator"
	"github.com/litellm-operator/litellm-operator/test/controlplane"
	"github.com/litellm-operator/litellm-operator/test/harness"
)

const (
	// The instance the guide's YAML names: instanceRef {name: litellm-example, namespace: litellm}.
	instanceName      = "litellm-example"
	instanceNamespace = "litellm"
	// The operator re-reads LiteLLM this often in the demo (default 5m), so spend shows up quickly.
	demoResync = 5 * time.Second
	// markerFile marks a folder as the demo's: only such a folder is ever emptied.
	markerFile = ".litellm-demo"
	// envMarker is set on every process the demo starts, so tests can tell them apart.
	envMarker = "LITELLM_DEMO_DIR"
)

// demo is one run: what it started and what it created.
type demo struct {
	cfg config
	ui  *ui

	started   time.Time
	cp        *controlplane.ControlPlane
	sim       *harness.Process
	operator  *harness.Process
	k8s       client.Client
	url       string // the LiteLLM proxy
	masterKey string
	applied   []manifest
	// exploring is set once the demo waits for Ctrl-C: an interrupt then is the normal end.
	exploring bool
}

func (d *demo) path(name string) string { return filepath.Join(d.cfg.dir, name) }

// rel shows a path relative to the working directory when it is below it.
func (d *demo) rel(path string) string {
	if wd, err := os.Getwd(); err == nil {
		if r, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
	}
	return path
}

func (d *demo) run(ctx context.Context) error {
	d.started = time.Now()
	d.ui.printf("LiteLLM operator demo: Kubernetes, LiteLLM and the operator, all on this machine.\n")
	if err := d.prepareDir(); err != nil {
		return err
	}
	if err := d.setLogger(); err != nil {
		return err
	}
	steps := []func(context.Context) error{
		d.checkProxy, d.build, d.startControlPlane, d.startLiteLLM, d.startOperator, d.createInstance,
		d.applyAndWait, d.showTable, d.prove, d.explore,
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// prepareDir stops whatever an earlier demo left running and empties the demo's folder.
func (d *demo) prepareDir() error {
	dir := d.cfg.dir
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(dir, markerFile)); err != nil {
			return fmt.Errorf("%s exists and is not the demo's folder (no %s file): choose another DEMO_DIR", dir, markerFile)
		}
		if stopped := stopLeftovers(dir); len(stopped) > 0 {
			d.ui.done("Stopped what an earlier demo left running: %s", strings.Join(stopped, ", "))
		}
		for _, e := range entries {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("cleaning %s: %w", dir, err)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, markerFile), []byte("Folder of `make demo`; emptied on every run.\n"), 0o600); err != nil {
		return err
	}
	return d.recordPIDs()
}

// setLogger sends what the libraries the demo uses log (controller-runtime's CRD installer and
// client) to demo.log, before anything logs: without a logger, controller-runtime prints a
// "log.SetLogger(...) was never called" stack trace in the middle of the demo's output.
func (d *demo) setLogger() error {
	f, err := os.OpenFile(d.path("demo.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	ctrllog.SetLogger(zap.New(zap.WriteTo(f)))
	return nil
}

// recordPIDs writes the pid file: the demo and every process it started.
func (d *demo) recordPIDs() error {
	self := os.Getpid()
	entries := append([]pidEntry{{pid: self, start: processStartTime(self), name: demoProcessName}}, childrenOf(self)...)
	return writePIDFile(d.cfg.dir, entries)
}

func (d *demo) controlPlaneBinDir() string {
	return filepath.Join(d.cfg.root, "bin", "k8s", controlplane.KubernetesVersion+"-"+runtime.GOOS+"-"+runtime.GOARCH)
}

// build runs `make build controlplane`: the operator and simulator binaries, and (the first time)
// etcd, kube-apiserver, kube-controller-manager and kubectl from source. Later runs reuse bin/.
func (d *demo) build(ctx context.Context) error {
	start := time.Now()
	cold := false
	for _, name := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kubectl"} {
		if _, err := os.Stat(filepath.Join(d.controlPlaneBinDir(), name)); err != nil {
			cold = true
		}
	}
	what := "Building bin/manager and bin/litellm-sim"
	if cold {
		what = "First run: building Kubernetes from source into bin/ (about 7 minutes on two cores; later runs take seconds)"
		d.ui.printf("  %s…", what)
	}
	stop := d.ui.spin(func() string { return fmt.Sprintf("%s (%s)", what, elapsed(time.Since(start))) })
	defer stop()

	logPath := d.path("build.log")
	logFile, err := os.Create(logPath) //nolint:gosec // the demo's own folder
	if err != nil {
		return err
	}
	defer func() { _ = logFile.Close() }()
	cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "build", "controlplane")
	cmd.Dir = d.cfg.root
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// A top-level make of its own: when the demo runs under `make demo`, the outer make's flags
	// (and jobserver) must not leak in.
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "MAKEFLAGS=") || strings.HasPrefix(kv, "MFLAGS=") || strings.HasPrefix(kv, "MAKELEVEL=")
	})
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return errors.New("make not found: the demo runs `make build controlplane` to build what it needs")
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		stop()
		return fmt.Errorf("`make build controlplane` failed (%w); end of %s:\n%s", err, d.rel(logPath), indent(harness.Tail(logPath, 2000)))
	}
	stop()
	d.ui.done("Built the operator, the simulator and the control plane (%s)", elapsed(time.Since(start)))
	return nil
}

func (d *demo) startControlPlane(ctx context.Context) error {
	start := time.Now()
	stop := d.ui.spin(func() string {
		return fmt.Sprintf("Starting Kubernetes %s: etcd, kube-apiserver, garbage collector (%s)", controlplane.KubernetesVersion, elapsed(time.Since(start)))
	})
	defer stop()
	if err := os.MkdirAll(d.path("controlplane"), 0o750); err != nil {
		return err
	}
	cp, err := controlplane.Start(controlplane.Options{
		BinDir:            d.controlPlaneBinDir(),
		Dir:               d.path("controlplane"),
		GarbageCollection: true,
		CRDDirectoryPaths: []string{filepath.Join(d.cfg.root, "config", "crd", "bases")},
	})
	if cp != nil {
		d.cp = cp
	}
	if err := d.recordPIDs(); err != nil {
		return err
	}
	if err != nil {
		return fmt.Errorf("starting the control plane: %w", err)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	kubeconfig, err := os.ReadFile(cp.KubeconfigPath())
	if err != nil {
		return err
	}
	if err := os.WriteFile(d.path("kubeconfig"), kubeconfig, 0o600); err != nil { //nolint:gosec // the demo's own folder
		return err
	}
	if d.k8s, err = client.New(cp.Config(), client.Options{Scheme: operator.NewScheme(v1alpha1.AddToScheme)}); err != nil {
		return err
	}
	stop()
	d.ui.done("Kubernetes %s running on this machine, CRDs installed (%s)", controlplane.KubernetesVersion, elapsed(time.Since(start)))
	return nil
}

// checkProxy checks, before anything is built or started, that the proxy named in
// DEMO_LITELLM_URL answers.
func (d *demo) checkProxy(ctx context.Context) error {
	if !d.cfg.external() {
		return nil
	}
	if err := healthy(ctx, d.cfg.litellmURL); err != nil {
		return fmt.Errorf("the LiteLLM proxy at %s (DEMO_LITELLM_URL) does not answer: %w", d.cfg.litellmURL, err)
	}
	return nil
}

// startLiteLLM starts the simulator, or uses the proxy named in DEMO_LITELLM_URL.
func (d *demo) startLiteLLM(_ context.Context) error {
	if d.cfg.external() {
		d.url, d.masterKey = d.cfg.litellmURL, d.cfg.litellmMasterKey
		d.ui.done("Using your LiteLLM proxy at %s (DEMO_LITELLM_URL); the demo deletes what it creates there", d.url)
		return nil
	}
	d.masterKey = "sk-demo-" + randomHex(12)
	sim, url, err := harness.StartPrintingURL(harness.Command{
		Name: "the LiteLLM simulator", Path: filepath.Join(d.cfg.root, "bin", "litellm-sim"), Args: []string{"--listen", "127.0.0.1:0"},
		Env: []string{envMarker + "=" + d.cfg.dir, "LITELLM_MASTER_KEY=" + d.masterKey}, LogPath: d.path("litellm-sim.log"),
	}, 30*time.Second)
	if sim != nil {
		d.sim = sim
	}
	if err := d.recordPIDs(); err != nil {
		return err
	}
	if err != nil {
		return err
	}
	d.url = url
	d.ui.done("LiteLLM simulator at %s (a free proxy: Enterprise-only fields are refused)", url)
	return nil
}

func (d *demo) startOperator(ctx context.Context) error {
	start := time.Now()
	addrs, err := harness.FreeAddresses(1)
	if err != nil {
		return err
	}
	probe := addrs[0]
	logPath := d.path("operator.log")
	op, err := harness.Start(harness.Command{
		Name: "the operator", Path: filepath.Join(d.cfg.root, "bin", "manager"),
		Args: []string{"--metrics-bind-address=0", "--health-probe-bind-address=" + probe,
			"--resync-period=" + demoResync.String(), "--zap-encoder=console", "--zap-time-encoding=iso8601"},
		Env:     []string{"KUBECONFIG=" + d.path("kubeconfig"), "WATCH_NAMESPACE=", envMarker + "=" + d.cfg.dir},
		LogPath: logPath,
	})
	if op != nil {
		d.operator = op
	}
	if err := d.recordPIDs(); err != nil {
		return err
	}
	if err != nil {
		return err
	}
	stop := d.ui.spin(func() string { return fmt.Sprintf("Starting the operator (%s)", elapsed(time.Since(start))) })
	defer stop()
	readyCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := harness.WaitHTTP(readyCtx, nil, "http://"+probe+"/readyz", op); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("the operator did not become ready (log: %s): %w", d.rel(logPath), err)
	}
	stop()
	d.ui.done("Operator running as a process: bin/manager, log in %s (%s)", d.rel(logPath), elapsed(time.Since(start)))
	return nil
}

// createInstance sets up the instance the guide's YAML refers to, by the documented convention:
// the Secret <name>-secrets in the instance namespace, with the master key, the proxy's URL, and
// the grant that lets the demo's namespace use it from another namespace.
func (d *demo) createInstance(ctx context.Context) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: instanceNamespace}}
	if err := d.k8s.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating namespace %s: %w", instanceNamespace, err)
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:   instanceNamespace,
			Name:        instanceName + "-secrets",
			Annotations: map[string]string{v1alpha1.AnnotationAllowedNamespaces: demoNamespace},
		},
		StringData: map[string]string{"masterkey": d.masterKey, "url": d.url},
	}
	if err := d.k8s.Create(ctx, secret); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating the instance Secret: %w", err)
	}
	d.ui.done("Instance %s/%s: Secret %s (masterkey, url), open to namespace %s",
		instanceNamespace, instanceName, secret.Name, demoNamespace)
	return nil
}

func (d *demo) applyAndWait(ctx context.Context) error {
	ms, err := manifests(d.cfg.root)
	if err != nil {
		return err
	}
	d.ui.printf("\nApplying the guide's VirtualKey, the samples and a blocked key in namespace %s:", demoNamespace)
	d.applied = ms
	if err := apply(ctx, d.k8s, ms); err != nil {
		return err
	}
	start := time.Now()
	if err := waitSettled(ctx, d.ui, d.k8s, ms, 3*time.Minute); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w\n  See %s and `bin/kubectl describe` on the object", err, d.rel(d.path("operator.log")))
	}
	d.ui.done("All Ready in %s\n", elapsed(time.Since(start)))
	return nil
}

func (d *demo) showTable(ctx context.Context) error {
	rows, err := listRows(ctx, d.k8s, demoNamespace)
	if err != nil {
		return err
	}
	d.ui.printf("What the operator created in LiteLLM (kubectl get litellm shows the same):")
	d.ui.mu.Lock()
	printTable(d.ui.out, rows)
	d.ui.mu.Unlock()
	return nil
}

// prove calls LiteLLM with every key: the guide's and the User's (accepted) and the blocked one
// (refused), reading each key from its Secret as the guide does, then waits for the operator to
// report the spend.
func (d *demo) prove(ctx context.Context) error {
	d.ui.printf("\nCalling LiteLLM's /chat/completions with the keys, as an application would:")
	for _, name := range []string{"example-service", "jane-key"} {
		secret, key, err := readKey(ctx, d.k8s, demoNamespace, name)
		if err != nil {
			return err
		}
		res, err := chat(ctx, d.url, key)
		if err != nil {
			return err
		}
		d.ui.printf("  %s, key from Secret %s:\n    %d OK, the model answered %q", name, secret, res.status, res.reply)
		if !res.accepted() {
			hint := ""
			if d.cfg.external() {
				hint = " (the demo's keys may use model " + chatModel + " only: your proxy must serve it)"
			}
			return fmt.Errorf("LiteLLM refused the %s key: %d %s%s", name, res.status, res.reply, hint)
		}
	}

	secret, key, err := readKey(ctx, d.k8s, demoNamespace, "blocked-service")
	if err != nil {
		return err
	}
	res, err := chat(ctx, d.url, key)
	if err != nil {
		return err
	}
	if res.accepted() {
		return errors.New("LiteLLM accepted the blocked key blocked-service")
	}
	d.ui.printf("  blocked-service (spec.blocked: true), key from Secret %s:\n    %d refused: %s", secret, res.status, res.reply)
	return d.waitSpend(ctx)
}

// waitSpend waits for the operator's next read of the key to bring the call's cost into status.
func (d *demo) waitSpend(ctx context.Context) error {
	start := time.Now()
	timeout := 3 * demoResync
	if d.cfg.external() {
		timeout = 90 * time.Second // LiteLLM writes spend to its database in batches
	}
	stop := d.ui.spin(func() string {
		return fmt.Sprintf("Waiting for the operator to read the spend back from LiteLLM (%s)", elapsed(time.Since(start)))
	})
	defer stop()
	for {
		vk := &v1alpha1.VirtualKey{}
		if err := d.k8s.Get(ctx, client.ObjectKey{Namespace: demoNamespace, Name: "example-service"}, vk); err == nil && spendOf(vk.Status.CurrentSpend) > 0 {
			stop()
			d.ui.done("The operator read the spend back from LiteLLM: example-service has spent %s USD (status.currentSpend, %s)",
				vk.Status.CurrentSpend, elapsed(time.Since(start)))
			return nil
		}
		if time.Since(start) > timeout {
			stop()
			if d.cfg.external() {
				d.ui.printf("  (LiteLLM has not reported the spend yet; kubectl get virtualkeys shows it later)")
				return nil
			}
			return fmt.Errorf("status.currentSpend of example-service still 0 after %s", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// explore writes the files for kubectl and curl, prints what to try, and waits for Ctrl-C.
func (d *demo) explore(ctx context.Context) error {
	env := fmt.Sprintf("# Written by the demo; valid while it runs.\nLITELLM_URL=%s\nLITELLM_MASTER_KEY=%s\n", d.url, d.masterKey)
	if err := os.WriteFile(d.path("litellm.env"), []byte(env), 0o600); err != nil {
		return err
	}
	kubeconfig, envFile := d.rel(d.path("kubeconfig")), d.rel(d.path("litellm.env"))
	kubectl := d.rel(filepath.Join(d.cfg.root, "bin", "kubectl"))
	d.ui.printf(`
Ready in %s. Explore with kubectl and curl (in another terminal):
  export KUBECONFIG=%s
  %s get litellm                   # every VirtualKey, User, Team, TeamMemberAssociation
  %s describe virtualkey example-service
  KEY=$(%s get secret example-service-key -o jsonpath='{.data.key}' | base64 -d)
  source %s                     # LITELLM_URL, LITELLM_MASTER_KEY
  curl -s $LITELLM_URL/chat/completions -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' -d '{"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}]}'
  %s annotate virtualkey example-service auth.litellm.ai/rotate=$(date +%%s)   # rotate the key
Docs: docs/virtualkeys.md, docs/users.md, docs/teams.md, docs/teammemberassociations.md`,
		elapsed(time.Since(d.started)), kubeconfig, kubectl, kubectl, kubectl, envFile, kubectl)
	if d.cfg.once {
		d.ui.printf("\nDEMO_ONCE is set: stopping now instead of waiting for Ctrl-C.")
		return nil
	}
	d.exploring = true
	d.ui.printf("\nPress Ctrl-C to stop everything and clean up.")
	var simDone <-chan struct{}
	if d.sim != nil {
		simDone = d.sim.Done()
	}
	select {
	case <-ctx.Done():
		d.ui.printf("")
		return nil
	case <-d.operator.Done():
		return fmt.Errorf("the operator exited (%s); end of %s:\n%s", d.operator.ExitStatus(), d.rel(d.operator.LogPath()), indent(d.operator.Tail(1500)))
	case <-simDone:
		return fmt.Errorf("the LiteLLM simulator exited (%s); end of its log:\n%s", d.sim.ExitStatus(), indent(d.sim.Tail(1500)))
	}
}

// shutdown stops everything in reverse order and empties the demo's folder, keeping the logs.
func (d *demo) shutdown(failed bool) {
	start := time.Now()
	stop := d.ui.spin(func() string { return fmt.Sprintf("Stopping (%s)", elapsed(time.Since(start))) })
	if d.cfg.external() && d.k8s != nil && d.operator != nil && !d.operator.Exited() {
		d.removeFromLiteLLM()
	}
	var what []string
	if d.operator != nil {
		_ = d.operator.Stop(10 * time.Second)
		what = append(what, "the operator")
	}
	if d.sim != nil {
		_ = d.sim.Stop(5 * time.Second)
		what = append(what, "the simulator")
	}
	if d.cp != nil {
		_ = d.cp.Stop()
		what = append(what, "the control plane")
		if failed {
			// Keep the control plane's logs next to the operator's.
			for _, name := range []string{"etcd", "kube-apiserver", "kube-controller-manager"} {
				if data, err := os.ReadFile(filepath.Join(d.cp.Dir(), name+".log")); err == nil {
					_ = os.WriteFile(d.path(name+".log"), data, 0o600) //nolint:gosec // the demo's own folder
				}
			}
		}
	}
	kept := d.cleanDir()
	stop()
	var msg []string
	if len(what) > 0 {
		msg = append(msg, "Stopped "+joinAnd(what))
	}
	if len(kept) > 0 {
		msg = append(msg, "logs kept in "+d.rel(d.cfg.dir)+": "+strings.Join(kept, ", "))
	}
	if len(msg) > 0 {
		d.ui.printf("%s.", upperFirst(strings.Join(msg, "; ")))
	}
}

// removeFromLiteLLM deletes the demo's objects while the operator runs, so a real proxy is left as
// it was found.
func (d *demo) removeFromLiteLLM() {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for i := len(d.applied) - 1; i >= 0; i-- {
		_ = d.k8s.Delete(ctx, d.applied[i].obj.DeepCopy())
	}
	for ctx.Err() == nil {
		rows, err := listRows(ctx, d.k8s, demoNamespace)
		if err == nil && len(rows) == 0 {
			d.ui.done("Deleted the demo's keys, user, team and membership from your LiteLLM proxy")
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	d.ui.fail("Could not delete every demo object from your LiteLLM proxy within 90s; look for the aliases example-service, blocked-service, jane-key and the team research")
}

// cleanDir removes everything in the demo's folder but the logs, and returns the logs' names.
func (d *demo) cleanDir() []string {
	entries, err := os.ReadDir(d.cfg.dir)
	if err != nil {
		return nil
	}
	var kept []string
	for _, e := range entries {
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".log") || e.Name() == markerFile) {
			if e.Name() != markerFile {
				kept = append(kept, e.Name())
			}
			continue
		}
		_ = os.RemoveAll(filepath.Join(d.cfg.dir, e.Name()))
	}
	return kept
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

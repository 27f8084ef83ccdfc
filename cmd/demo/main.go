// Command demo runs the whole operator on this machine, with nothing but Go and make installed: a
// local Kubernetes control plane (etcd, kube-apiserver and the garbage collector, from bin/), the
// LiteLLM simulator, the operator as a process, and the user guide's objects. It shows them
// becoming Ready, proves that a key works and that a blocked key is refused, then leaves the
// cluster running for kubectl until Ctrl-C, when it stops everything it started.
//
// `make demo` builds and runs it. Settings, from the environment:
//
//	DEMO_ONCE=1                 run the same steps, then stop at once (exit 0 on success)
//	DEMO_LITELLM_URL            use this LiteLLM proxy instead of the simulator, with
//	DEMO_LITELLM_MASTER_KEY     its master key (the demo deletes what it created there on exit)
//	DEMO_DIR                    the demo's folder (default .demo in the repository)
//
// The input names differ from what .demo/litellm.env exports (LITELLM_URL, LITELLM_MASTER_KEY), so
// sourcing that file never redirects a later demo or test.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
)

func main() {
	os.Exit(run())
}

// config is the demo's environment.
type config struct {
	root string // the repository
	dir  string // the demo's folder
	once bool
	// A real LiteLLM proxy, when both are set.
	litellmURL, litellmMasterKey string
}

func (c config) external() bool { return c.litellmURL != "" }

func loadConfig(getenv func(string) string) (config, error) {
	root, err := repositoryRoot()
	if err != nil {
		return config{}, err
	}
	cfg := config{root: root, dir: filepath.Join(root, ".demo")}
	if d := getenv("DEMO_DIR"); d != "" {
		if cfg.dir, err = filepath.Abs(d); err != nil {
			return config{}, err
		}
	}
	switch strings.ToLower(getenv("DEMO_ONCE")) {
	case "", "0", "false", "no":
	default:
		cfg.once = true
	}
	cfg.litellmURL = strings.TrimRight(getenv("DEMO_LITELLM_URL"), "/")
	cfg.litellmMasterKey = getenv("DEMO_LITELLM_MASTER_KEY")
	if (cfg.litellmURL == "") != (cfg.litellmMasterKey == "") {
		return config{}, errors.New("set both DEMO_LITELLM_URL and DEMO_LITELLM_MASTER_KEY to use your own LiteLLM proxy, or neither to use the simulator")
	}
	return cfg, nil
}

func run() int {
	cfg, err := loadConfig(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 2
	}
	// The first Ctrl-C (or SIGTERM) cancels ctx and the demo stops everything in order; after that,
	// a second one ends the demo at once (its children die with it: parent-death signal).
	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stopSignals()
	}()

	d := &demo{cfg: cfg, ui: newUI(os.Stdout)}
	err = d.run(ctx)
	interrupted := ctx.Err() != nil
	d.shutdown(err != nil && !interrupted)
	switch {
	case err != nil && interrupted && !d.exploring:
		fmt.Fprintln(os.Stderr, "demo: interrupted")
		return 130
	case err != nil && !interrupted:
		fmt.Fprintf(os.Stderr, "demo failed: %v\n", err)
		return 1
	}
	return 0
}

// repositoryRoot walks up from the working directory to the folder with go.mod and hack/tools.
func repositoryRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		_, errMod := os.Stat(filepath.Join(dir, "go.mod"))
		_, errTools := os.Stat(filepath.Join(dir, "hack", "tools"))
		if errMod == nil && errTools == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run the demo inside the litellm-operator repository (`make demo`)")
		}
		dir = parent
	}
}

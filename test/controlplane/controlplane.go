package controlplane

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/litellm-operator/litellm-operator/test/harness"
)

// KubernetesVersion is the version of the binaries the Makefile builds into bin/k8s.
const KubernetesVersion = "1.37.2"

// Options configures Start.
type Options struct {
	// BinDir holds etcd, kube-apiserver and kube-controller-manager. Default: $KUBEBUILDER_ASSETS,
	// else bin/k8s/<version>-<os>-<arch> in the repository that contains the working directory.
	BinDir string
	// Dir keeps data, certificates, logs and the kubeconfig. Default: a new temporary folder that
	// Stop removes.
	Dir string
	// CRDDirectoryPaths are installed, and waited for, before Start returns.
	CRDDirectoryPaths []string
	// GarbageCollection also starts kube-controller-manager with the garbage-collector and
	// namespace controllers, so owned objects and namespaces are deleted as in a real cluster.
	GarbageCollection bool
	// StartTimeout bounds the wait for each component to become healthy. Default 60s.
	StartTimeout time.Duration
	// APIServerFlags sets kube-apiserver flags by name (without "--"), replacing a default flag of
	// the same name; an empty value removes the default. For example, an authorization webhook
	// that records what a client is checked for replaces "authorization-mode" with
	// "authorization-config".
	APIServerFlags map[string]string
}

// ControlPlane is a running local control plane.
type ControlPlane struct {
	dir, kubeconfig string
	removeDir       bool
	config          *rest.Config
	processes       []*harness.Process
	stopOnce        sync.Once
	stopErr         error
}

// Start brings up etcd and kube-apiserver (and kube-controller-manager when asked) on free loopback
// ports, writes an admin kubeconfig and installs the given CRDs. On error everything started so far
// is stopped again.
func Start(opts Options) (cp *ControlPlane, err error) {
	binDir, err := ResolveBinDir(opts.BinDir)
	if err != nil {
		return nil, err
	}
	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	cp = &ControlPlane{dir: opts.Dir}
	if cp.dir == "" {
		if cp.dir, err = os.MkdirTemp("", "litellm-controlplane-"); err != nil {
			return nil, err
		}
		cp.removeDir = true
	}
	defer func() {
		if err != nil {
			_ = cp.Stop()
		}
	}()

	certs, err := writePKI(cp.dir)
	if err != nil {
		return cp, fmt.Errorf("writing certificates: %w", err)
	}
	ports, err := harness.FreePorts(3)
	if err != nil {
		return cp, err
	}
	etcdClient := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	etcdPeer := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	apiPort := ports[2]

	etcd, err := start(binDir, cp.dir, "etcd",
		"--name=local",
		"--data-dir="+filepath.Join(cp.dir, "etcd"),
		"--listen-client-urls="+etcdClient, "--advertise-client-urls="+etcdClient,
		"--listen-peer-urls="+etcdPeer, "--initial-advertise-peer-urls="+etcdPeer,
		"--initial-cluster=local="+etcdPeer,
		"--unsafe-no-fsync=true", "--log-level=warn")
	if err != nil {
		return cp, err
	}
	cp.processes = append(cp.processes, etcd)
	if err := waitHealthy(etcd, http.DefaultClient, etcdClient+"/health", timeout); err != nil {
		return cp, err
	}

	api, err := start(binDir, cp.dir, "kube-apiserver", withFlags([]string{
		"--etcd-servers=" + etcdClient,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(apiPort),
		"--tls-cert-file=" + certs.servingCertPath, "--tls-private-key-file=" + certs.servingKey,
		"--client-ca-file=" + certs.caPath,
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file=" + certs.saPublicPath,
		"--service-account-signing-key-file=" + certs.saPrivatePath,
		"--service-cluster-ip-range=10.0.0.0/24",
		// The kubernetes Service's endpoints may not point at loopback; nothing here needs them.
		"--endpoint-reconciler-type=none",
		"--authorization-mode=RBAC",
		"--allow-privileged=true",
		// No pods run here, so the admission plugin that mounts service-account tokens has nothing to do.
		"--disable-admission-plugins=ServiceAccount",
		"--cert-dir=" + filepath.Join(cp.dir, "apiserver-certs"),
	}, opts.APIServerFlags)...)
	if err != nil {
		return cp, err
	}
	cp.processes = append(cp.processes, api)

	host := "https://127.0.0.1:" + strconv.Itoa(apiPort)
	cp.config = &rest.Config{
		Host: host,
		TLSClientConfig: rest.TLSClientConfig{
			CAData: certs.caCertPEM, CertData: certs.adminCertPEM, KeyData: certs.adminKeyPEM,
		},
		QPS: 200, Burst: 400,
	}
	httpClient, err := rest.HTTPClientFor(cp.config)
	if err != nil {
		return cp, err
	}
	if err := waitHealthy(api, httpClient, host+"/readyz", timeout); err != nil {
		return cp, err
	}
	if cp.kubeconfig, err = writeKubeconfig(cp.dir, host, certs); err != nil {
		return cp, err
	}

	if opts.GarbageCollection {
		kcm, err := start(binDir, cp.dir, "kube-controller-manager",
			"--kubeconfig="+cp.kubeconfig,
			"--controllers=garbagecollector,namespace",
			"--leader-elect=false", "--secure-port=0",
			"--service-account-private-key-file="+certs.saPrivatePath,
			"--root-ca-file="+certs.caPath,
			"--use-service-account-credentials=false")
		if err != nil {
			return cp, err
		}
		cp.processes = append(cp.processes, kcm)
	}

	if len(opts.CRDDirectoryPaths) > 0 {
		if _, err := envtest.InstallCRDs(cp.config, envtest.CRDInstallOptions{
			Paths: opts.CRDDirectoryPaths, ErrorIfPathMissing: true,
		}); err != nil {
			return cp, fmt.Errorf("installing CRDs: %w", err)
		}
	}
	return cp, nil
}

// Config returns an admin (system:masters) client configuration. Each call returns a copy.
func (c *ControlPlane) Config() *rest.Config { return rest.CopyConfig(c.config) }

// KubeconfigPath is the admin kubeconfig file, for kubectl and for processes started by the caller.
func (c *ControlPlane) KubeconfigPath() string { return c.kubeconfig }

// Dir is the folder with data, logs and certificates.
func (c *ControlPlane) Dir() string { return c.dir }

// Clientset is a convenience for callers that need typed core clients.
func (c *ControlPlane) Clientset() (*kubernetes.Clientset, error) {
	return kubernetes.NewForConfig(c.Config())
}

// Stop ends every process in reverse start order and removes the temporary folder. It is safe to
// call more than once.
func (c *ControlPlane) Stop() error {
	c.stopOnce.Do(func() {
		var errs []error
		for i := len(c.processes) - 1; i >= 0; i-- {
			errs = append(errs, c.processes[i].Stop(15*time.Second))
		}
		if c.removeDir {
			errs = append(errs, os.RemoveAll(c.dir))
		}
		c.stopErr = errors.Join(errs...)
	})
	return c.stopErr
}

// MakeTarget builds the control-plane binaries and runs every test that needs them.
const MakeTarget = "make test"

// Unavailable says why a control plane cannot start here ("" when it can): the message for a test
// skipped for want of one, naming the make target that builds it and runs the test.
func Unavailable() string {
	if _, err := ResolveBinDir(""); err != nil {
		return fmt.Sprintf("needs a local control plane, which is not built (%v); `%s` builds it and runs this test", err, MakeTarget)
	}
	return ""
}

// withFlags returns args with each flag of flags set: a default of the same name is replaced, or
// removed when the value is empty; new flags are appended in name order.
func withFlags(args []string, flags map[string]string) []string {
	out := make([]string, 0, len(args)+len(flags))
	for _, arg := range args {
		name, _, _ := strings.Cut(strings.TrimPrefix(arg, "--"), "=")
		if _, set := flags[name]; !set {
			out = append(out, arg)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(flags)) {
		if flags[name] != "" {
			out = append(out, "--"+name+"="+flags[name])
		}
	}
	return out
}

// ResolveBinDir returns the folder of the control-plane binaries: dir, else $KUBEBUILDER_ASSETS,
// else bin/k8s/<version>-<os>-<arch> of the repository. The error says how to build them.
func ResolveBinDir(dir string) (string, error) {
	if dir == "" {
		dir = os.Getenv("KUBEBUILDER_ASSETS")
	}
	if dir == "" {
		root, err := repositoryRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "bin", "k8s", KubernetesVersion+"-"+runtime.GOOS+"-"+runtime.GOARCH)
	}
	for _, name := range []string{"etcd", "kube-apiserver"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil { //nolint:gosec // the folder is the caller's own setting
			return "", fmt.Errorf("control-plane binary %s not found in %s: run `make controlplane` first", name, dir)
		}
	}
	return dir, nil
}

// repositoryRoot walks up from the working directory to the folder holding go.mod and bin/.
func repositoryRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "hack", "tools")); err == nil {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find the repository root (a folder with go.mod and hack/tools) above the working directory")
		}
		dir = parent
	}
}

// start runs one control-plane binary from binDir, its output in logDir/<name>.log.
func start(binDir, logDir, name string, args ...string) (*harness.Process, error) {
	return harness.Start(harness.Command{
		Name: name, Path: filepath.Join(binDir, name), Args: args, LogPath: filepath.Join(logDir, name+".log"),
	})
}

// waitHealthy polls url until it answers 200, failing early when the process has exited.
func waitHealthy(p *harness.Process, client *http.Client, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return harness.WaitHTTP(ctx, client, url, p)
}

func writeKubeconfig(dir, host string, certs *pki) (string, error) {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = &clientcmdapi.Cluster{Server: host, CertificateAuthorityData: certs.caCertPEM}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{
		ClientCertificateData: certs.adminCertPEM, ClientKeyData: certs.adminKeyPEM,
	}
	cfg.Contexts["local"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "admin", Namespace: "default"}
	cfg.CurrentContext = "local"
	path := filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return "", err
	}
	return path, nil
}

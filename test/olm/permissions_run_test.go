package olm

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers"
	"github.com/litellm-operator/litellm-operator/pkg/connection"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
	"github.com/litellm-operator/litellm-operator/pkg/operator"
	"github.com/litellm-operator/litellm-operator/test/controlplane"
	"github.com/litellm-operator/litellm-operator/test/harness"
	"github.com/litellm-operator/litellm-operator/test/harness/suite"
)

// The run installs the operator as OLM does for a MultiNamespace OperatorGroup: the CSV's
// permissions become a Role in the operator's namespace and in each target namespace, its
// clusterPermissions a ClusterRole. OwnNamespace and SingleNamespace are the same shape with one
// target; for AllNamespaces OLM lifts the same rules to cluster scope.
const (
	operatorNamespace = "litellm-operators"
	tenantNamespace   = "team-a"
	instanceNamespace = "litellm"
	runMasterKey      = "sk-master-permissions-0123456789"
	runWait           = 45 * time.Second
)

// TestBundlePermissionsAreWhatTheOperatorUses runs the operator with exactly the bundle's
// permissions on a control plane that enforces RBAC and OpenShift's owner-reference admission
// plugin, through a run that takes every path that needs a permission (keys, rotation,
// bring-your-own key, users with and without an auto-created key, teams, memberships, a repeated Event,
// adoption of the replaced operator's objects, a grant by namespace label, connection Secrets held
// and released, deletion, leader election, a secured metrics scrape),
// and records every authorization check the API server makes for it. The recorded checks and the
// bundle's rules must be the same: a check the bundle does not grant, or a grant the run never
// needed, fails with what to change.
func TestBundlePermissionsAreWhatTheOperatorUses(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a control plane and the operator")
	}
	suite.SkipWithoutControlPlane(t)
	csv := loadCSV(t)
	serviceAccount := csvDeployment(t, csv).Template.Spec.ServiceAccountName
	user := "system:serviceaccount:" + operatorNamespace + ":" + serviceAccount
	recorder := newAuthzRecorder(t, user)

	cp, err := controlplane.Start(controlplane.Options{
		CRDDirectoryPaths: []string{repoPath("config", "crd", "bases")},
		APIServerFlags:    recorder.apiServerFlags(t),
	})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, cp.Stop()) })
	admin, err := client.New(cp.Config(), client.Options{Scheme: operator.NewScheme(v1alpha1.AddToScheme)})
	require.NoError(t, err)
	clientset, err := cp.Clientset()
	require.NoError(t, err)
	ctx := context.Background()

	installNamespaces := []string{operatorNamespace, tenantNamespace, instanceNamespace}
	for _, ns := range installNamespaces {
		require.NoError(t, admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	}
	metricsReader := installLikeOLM(t, admin, csv, installNamespaces)
	operatorToken := serviceAccountToken(t, admin, clientset, serviceAccount, nil)
	scraperToken := serviceAccountToken(t, admin, clientset, "metrics-scraper", &rbacv1.RoleRef{
		APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: metricsReader,
	})

	sim, err := litellmsim.New(litellmsim.Options{MasterKey: runMasterKey})
	require.NoError(t, err)
	simURL, err := sim.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = sim.Close() })

	operatorConfig := &rest.Config{Host: cp.Config().Host, BearerToken: operatorToken,
		TLSClientConfig: rest.TLSClientConfig{CAData: cp.Config().CAData}}
	metricsAddr := freeAddress(t)
	logs, stop := startOperatorAs(t, operatorConfig, metricsAddr)

	r := &permissionsRun{t: t, ctx: ctx, k8s: admin, litellmURL: simURL}
	runErr := r.run(metricsAddr, scraperToken)
	stopErr := stop()
	if runErr != nil || stopErr != nil {
		t.Logf("operator log:\n%s", logs.String())
	}
	require.NoError(t, stopErr, "the operator stops cleanly")

	// Compare first, so that a missing permission is named even when it made the run fail (the
	// grants the run did not need are only known when it took every path).
	compareWithBundle(t, csv, recorder.accesses(), defaultGrants(t, admin), installNamespaces, runErr == nil)
	require.NoError(t, runErr, "the run")
}

// installLikeOLM creates the operator's ServiceAccount and its RBAC from the CSV as OLM does, and the
// bundle's metrics-reader ClusterRole, whose name it returns.
func installLikeOLM(t *testing.T, k8s client.Client, csv *operatorsv1alpha1.ClusterServiceVersion, namespaces []string) string {
	t.Helper()
	ctx := context.Background()
	spec := csv.Spec.InstallStrategy.StrategySpec
	sa := csvDeployment(t, csv).Template.Spec.ServiceAccountName
	require.NoError(t, k8s.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: sa}}))
	subject := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa, Namespace: operatorNamespace}}
	for i, p := range spec.Permissions {
		name := fmt.Sprintf("csv-permissions-%d", i)
		for _, ns := range namespaces {
			require.NoError(t, k8s.Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Rules: p.Rules}))
			require.NoError(t, k8s.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
				Subjects: subject, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name}}))
		}
	}
	for i, p := range spec.ClusterPermissions {
		name := fmt.Sprintf("csv-cluster-permissions-%d", i)
		require.NoError(t, k8s.Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: p.Rules}))
		require.NoError(t, k8s.Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
			Subjects: subject, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}}))
	}
	role := &rbacv1.ClusterRole{}
	decodeSingle(t, role, "bundle", "manifests", packageName+"-metrics-reader_rbac.authorization.k8s.io_v1_clusterrole.yaml")
	require.NoError(t, k8s.Create(ctx, role))
	return role.Name
}

// serviceAccountToken returns a token of a ServiceAccount in the operator's namespace, creating
// the account (and binding it to role, when given) if needed.
func serviceAccountToken(t *testing.T, k8s client.Client, cs *kubernetes.Clientset, name string, role *rbacv1.RoleRef) string {
	t.Helper()
	ctx := context.Background()
	err := k8s.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: name}})
	require.True(t, err == nil || apierrors.IsAlreadyExists(err), "creating ServiceAccount %s: %v", name, err)
	if role != nil {
		require.NoError(t, k8s.Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: operatorNamespace}}, RoleRef: *role}))
	}
	tr, err := cs.CoreV1().ServiceAccounts(operatorNamespace).CreateToken(ctx, name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}, metav1.CreateOptions{})
	require.NoError(t, err)
	return tr.Status.Token
}

func freeAddress(t *testing.T) string {
	t.Helper()
	addrs, err := harness.FreeAddresses(1)
	require.NoError(t, err)
	return addrs[0]
}

// startOperatorAs runs the manager in-process, as cmd/manager does, with the given identity, leader
// election in the operator's namespace, the secured metrics endpoint, and the target namespaces as
// OLM would set WATCH_NAMESPACE. stop ends it and returns its error.
func startOperatorAs(t *testing.T, cfg *rest.Config, metricsAddr string) (*harness.Lines, func() error) {
	t.Helper()
	logs := &harness.Lines{}
	ctrl.SetLogger(funcr.New(func(prefix, args string) { logs.WriteLine(prefix + " " + args) }, funcr.Options{}))
	opts := operator.DefaultOptions()
	opts.MetricsBindAddress = metricsAddr
	opts.HealthProbeBindAddress = "0"
	opts.LeaderElection = true
	opts.LeaderElectionNamespace = operatorNamespace
	opts.WatchNamespaces = []string{tenantNamespace, instanceNamespace}
	opts.ResyncPeriod = 2 * time.Second
	mgr, err := operator.NewManager(cfg, operator.NewScheme(v1alpha1.AddToScheme), opts)
	require.NoError(t, err)
	require.NoError(t, controllers.Setup(mgr, controllers.Options{
		ResyncPeriod:            opts.ResyncPeriod,
		MaxConcurrentReconciles: opts.MaxConcurrentReconciles,
		LiteLLMTimeout:          5 * time.Second,
		ConnectionCacheTTL:      time.Second,
		Instance: connection.InstanceConvention{
			SecretNameFormat: opts.InstanceSecretNameFormat,
			MasterKeyDataKey: opts.InstanceMasterKeyDataKey,
			URLFormat:        opts.InstanceURLFormat,
		},
	}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(time.Minute):
				stopErr = errors.New("the manager did not stop within a minute")
			}
		})
		return stopErr
	}
	t.Cleanup(func() { _ = stop() })
	return logs, stop
}

// permissionsRun drives the operator through every path that needs a permission. Each step
// waits for its outcome and returns an error instead of failing the test, so the permissions are
// still compared when a step fails.
type permissionsRun struct {
	t          *testing.T
	ctx        context.Context
	k8s        client.Client
	litellmURL string
}

func (r *permissionsRun) run(metricsAddr, scraperToken string) error {
	steps := []struct {
		name string
		do   func() error
	}{
		{"connection Secrets", r.connectionSecrets},
		{"the CSV's examples become Ready through an instanceRef", r.examples},
		{"an instance that grants namespaces by label", r.selectorGrant},
		{"a key through a secretRef, rotated", r.rotatedKey},
		{"a key brought from a Secret (keyFrom)", r.broughtKey},
		{"a Warning repeated about an unchanged object (an Event series)", r.repeatedWarning},
		{"the replaced operator's objects adopted", r.adoptLegacy},
		{"a User's auto-created key removed", r.autoCreateKeyOff},
		{"the metrics endpoint scraped with a token", func() error { return scrapeMetrics(metricsAddr, scraperToken) }},
		{"every object deleted", r.deleteAll},
	}
	for _, s := range steps {
		r.t.Logf("step: %s", s.name)
		if err := s.do(); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

func (r *permissionsRun) connectionSecrets() error {
	for _, s := range []*corev1.Secret{
		{ObjectMeta: metav1.ObjectMeta{Namespace: instanceNamespace, Name: "litellm-example-secrets",
			Annotations: map[string]string{v1alpha1.AnnotationAllowedNamespaces: tenantNamespace}},
			StringData: map[string]string{"masterkey": runMasterKey, "url": r.litellmURL}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: tenantNamespace, Name: "litellm-connection"},
			StringData: map[string]string{"masterKey": runMasterKey, "url": r.litellmURL}},
	} {
		if err := r.k8s.Create(r.ctx, s); err != nil {
			return err
		}
	}
	return nil
}

func (r *permissionsRun) examples() error {
	examples := almExamples(r.t)
	for _, kind := range ownedKinds {
		obj := &unstructured.Unstructured{Object: examples[kind]}
		obj.SetNamespace(tenantNamespace)
		if err := r.k8s.Create(r.ctx, obj); err != nil {
			return err
		}
	}
	for _, kind := range ownedKinds {
		if _, err := r.waitReady(kind, examples[kind]["metadata"].(map[string]any)["name"].(string)); err != nil {
			return err
		}
	}
	return nil
}

// selectorGrant uses an instance that grants namespaces by their labels: the operator reads the
// labels of the object's namespace (a get of that namespace, which RBAC checks inside it).
func (r *permissionsRun) selectorGrant() error {
	ns := &corev1.Namespace{}
	if err := r.k8s.Get(r.ctx, types.NamespacedName{Name: tenantNamespace}, ns); err != nil {
		return err
	}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	ns.Labels["litellm-tenant"] = "gold"
	if err := r.k8s.Update(r.ctx, ns); err != nil {
		return err
	}
	if err := r.k8s.Create(r.ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: instanceNamespace, Name: "by-label-secrets",
			Annotations: map[string]string{v1alpha1.AnnotationAllowedNamespaceSelector: "litellm-tenant in (gold, silver)"}},
		StringData: map[string]string{"masterkey": runMasterKey, "url": r.litellmURL},
	}); err != nil {
		return err
	}
	if _, err := r.create(`
apiVersion: auth.litellm.ai/v1alpha1
kind: VirtualKey
metadata: {name: by-label}
spec:
  keyAlias: permissions-by-label
  maxBudget: "1"
  connectionRef: {instanceRef: {name: by-label, namespace: ` + instanceNamespace + `}}
`); err != nil {
		return err
	}
	_, err := r.waitReady("VirtualKey", "by-label")
	return err
}

func (r *permissionsRun) rotatedKey() error {
	if _, err := r.create(`
apiVersion: auth.litellm.ai/v1alpha1
kind: VirtualKey
metadata: {name: direct}
spec:
  keyAlias: permissions-direct
  maxBudget: "5"
  connectionRef: {secretRef: {name: litellm-connection}}
`); err != nil {
		return err
	}
	if _, err := r.waitReady("VirtualKey", "direct"); err != nil {
		return err
	}
	before, err := r.keyOf("direct")
	if err != nil {
		return err
	}
	if err := r.patch("VirtualKey", "direct", `{"metadata":{"annotations":{"`+v1alpha1.AnnotationRotate+`":"1"}}}`); err != nil {
		return err
	}
	return r.poll("the key Secret holds a new key", func() (bool, error) {
		after, err := r.keyOf("direct")
		return err == nil && after != "" && after != before, nil
	})
}

func (r *permissionsRun) broughtKey() error {
	// The label is how a Secret opts in to being read through keyFrom.
	if err := r.secret("byok-source", map[string]string{"auth.litellm.ai/key-source": "true"},
		map[string]string{"key": "sk-byok-permissions-0123456789abcdef"}); err != nil {
		return err
	}
	if _, err := r.create(`
apiVersion: auth.litellm.ai/v1alpha1
kind: VirtualKey
metadata: {name: byok}
spec:
  keyAlias: permissions-byok
  keyFrom: {secretKeyRef: {name: byok-source, key: key}}
  connectionRef: {secretRef: {name: litellm-connection}}
`); err != nil {
		return err
	}
	_, err := r.waitReady("VirtualKey", "byok")
	return err
}

// repeatedWarning makes the operator record the same Warning twice about an unchanged object, which
// the events library writes as a series with a patch: a VirtualKey whose proxy refuses connections
// fails and retries at once, and an admission policy refuses its status writes, so each retry
// starts from the same object and records the same Event.
func (r *permissionsRun) repeatedWarning() error {
	for _, manifest := range []string{`
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: refuse-status-of-unreachable}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - {apiGroups: [auth.litellm.ai], apiVersions: ["*"], operations: [UPDATE], resources: [virtualkeys/status]}
  validations:
  - {expression: "object.metadata.name != 'unreachable'", message: "status writes of this VirtualKey are refused"}
`, `
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: refuse-status-of-unreachable}
spec:
  policyName: refuse-status-of-unreachable
  validationActions: [Deny]
`} {
		if _, err := r.create(manifest, ""); err != nil {
			return err
		}
	}
	if err := r.secret("unreachable-connection", nil, map[string]string{"masterKey": runMasterKey, "url": "http://127.0.0.1:1"}); err != nil {
		return err
	}
	if _, err := r.create(`
apiVersion: auth.litellm.ai/v1alpha1
kind: VirtualKey
metadata: {name: unreachable}
spec:
  keyAlias: permissions-unreachable
  deletionPolicy: Orphan
  connectionRef: {secretRef: {name: unreachable-connection}}
`); err != nil {
		return err
	}
	return r.poll("the Warning is recorded as a series", func() (bool, error) {
		events := &eventsv1.EventList{}
		if err := r.k8s.List(r.ctx, events, client.InNamespace(tenantNamespace)); err != nil {
			return false, err
		}
		return slices.ContainsFunc(events.Items, func(e eventsv1.Event) bool {
			return e.Regarding.Name == "unreachable" && e.Type == corev1.EventTypeWarning && e.Series != nil && e.Series.Count >= 2
		}), nil
	})
}

// adoptLegacy creates what the operator this one replaces leaves behind: objects with its finalizer
// and status, and key Secrets named and owned its way, among them a User's auto-created key whose
// Secret the User controls. Adopting that Secret moves its controller reference to the User's
// VirtualKey.
func (r *permissionsRun) adoptLegacy() error {
	const userID, email, alias, userAlias = "5d1c-legacy-user", "legacy@example.com", "legacy-svc", "legacy-user-key"
	svcRaw, userRaw := "sk-legacy-svc-0123456789abcdef", "sk-legacy-user-0123456789abcdef"
	for _, call := range []struct {
		path string
		body map[string]any
	}{
		{"/user/new", map[string]any{"user_id": userID, "user_email": email, "auto_create_key": false}},
		{"/key/generate", map[string]any{"key": svcRaw, "key_alias": alias}},
		{"/key/generate", map[string]any{"key": userRaw, "key_alias": userAlias, "user_id": userID}},
	} {
		if err := r.litellm(call.path, call.body); err != nil {
			return err
		}
	}
	legacyStatus := `{"conditions":[{"type":"Progressing","status":"False","reason":"Done","message":"old","lastTransitionTime":"2026-01-01T00:00:00Z"}]`
	vk, err := r.createLegacy(`
apiVersion: auth.litellm.ai/v1alpha1
kind: VirtualKey
metadata: {name: legacy-svc, finalizers: [`+v1alpha1.LegacyFinalizerName+`]}
spec:
  keyAlias: `+alias+`
  connectionRef: {secretRef: {name: legacy-connection}}
`, legacyStatus+`,"keySecretRef":"litellm-key-`+alias+`","keyID":"`+svcRaw+`"}`)
	if err != nil {
		return err
	}
	u, err := r.createLegacy(`
apiVersion: auth.litellm.ai/v1alpha1
kind: User
metadata: {name: legacy, finalizers: [`+v1alpha1.LegacyFinalizerName+`]}
spec:
  userEmail: `+email+`
  autoCreateKey: true
  keyAlias: `+userAlias+`
  connectionRef: {secretRef: {name: legacy-connection}}
`, legacyStatus+`,"userID":"`+userID+`","keySecretRef":"`+userAlias+`"}`)
	if err != nil {
		return err
	}
	for owner, key := range map[*unstructured.Unstructured][2]string{vk: {alias, svcRaw}, u: {userAlias, userRaw}} {
		if err := r.k8s.Create(r.ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: tenantNamespace, Name: "litellm-key-" + key[0], OwnerReferences: []metav1.OwnerReference{{
				APIVersion: owner.GetAPIVersion(), Kind: owner.GetKind(), Name: owner.GetName(), UID: owner.GetUID(), Controller: ptr.To(true),
			}}},
			StringData: map[string]string{"key": key[1]},
		}); err != nil {
			return err
		}
	}
	// The connection comes last, so that nothing is reconciled before the objects are whole.
	if err := r.secret("legacy-connection", nil, map[string]string{"masterkey": runMasterKey, "url": r.litellmURL}); err != nil {
		return err
	}
	for _, obj := range []*unstructured.Unstructured{vk, u} {
		if err := r.patch(obj.GetKind(), obj.GetName(), `{"metadata":{"annotations":{"test/nudge":"1"}}}`); err != nil {
			return err
		}
		if _, err := r.waitReady(obj.GetKind(), obj.GetName()); err != nil {
			return err
		}
	}
	return r.poll("the User's key Secret is controlled by its VirtualKey", func() (bool, error) {
		s := &corev1.Secret{}
		if err := r.k8s.Get(r.ctx, types.NamespacedName{Namespace: tenantNamespace, Name: "litellm-key-" + userAlias}, s); err != nil {
			return false, err
		}
		owner := metav1.GetControllerOf(s)
		return owner != nil && owner.Kind == "VirtualKey", nil
	})
}

func (r *permissionsRun) autoCreateKeyOff() error {
	if err := r.patch("User", "jane", `{"spec":{"autoCreateKey":false}}`); err != nil {
		return err
	}
	return r.poll("the User's VirtualKey is deleted", func() (bool, error) {
		_, err := r.get("VirtualKey", "jane"+controllers.UserKeySuffix)
		return apierrors.IsNotFound(err), nil
	})
}

func (r *permissionsRun) deleteAll() error {
	for _, kind := range ownedKinds {
		if err := r.k8s.DeleteAllOf(r.ctx, r.object(kind, ""), client.InNamespace(tenantNamespace)); err != nil {
			return err
		}
	}
	return r.poll("every object is gone", func() (bool, error) {
		for _, kind := range ownedKinds {
			list := &unstructured.UnstructuredList{}
			list.SetAPIVersion(v1alpha1.GroupVersion.String())
			list.SetKind(kind + "List")
			if err := r.k8s.List(r.ctx, list, client.InNamespace(tenantNamespace)); err != nil || len(list.Items) > 0 {
				return false, err
			}
		}
		return true, nil
	})
}

func scrapeMetrics(addr, token string) error {
	req, err := http.NewRequest(http.MethodGet, "https://"+addr+"/metrics", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	// The manager serves metrics with a self-signed certificate.
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // test scrape of a self-signed endpoint
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	return nil
}

func (r *permissionsRun) object(kind, name string) *unstructured.Unstructured {
	obj := &unstructured.Unstructured{}
	obj.SetAPIVersion(v1alpha1.GroupVersion.String())
	obj.SetKind(kind)
	obj.SetNamespace(tenantNamespace)
	obj.SetName(name)
	return obj
}

// create creates the object of a manifest, in the tenant namespace unless namespace is "".
func (r *permissionsRun) create(manifest string, namespace ...string) (*unstructured.Unstructured, error) {
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(manifest), &obj.Object); err != nil {
		return nil, err
	}
	obj.SetNamespace(tenantNamespace)
	if len(namespace) > 0 {
		obj.SetNamespace(namespace[0])
	}
	return obj, r.k8s.Create(r.ctx, obj)
}

// createLegacy creates an object and then writes the status the replaced operator gave it.
func (r *permissionsRun) createLegacy(manifest, status string) (*unstructured.Unstructured, error) {
	obj, err := r.create(manifest)
	if err != nil {
		return nil, err
	}
	return obj, r.k8s.Status().Patch(r.ctx, obj, client.RawPatch(types.MergePatchType, []byte(`{"status":`+status+`}`)))
}

// secret creates a Secret in the tenant namespace.
func (r *permissionsRun) secret(name string, labels, data map[string]string) error {
	return r.k8s.Create(r.ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: tenantNamespace, Name: name, Labels: labels},
		StringData: data,
	})
}

func (r *permissionsRun) get(kind, name string) (*unstructured.Unstructured, error) {
	obj := r.object(kind, name)
	return obj, r.k8s.Get(r.ctx, client.ObjectKeyFromObject(obj), obj)
}

func (r *permissionsRun) patch(kind, name, mergePatch string) error {
	return r.k8s.Patch(r.ctx, r.object(kind, name), client.RawPatch(types.MergePatchType, []byte(mergePatch)))
}

func (r *permissionsRun) waitReady(kind, name string) (*unstructured.Unstructured, error) {
	var obj *unstructured.Unstructured
	err := r.poll(kind+" "+name+" is Ready", func() (bool, error) {
		var err error
		if obj, err = r.get(kind, name); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		conditions, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
		for _, c := range conditions {
			c, _ := c.(map[string]any)
			if c["type"] == v1alpha1.ConditionTypeReady && c["status"] == string(metav1.ConditionTrue) {
				return true, nil
			}
		}
		return false, nil
	})
	return obj, err
}

// keyOf returns the raw key in a VirtualKey's key Secret.
func (r *permissionsRun) keyOf(name string) (string, error) {
	vk, err := r.get("VirtualKey", name)
	if err != nil {
		return "", err
	}
	secretName, _, _ := unstructured.NestedString(vk.Object, "status", "keySecretRef")
	s := &corev1.Secret{}
	if err := r.k8s.Get(r.ctx, types.NamespacedName{Namespace: tenantNamespace, Name: secretName}, s); err != nil {
		return "", err
	}
	return string(s.Data[v1alpha1.KeySecretDataKey]), nil
}

func (r *permissionsRun) poll(what string, done func() (bool, error)) error {
	deadline := time.Now().Add(runWait)
	for {
		ok, err := done()
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not within %s", what, runWait)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// litellm calls the proxy's management API with the master key, as an administrator would.
func (r *permissionsRun) litellm(path string, body any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(r.ctx, http.MethodPost, r.litellmURL+path, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+runMasterKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s", req.Method, req.URL.Path, resp.Status)
	}
	return nil
}

// defaultGrants are the rules every ServiceAccount has without the bundle (discovery, self
// reviews), read from the cluster's own bindings for the groups the account belongs to.
func defaultGrants(t *testing.T, k8s client.Client) []rbacv1.PolicyRule {
	t.Helper()
	groups := []string{"system:authenticated", "system:serviceaccounts", "system:serviceaccounts:" + operatorNamespace}
	bindings := &rbacv1.ClusterRoleBindingList{}
	require.NoError(t, k8s.List(context.Background(), bindings))
	var rules []rbacv1.PolicyRule
	for _, b := range bindings.Items {
		for _, s := range b.Subjects {
			if s.Kind == rbacv1.GroupKind && slices.Contains(groups, s.Name) {
				role := &rbacv1.ClusterRole{}
				require.NoError(t, k8s.Get(context.Background(), client.ObjectKey{Name: b.RoleRef.Name}, role))
				rules = append(rules, role.Rules...)
			}
		}
	}
	require.NotEmpty(t, rules, "the cluster's default bindings for authenticated users")
	return rules
}

// compareWithBundle checks the recorded checks against the CSV: each must be granted (namespaced
// checks by permissions or clusterPermissions, cluster-wide ones by clusterPermissions, both
// besides what every account has), and each grant of the CSV must have been needed, in the scope the
// CSV gives it.
func compareWithBundle(t *testing.T, csv *operatorsv1alpha1.ClusterServiceVersion, recorded []access, defaults []rbacv1.PolicyRule,
	namespaces []string, runComplete bool) {
	t.Helper()
	spec := csv.Spec.InstallStrategy.StrategySpec
	var namespaced, clusterWide []rbacv1.PolicyRule
	for _, p := range spec.Permissions {
		namespaced = append(namespaced, p.Rules...)
	}
	for _, p := range spec.ClusterPermissions {
		clusterWide = append(clusterWide, p.Rules...)
	}
	allows := func(rules []rbacv1.PolicyRule, a access) bool {
		return slices.ContainsFunc(rules, a.allowedBy)
	}

	var missing, probes []string
	used := map[string]bool{}
	for _, a := range recorded {
		if a.Resource == "*" || a.Group == "*" {
			// A check for a blanket permission is a shortcut, not a need: the owner-reference
			// admission plugin first asks for update on */finalizers in every group, and checks the
			// owner's own finalizers only when that is refused. No least-privilege bundle grants it.
			probes = append(probes, a.String())
			continue
		}
		inNamespace := a.Namespace != "" && slices.Contains(namespaces, a.Namespace)
		for _, g := range sortedKeys(grants(namespaced)) {
			if inNamespace && grantAllows(g, a) {
				used["permissions: "+g] = true
			}
		}
		for _, g := range sortedKeys(grants(clusterWide)) {
			if grantAllows(g, a) {
				used["clusterPermissions: "+g] = true
				if a.Namespace != "" {
					used["clusterPermissions used inside a namespace: "+g] = true
				}
			}
		}
		switch {
		case inNamespace && allows(namespaced, a), allows(clusterWide, a), allows(defaults, a):
		default:
			missing = append(missing, a.String())
		}
	}
	assert.Empty(t, missing, "the operator was checked for these permissions, which the bundle does not grant "+
		"(or grants in the wrong scope). Add a +kubebuilder:rbac marker saying why (rules of the kinds, Secrets and "+
		"Events are namespaced and end up in the CSV's permissions), or a rule to config/rbac for what must be "+
		"cluster-wide, then run `make manifests bundle`")

	t.Logf("the operator's checks:\n  %s\nchecks for blanket permissions, refused as they should be: %v",
		strings.Join(accessStrings(recorded), "\n  "), probes)
	if !runComplete {
		return
	}
	var unused, misplaced []string
	for _, g := range sortedKeys(grants(namespaced)) {
		if !used["permissions: "+g] {
			unused = append(unused, "permissions: "+g)
		}
	}
	for _, g := range sortedKeys(grants(clusterWide)) {
		if !used["clusterPermissions: "+g] {
			unused = append(unused, "clusterPermissions: "+g)
		}
		if used["clusterPermissions used inside a namespace: "+g] {
			misplaced = append(misplaced, g)
		}
	}
	assert.Empty(t, unused, "the bundle grants these permissions, but the operator never needed them in a run "+
		"that takes every path: remove them from the +kubebuilder:rbac markers or config/rbac, or, if a path "+
		"needs them, add that path to this test's run")
	assert.Empty(t, misplaced, "these clusterPermissions were used inside namespaces: they belong in the CSV's "+
		"namespaced permissions (a +kubebuilder:rbac marker), so an OwnNamespace install grants them in its "+
		"namespaces only")
}

// grantAllows matches a single grant "group/resource[/subresource] verb" (see grants) to a check.
func grantAllows(grant string, a access) bool {
	target, verb, _ := strings.Cut(grant, " ")
	if a.Path != "" {
		return target == a.Path && verb == a.Verb
	}
	want := a.Group + "/" + a.Resource
	if a.Subresource != "" {
		want += "/" + a.Subresource
	}
	return target == want && verb == a.Verb
}

func accessStrings(list []access) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.String()
	}
	return out
}

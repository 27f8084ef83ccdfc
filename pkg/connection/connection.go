// Package connection resolves an object's connectionRef to the URL and master key of a LiteLLM
// proxy. It resolves per object and per reconcile, so several proxies (one per tenant) work side by
// side in one operator, and a rotated master key is used from the next reconcile on.
package connection

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/cache"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// Connection is what a client needs to call one LiteLLM proxy.
type Connection struct {
	URL       string
	MasterKey string
	// Secret is the Secret the connection was read from, for messages and cache invalidation.
	Secret types.NamespacedName
	// Grant is set when the object uses an instance of another namespace: what it may do there.
	// nil means full rights (the object's own secretRef, or an instance in its own namespace).
	Grant *Grant
	// OwnSecret reports a secretRef: the Secret is in the object's namespace, and the operator holds
	// it (FinalizerConnectionInUse) while objects that use it may have something in LiteLLM.
	OwnSecret bool
	// Held reports that the Secret, as read, carries FinalizerConnectionInUse.
	Held bool
	// Enterprise reports that the Secret declares the proxy licensed for LiteLLM Enterprise
	// (EnterpriseDataKey "true"). LiteLLM offers no way to ask, so without it the proxy is taken
	// to be free, and features that a free proxy accepts but refuses at request time are reported.
	Enterprise bool
}

// String never shows the master key.
func (c Connection) String() string { return fmt.Sprintf("LiteLLM at %s (Secret %s)", c.URL, c.Secret) }

// InstanceConvention says how an instanceRef is found. The defaults follow the operator that
// deploys LiteLLM instances in group litellm.litellm.ai, so its users' instances work unchanged.
type InstanceConvention struct {
	// SecretNameFormat is a fmt format taking the instance name. Default "%s-secrets".
	SecretNameFormat string
	// MasterKeyDataKey is the data key of the master key in that Secret. Default "masterkey".
	MasterKeyDataKey string
	// URLFormat is a fmt format taking the instance name and namespace, used when the Secret has no
	// "url" data key. Default "http://%s-service.%s.svc".
	URLFormat string
}

// DefaultInstanceConvention returns the documented convention.
func DefaultInstanceConvention() InstanceConvention {
	return InstanceConvention{
		SecretNameFormat: "%s-secrets",
		MasterKeyDataKey: "masterkey",
		URLFormat:        "http://%s-service.%s.svc",
	}
}

// Default data keys of a secretRef Secret. "masterkey" is accepted too, as the other operator's
// default, so its users' Secrets keep working.
const (
	DefaultMasterKeyDataKey = "masterKey"
	LegacyMasterKeyDataKey  = "masterkey"
	DefaultURLDataKey       = "url"
	// EnterpriseDataKey, "true", declares the proxy licensed for LiteLLM Enterprise.
	EnterpriseDataKey = "enterprise"
)

// Error reasons, matching the Synced condition's reasons.
var (
	// ErrNotPermitted: a cross-namespace instanceRef without the namespace's grant.
	ErrNotPermitted = errors.New("connection not permitted")
	// ErrSecretNotFound: the connection Secret does not exist.
	ErrSecretNotFound = errors.New("connection Secret not found")
	// ErrIncomplete: the Secret lacks the URL or the master key.
	ErrIncomplete = errors.New("connection Secret incomplete")
)

// Resolver reads connection Secrets directly from the API server (not from the manager's cache,
// which holds only the operator's own Secrets) and keeps each for a few seconds, so a thousand
// objects sharing one proxy do not each read its Secret on every resync. Expired entries are
// evicted, so Secrets of deleted namespaces do not pile up.
type Resolver struct {
	reader     client.Reader
	convention InstanceConvention
	ttl        time.Duration
	// cached holds connection Secrets (types.NamespacedName → *corev1.Secret) and the labels of
	// namespaces selector grants were checked against (namespaceKey → map[string]string).
	cached *cache.Expiring
}

// NewResolver returns a Resolver. reader should be the manager's API reader (uncached); ttl of zero
// disables caching.
func NewResolver(reader client.Reader, convention InstanceConvention, ttl time.Duration) *Resolver {
	return newResolver(reader, convention, ttl, clock.RealClock{})
}

func newResolver(reader client.Reader, convention InstanceConvention, ttl time.Duration, c clock.Clock) *Resolver {
	return &Resolver{reader: reader, convention: convention, ttl: ttl, cached: cache.NewExpiringWithClock(c)}
}

// Resolve returns the connection for an object in namespace with the given connectionRef.
func (r *Resolver) Resolve(ctx context.Context, namespace string, ref v1alpha1.ConnectionRef) (Connection, error) {
	switch {
	case ref.SecretRef != nil:
		return r.resolveSecretRef(ctx, namespace, ref.SecretRef)
	case ref.InstanceRef != nil:
		return r.resolveInstanceRef(ctx, namespace, ref.InstanceRef)
	default:
		return Connection{}, fmt.Errorf("%w: connectionRef sets neither secretRef nor instanceRef", ErrIncomplete)
	}
}

// Forget drops a cached Secret, so the next Resolve reads it again (after LiteLLM answered 401:
// the master key may have been rotated).
func (r *Resolver) Forget(secret types.NamespacedName) { r.cached.Delete(secret) }

func (r *Resolver) resolveSecretRef(ctx context.Context, namespace string, ref *v1alpha1.SecretRef) (Connection, error) {
	name := types.NamespacedName{Namespace: namespace, Name: ref.Name}
	secret, err := r.secret(ctx, name)
	if err != nil {
		return Connection{}, err
	}
	masterKeyKeys := []string{DefaultMasterKeyDataKey, LegacyMasterKeyDataKey}
	urlKey := DefaultURLDataKey
	if ref.Keys != nil {
		if ref.Keys.MasterKey != "" {
			masterKeyKeys = []string{ref.Keys.MasterKey}
		}
		if ref.Keys.URL != "" {
			urlKey = ref.Keys.URL
		}
	}
	conn := Connection{Secret: name, URL: strings.TrimSpace(string(secret.Data[urlKey])), OwnSecret: true,
		Held: slices.Contains(secret.Finalizers, v1alpha1.FinalizerConnectionInUse), Enterprise: enterprise(secret)}
	for _, k := range masterKeyKeys {
		if v := strings.TrimSpace(string(secret.Data[k])); v != "" {
			conn.MasterKey = v
			break
		}
	}
	if conn.URL == "" {
		return Connection{}, fmt.Errorf("%w: Secret %s has no data key %q with the LiteLLM URL", ErrIncomplete, name, urlKey)
	}
	if conn.MasterKey == "" {
		return Connection{}, fmt.Errorf("%w: Secret %s has no data key %s with the master key",
			ErrIncomplete, name, strings.Join(quoteAll(masterKeyKeys), " or "))
	}
	return conn, nil
}

func (r *Resolver) resolveInstanceRef(ctx context.Context, namespace string, ref *v1alpha1.InstanceRef) (Connection, error) {
	instanceNS := ref.Namespace
	if instanceNS == "" {
		instanceNS = namespace
	}
	name := types.NamespacedName{Namespace: instanceNS, Name: fmt.Sprintf(r.convention.SecretNameFormat, ref.Name)}
	secret, err := r.secret(ctx, name)
	if err != nil {
		return Connection{}, err
	}
	// A cross-namespace reference is a privilege: whoever may create objects in this namespace
	// must not thereby use a master key kept in another one, unless that namespace allows it, and
	// then only within the policy its owner wrote.
	var grant *Grant
	if instanceNS != namespace {
		if grant, err = r.grantFor(ctx, secret, instanceNS+"/"+ref.Name, namespace); err != nil {
			return Connection{}, err
		}
	}
	conn := Connection{
		Grant:      grant,
		Secret:     name,
		MasterKey:  strings.TrimSpace(string(secret.Data[r.convention.MasterKeyDataKey])),
		URL:        strings.TrimSpace(string(secret.Data[DefaultURLDataKey])),
		Enterprise: enterprise(secret),
	}
	if conn.URL == "" {
		conn.URL = fmt.Sprintf(r.convention.URLFormat, ref.Name, instanceNS)
	}
	if conn.MasterKey == "" {
		return Connection{}, fmt.Errorf("%w: Secret %s has no data key %q with the master key",
			ErrIncomplete, name, r.convention.MasterKeyDataKey)
	}
	return conn, nil
}

// enterprise reads EnterpriseDataKey; anything but a true value means a free proxy.
func enterprise(secret *corev1.Secret) bool {
	v, err := strconv.ParseBool(strings.TrimSpace(string(secret.Data[EnterpriseDataKey])))
	return err == nil && v
}

func (r *Resolver) secret(ctx context.Context, name types.NamespacedName) (*corev1.Secret, error) {
	if cached, ok := r.cached.Get(name); ok {
		return cached.(*corev1.Secret), nil
	}

	secret := &corev1.Secret{}
	if err := r.reader.Get(ctx, name, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("%w: Secret %s does not exist", ErrSecretNotFound, name)
		}
		return nil, fmt.Errorf("reading connection Secret %s: %w", name, err)
	}
	if r.ttl > 0 {
		r.cached.Set(name, secret, r.ttl)
	}
	return secret, nil
}

// allows reports whether the allowed-namespaces annotation value admits namespace.
func allows(annotation, namespace string) bool {
	for _, ns := range strings.Split(annotation, ",") {
		if ns = strings.TrimSpace(ns); ns == "*" || ns == namespace {
			return true
		}
	}
	return false
}

func quoteAll(s []string) []string {
	out := slices.Clone(s)
	for i := range out {
		out[i] = fmt.Sprintf("%q", out[i])
	}
	return out
}

package connection

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// Grant is the terms on which an object uses an instance of another namespace. A Connection
// without one has full rights: its object uses its own namespace's secretRef or instance, and so
// holds the master key anyway.
type Grant struct {
	// Instance names the instance ("<namespace>/<name>") and Secret the instance Secret that grants
	// the namespace, for messages.
	Instance string
	Secret   types.NamespacedName
	Policy   Policy
	// PolicyError says why the grant-policy annotation could not be read. Until it is fixed,
	// granted objects may not write anything to LiteLLM (deleting what they own still works).
	PolicyError error
}

// Refusal says that the grant does not allow something and how to get it allowed: "the grant of
// instance litellm/shared (annotation auth.litellm.ai/grant-policy on Secret litellm/shared-secrets)
// does not allow <what>; <how>".
func (g *Grant) Refusal(what, how string) string {
	return fmt.Sprintf("the grant of instance %s (annotation %s on Secret %s) does not allow %s; %s",
		g.Instance, v1alpha1.AnnotationGrantPolicy, g.Secret, what, how)
}

// grantFor returns the grant of the instance Secret to namespace, or an ErrNotPermitted error
// saying how to get one.
func (r *Resolver) grantFor(ctx context.Context, secret *corev1.Secret, instance, namespace string) (*Grant, error) {
	name := types.NamespacedName{Namespace: secret.Namespace, Name: secret.Name}
	byName := allows(secret.Annotations[v1alpha1.AnnotationAllowedNamespaces], namespace)
	var selectorProblem string
	if !byName {
		granted, problem, err := r.selects(ctx, secret.Annotations[v1alpha1.AnnotationAllowedNamespaceSelector], namespace)
		if err != nil {
			return nil, err
		}
		if !granted {
			if problem != "" {
				selectorProblem = "; " + problem
			}
			return nil, fmt.Errorf("%w: instance %s does not allow namespace %s; annotate Secret %s with %s: %q (or \"*\"), or label the namespace to match %s%s",
				ErrNotPermitted, instance, namespace, name, v1alpha1.AnnotationAllowedNamespaces, namespace,
				v1alpha1.AnnotationAllowedNamespaceSelector, selectorProblem)
		}
	}
	g := &Grant{Instance: instance, Secret: name}
	g.Policy, g.PolicyError = ParsePolicy(secret.Annotations[v1alpha1.AnnotationGrantPolicy])
	if g.PolicyError != nil {
		g.PolicyError = fmt.Errorf("the annotation %s on Secret %s is invalid (%w): until its owner fixes it, objects of other namespaces may not change anything in LiteLLM through instance %s",
			v1alpha1.AnnotationGrantPolicy, name, g.PolicyError, instance)
	}
	return g, nil
}

// selects reports whether the selector annotation's value matches the namespace's labels. An
// invalid selector selects nothing; problem then says why.
func (r *Resolver) selects(ctx context.Context, selector, namespace string) (granted bool, problem string, err error) {
	if strings.TrimSpace(selector) == "" {
		return false, "", nil // labels.Parse("") would select everything
	}
	sel, perr := labels.Parse(selector)
	if perr != nil {
		return false, fmt.Sprintf("the %s annotation is not a valid label selector and grants nothing: %v", v1alpha1.AnnotationAllowedNamespaceSelector, perr), nil
	}
	nsLabels, err := r.namespaceLabels(ctx, namespace)
	if err != nil {
		return false, "", err
	}
	return sel.Matches(labels.Set(nsLabels)), "", nil
}

// namespaceKey is the cache key of a namespace's labels.
type namespaceKey string

func (r *Resolver) namespaceLabels(ctx context.Context, namespace string) (map[string]string, error) {
	if cached, ok := r.cached.Get(namespaceKey(namespace)); ok {
		return cached.(map[string]string), nil
	}
	ns := &corev1.Namespace{}
	if err := r.reader.Get(ctx, types.NamespacedName{Name: namespace}, ns); err != nil {
		return nil, fmt.Errorf("reading the labels of namespace %s for %s: %w", namespace, v1alpha1.AnnotationAllowedNamespaceSelector, err)
	}
	if r.ttl > 0 {
		r.cached.Set(namespaceKey(namespace), ns.Labels, r.ttl)
	}
	return ns.Labels, nil
}

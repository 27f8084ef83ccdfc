package main

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// The guide's VirtualKey, verbatim from the user guide, and the demo's blocked key.
//
//go:embed objects/*.yaml
var embedded embed.FS

// demoNamespace is where the guide's objects go: its YAML has no namespace, and kubectl's default
// namespace is "default", so `kubectl get virtualkeys` finds them as the guide shows.
const demoNamespace = "default"

// manifest is one object to apply and where it came from.
type manifest struct {
	obj    *unstructured.Unstructured
	source string
}

// manifests returns the guide's VirtualKey, the samples (one per kind; the VirtualKey sample is the
// guide's key, applied once) and the blocked key, in that order.
func manifests(root string) ([]manifest, error) {
	var out []manifest
	guide, err := embedded.ReadFile("objects/guide-virtualkey.yaml")
	if err != nil {
		return nil, err
	}
	if out, err = appendDecoded(out, guide, "the guide"); err != nil {
		return nil, err
	}
	samples, err := filepath.Glob(filepath.Join(root, "config", "samples", "auth_v1alpha1_*.yaml"))
	if err != nil {
		return nil, err
	}
	// Teams and users before memberships, so the membership finds both on its first reconcile.
	order := []string{"virtualkey", "team", "user", "teammemberassociation"}
	sort.Slice(samples, func(i, j int) bool { return rank(order, samples[i]) < rank(order, samples[j]) })
	for _, path := range samples {
		data, err := os.ReadFile(path) //nolint:gosec // the repository's own samples
		if err != nil {
			return nil, err
		}
		if out, err = appendDecoded(out, data, filepath.ToSlash(mustRel(root, path))); err != nil {
			return nil, err
		}
	}
	blocked, err := embedded.ReadFile("objects/blocked-virtualkey.yaml")
	if err != nil {
		return nil, err
	}
	return appendDecoded(out, blocked, "the demo")
}

func rank(order []string, path string) int {
	base := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "auth_v1alpha1_"), ".yaml")
	if i := slices.Index(order, base); i >= 0 {
		return i
	}
	return len(order)
}

func mustRel(base, path string) string {
	if rel, err := filepath.Rel(base, path); err == nil {
		return rel
	}
	return path
}

// appendDecoded adds the objects of a YAML stream, skipping an object already in the list (the
// VirtualKey sample is the guide's own key).
func appendDecoded(out []manifest, data []byte, source string) ([]manifest, error) {
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("reading %s: %w", source, err)
		}
		if len(u.Object) == 0 {
			continue
		}
		if u.GetNamespace() == "" {
			u.SetNamespace(demoNamespace)
		}
		if !slices.ContainsFunc(out, func(m manifest) bool { return sameObject(m.obj, u) }) {
			out = append(out, manifest{obj: u, source: source})
		}
	}
}

func sameObject(a, b *unstructured.Unstructured) bool {
	return a.GetKind() == b.GetKind() && a.GetNamespace() == b.GetNamespace() && a.GetName() == b.GetName()
}

// apply creates each object (an object left from an earlier run of this cluster is kept).
func apply(ctx context.Context, c client.Client, ms []manifest) error {
	for _, m := range ms {
		if err := c.Create(ctx, m.obj.DeepCopy()); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating %s/%s from %s: %w", m.obj.GetKind(), m.obj.GetName(), m.source, err)
		}
	}
	return nil
}

// managedObject is what the demo reads of each kind.
type managedObject interface {
	client.Object
	GetConditions() []metav1.Condition
}

// row is one object as the demo shows it.
type row struct {
	kind, name, ownedBy string
	litellmID, spend    string
	blocked             bool
	obj                 managedObject
}

func (r row) id() string { return r.kind + "/" + r.name }

var kindOrder = []string{"VirtualKey", "User", "Team", "TeamMemberAssociation"}

// listRows reads every object of the four kinds in the namespace.
func listRows(ctx context.Context, c client.Client, ns string) ([]row, error) {
	var rows []row
	var vks v1alpha1.VirtualKeyList
	if err := c.List(ctx, &vks, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	for i := range vks.Items {
		vk := &vks.Items[i]
		r := row{kind: "VirtualKey", name: vk.Name, litellmID: vk.Status.KeyName, spend: vk.Status.CurrentSpend,
			blocked: vk.Spec.Blocked != nil && *vk.Spec.Blocked, obj: vk}
		if owner := metav1.GetControllerOf(vk); owner != nil {
			r.ownedBy = owner.Kind + "/" + owner.Name
		}
		rows = append(rows, r)
	}
	var users v1alpha1.UserList
	if err := c.List(ctx, &users, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	for i := range users.Items {
		u := &users.Items[i]
		rows = append(rows, row{kind: "User", name: u.Name, litellmID: u.Status.UserID, spend: u.Status.Spend, obj: u})
	}
	var teams v1alpha1.TeamList
	if err := c.List(ctx, &teams, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	for i := range teams.Items {
		t := &teams.Items[i]
		rows = append(rows, row{kind: "Team", name: t.Name, litellmID: t.Status.TeamID, spend: t.Status.Spend, obj: t})
	}
	var tmas v1alpha1.TeamMemberAssociationList
	if err := c.List(ctx, &tmas, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	for i := range tmas.Items {
		m := &tmas.Items[i]
		id := ""
		if m.Status.TeamID != "" || m.Status.UserID != "" {
			id = m.Status.UserID + " in " + m.Status.TeamID
		}
		rows = append(rows, row{kind: "TeamMemberAssociation", name: m.Name, litellmID: id, spend: "-", obj: m})
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := slices.Index(kindOrder, rows[i].kind), slices.Index(kindOrder, rows[j].kind)
		if a != b {
			return a < b
		}
		return rows[i].name < rows[j].name
	})
	return rows, nil
}

// state is how far an object got.
type state int

const (
	statePending state = iota
	stateDone
	stateFailed
)

// permanentReasons need a change by a person: waiting longer cannot help.
var permanentReasons = []string{
	v1alpha1.ReasonAliasInUse, v1alpha1.ReasonEmailInUse, v1alpha1.ReasonEnterpriseFeature,
	v1alpha1.ReasonInvalidSpec, v1alpha1.ReasonSecretConflict, v1alpha1.ReasonConnectionNotPermitted,
}

// settle says whether the object is where the demo wants it: reconciled for its current spec
// (Synced=True at its generation) and Ready, except a blocked key, which is expected to be
// Unavailable. The text explains a pending or failed state.
func (r row) settle() (state, string) {
	conds := r.obj.GetConditions()
	synced := meta.FindStatusCondition(conds, v1alpha1.ConditionTypeSynced)
	ready := meta.FindStatusCondition(conds, v1alpha1.ConditionTypeReady)
	gen := r.obj.GetGeneration()
	switch {
	case synced == nil:
		return statePending, "waiting for the operator"
	case synced.Status == metav1.ConditionFalse && slices.Contains(permanentReasons, synced.Reason):
		return stateFailed, synced.Reason + ": " + synced.Message
	case synced.Status != metav1.ConditionTrue || synced.ObservedGeneration != gen:
		return statePending, "Synced=" + string(synced.Status) + " " + synced.Reason
	case ready == nil || ready.ObservedGeneration != gen:
		return statePending, "waiting for Ready"
	case r.blocked && ready.Status == metav1.ConditionFalse:
		return stateDone, "blocked, so Ready=False (" + ready.Reason + ")"
	case r.blocked:
		return statePending, "blocked, waiting for Ready=False"
	case ready.Status != metav1.ConditionTrue:
		return statePending, "Ready=" + string(ready.Status) + " " + ready.Reason
	}
	return stateDone, "Ready"
}

// waitSettled waits until every applied object, and the VirtualKey each User with autoCreateKey
// owns, has settled. It prints a line per object as it does.
func waitSettled(ctx context.Context, u *ui, c client.Client, ms []manifest, timeout time.Duration) error {
	tr := &tracker{ui: u, start: time.Now(), want: sets.New[string](), done: sets.New[string]()}
	for _, m := range ms {
		tr.want.Insert(m.obj.GetKind() + "/" + m.obj.GetName())
	}
	var (
		mu      sync.Mutex // pending is read by the spinner
		pending []string
		lastErr error
	)
	stop := u.spin(func() string {
		mu.Lock()
		defer mu.Unlock()
		if len(pending) == 0 {
			return fmt.Sprintf("Waiting for Ready (%s)", elapsed(time.Since(tr.start)))
		}
		return fmt.Sprintf("Waiting for Ready (%s): %s", elapsed(time.Since(tr.start)), strings.Join(pending, ", "))
	})
	defer stop()

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		rows, err := listRows(ctx, c, demoNamespace)
		waiting := []string{"reading the objects"}
		if err == nil {
			if waiting, err = tr.poll(rows); err != nil {
				return err
			}
			if len(waiting) == 0 {
				return nil
			}
		} else if ctx.Err() == nil {
			lastErr = err
		}
		mu.Lock()
		pending = waiting
		mu.Unlock()
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				if lastErr != nil {
					waiting = append(waiting, "last error: "+lastErr.Error())
				}
				return fmt.Errorf("not Ready after %s:\n%s", timeout, indent(strings.Join(waiting, "\n")))
			}
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// tracker follows the demo's objects until they settle.
type tracker struct {
	ui    *ui
	start time.Time
	want  sets.Set[string] // the applied objects, "Kind/name"
	done  sets.Set[string] // those already reported settled
}

// poll returns what is still pending, printing each object that settled since the last poll, or
// an error for an object that cannot settle without a person's help.
func (tr *tracker) poll(rows []row) ([]string, error) {
	var waiting []string
	seen := sets.New[string]()
	for _, r := range rows {
		if !tr.want.Has(r.id()) && !tr.want.Has(r.ownedBy) {
			continue
		}
		seen.Insert(r.id())
		st, why := r.settle()
		switch {
		case st == stateFailed:
			return nil, fmt.Errorf("%s cannot become Ready: %s", r.id(), why)
		case st == statePending:
			waiting = append(waiting, r.id()+": "+why)
		case !tr.done.Has(r.id()):
			tr.done.Insert(r.id())
			extra := ""
			if r.ownedBy != "" {
				extra = ", created by " + r.ownedBy
			}
			if why != "Ready" {
				extra += ", " + why
			}
			tr.ui.printf("  ✓ %-40s %s%s", r.id(), elapsed(time.Since(tr.start)), extra)
		}
	}
	for _, id := range sets.List(tr.want.Difference(seen)) {
		waiting = append(waiting, id+": not found")
	}
	for _, r := range rows {
		if u, ok := r.obj.(*v1alpha1.User); ok && tr.want.Has(r.id()) && u.Spec.AutoCreateKey != nil && *u.Spec.AutoCreateKey &&
			!slices.ContainsFunc(rows, func(o row) bool { return o.ownedBy == r.id() }) {
			waiting = append(waiting, "the VirtualKey of "+r.id())
		}
	}
	sort.Strings(waiting)
	return waiting, nil
}

// printTable shows the objects with their LiteLLM identity and spend.
func printTable(out io.Writer, rows []row) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  KIND\tNAME\tLITELLM ID\tREADY\tSPEND (USD)")
	for _, r := range rows {
		ready := "-"
		if c := meta.FindStatusCondition(r.obj.GetConditions(), v1alpha1.ConditionTypeReady); c != nil {
			ready = string(c.Status)
			if c.Status != metav1.ConditionTrue {
				ready += " (" + c.Reason + ")"
			}
		}
		name := r.name
		if r.ownedBy != "" {
			name += " (of " + r.ownedBy + ")"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", r.kind, name, orDash(r.litellmID), ready, orDash(r.spend))
	}
	_ = tw.Flush()
}

// spendOf parses a status money string; 0 when empty.
func spendOf(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

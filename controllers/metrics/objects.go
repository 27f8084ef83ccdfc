package metrics

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// Kinds, as the key of an object's series.
const (
	KindVirtualKey            = "VirtualKey"
	KindUser                  = "User"
	KindTeam                  = "Team"
	KindTeamMemberAssociation = "TeamMemberAssociation"
)

// ReasonUnknown is the reason label of a condition that is not set yet.
const ReasonUnknown = "Unknown"

// Label sets. Each kind names itself by its namespace and name, and keys and teams by their alias
// too. Never a key, a hash or anything else from a key Secret, and no personal data: a user's
// email is not a label (whoever may read the metrics of one namespace would read it, and it
// would stay in Prometheus' storage after the user is gone). A User is found by its name.
const (
	labelNamespace = "namespace"
	labelName      = "name"
	labelTeamAlias = "team_alias"
	labelReason    = "reason"
)

var (
	keyLabels         = []string{labelNamespace, labelName, "key_alias"}
	userLabels        = []string{labelNamespace, labelName}
	teamLabels        = []string{labelNamespace, labelName, labelTeamAlias}
	associationLabels = []string{labelNamespace, labelName, labelTeamAlias}
)

// familyNames lists every metric family of this package, in the order declared.
var familyNames []string

// family is a metric family with its variable label names, in the order of its Desc.
type family struct {
	desc   *prometheus.Desc
	labels []string
}

// labelNames holds one copy of each label name: every label pair points at it.
var labelNames = map[string]*string{}

func newDesc(name, help string, labels []string, extra ...string) *family {
	familyNames = append(familyNames, name)
	all := append(append([]string{}, labels...), extra...)
	for _, l := range all {
		if labelNames[l] == nil {
			labelNames[l] = &l
		}
	}
	return &family{desc: prometheus.NewDesc(name, help, all, nil), labels: all}
}

// FamilyNames returns the names of the metric families the collector exports (docs, dashboards
// and alerts are checked against it).
func FamilyNames() []string {
	return append([]string(nil), familyNames...)
}

// Metric families. Optional values (a max budget, an expiry) have no series while unset.
var (
	keySpend       = newDesc("litellm_virtualkey_spend_usd", "Spend of the virtual key in US dollars, as LiteLLM reported it at the last reconcile.", keyLabels)
	keyMaxBudget   = newDesc("litellm_virtualkey_max_budget_usd", "Max budget of the virtual key in US dollars; no series when the key has none.", keyLabels)
	keySoftBudget  = newDesc("litellm_virtualkey_soft_budget_usd", "Soft budget of the virtual key in US dollars (the spec value last applied); no series when unset.", keyLabels)
	keyBudgetReset = newDesc("litellm_virtualkey_budget_reset_timestamp_seconds", "When the virtual key's budget resets next, in seconds since the epoch; no series without a budget duration.", keyLabels)
	keyExpiry      = newDesc("litellm_virtualkey_expiry_timestamp_seconds", "When the virtual key expires, in seconds since the epoch; no series when it never expires.", keyLabels)
	keyBlocked     = newDesc("litellm_virtualkey_blocked", "1 when the virtual key is blocked in LiteLLM, else 0.", keyLabels)
	keyReady       = newDesc("litellm_virtualkey_ready", "1 when the VirtualKey's Ready condition is True, else 0; reason is the condition's reason.", keyLabels, "reason")
	keySynced      = newDesc("litellm_virtualkey_synced", "1 when the VirtualKey's Synced condition is True, else 0; reason is the condition's reason.", keyLabels, "reason")
	keyInfo        = newDesc("litellm_virtualkey_info", "Always 1: the LiteLLM team and user IDs the virtual key belongs to, for joins with the other families.", keyLabels, "team_id", "user_id")

	userSpend       = newDesc("litellm_user_spend_usd", "Spend of the user in US dollars, as LiteLLM reported it at the last reconcile.", userLabels)
	userMaxBudget   = newDesc("litellm_user_max_budget_usd", "Max budget of the user in US dollars; no series when the user has none.", userLabels)
	userSoftBudget  = newDesc("litellm_user_soft_budget_usd", "Soft budget of the user in US dollars (the spec value last applied); no series when unset.", userLabels)
	userBudgetReset = newDesc("litellm_user_budget_reset_timestamp_seconds", "When the user's budget resets next, in seconds since the epoch; no series without a budget duration.", userLabels)
	userBlocked     = newDesc("litellm_user_blocked", "1 when the user is blocked in LiteLLM, else 0.", userLabels)
	userReady       = newDesc("litellm_user_ready", "1 when the User's Ready condition is True, else 0; reason is the condition's reason.", userLabels, "reason")
	userSynced      = newDesc("litellm_user_synced", "1 when the User's Synced condition is True, else 0; reason is the condition's reason.", userLabels, "reason")

	teamSpend       = newDesc("litellm_team_spend_usd", "Spend of the team in US dollars, as LiteLLM reported it at the last reconcile.", teamLabels)
	teamMaxBudget   = newDesc("litellm_team_max_budget_usd", "Max budget of the team in US dollars; no series when the team has none.", teamLabels)
	teamBudgetReset = newDesc("litellm_team_budget_reset_timestamp_seconds", "When the team's budget resets next, in seconds since the epoch; no series without a budget duration.", teamLabels)
	teamBlocked     = newDesc("litellm_team_blocked", "1 when the team is blocked in LiteLLM, else 0.", teamLabels)
	teamReady       = newDesc("litellm_team_ready", "1 when the Team's Ready condition is True, else 0; reason is the condition's reason.", teamLabels, "reason")
	teamSynced      = newDesc("litellm_team_synced", "1 when the Team's Synced condition is True, else 0; reason is the condition's reason.", teamLabels, "reason")
	teamInfo        = newDesc("litellm_team_info", "Always 1: the LiteLLM team ID of the Team, for joins with litellm_virtualkey_info.", teamLabels, "team_id")

	associationReady  = newDesc("litellm_teammemberassociation_ready", "1 when the TeamMemberAssociation's Ready condition is True, else 0; reason is the condition's reason.", associationLabels, "reason")
	associationSynced = newDesc("litellm_teammemberassociation_synced", "1 when the TeamMemberAssociation's Synced condition is True, else 0; reason is the condition's reason.", associationLabels, "reason")
)

var allFamilies = []*family{
	keySpend, keyMaxBudget, keySoftBudget, keyBudgetReset, keyExpiry, keyBlocked, keyReady, keySynced, keyInfo,
	userSpend, userMaxBudget, userSoftBudget, userBudgetReset, userBlocked, userReady, userSynced,
	teamSpend, teamMaxBudget, teamBudgetReset, teamBlocked, teamReady, teamSynced, teamInfo,
	associationReady, associationSynced,
}

// ObjectKey names one object's series.
type ObjectKey struct {
	Kind, Namespace, Name string
}

// series is one gauge of one object, built complete when the object is observed: a scrape only
// hands out pointers to it. It is never changed once built (the next Observe builds new ones), so
// the registry may read it while the reconcile goes on.
type series struct {
	fam   *family
	value float64
	// labels are sorted by name, as the exposition needs them; the object's own labels are shared
	// by all of its series.
	labels []*dto.LabelPair
}

var _ prometheus.Metric = (*series)(nil)

// Desc implements prometheus.Metric.
func (s *series) Desc() *prometheus.Desc { return s.fam.desc }

// Write implements prometheus.Metric.
func (s *series) Write(m *dto.Metric) error {
	m.Label = s.labels
	m.Gauge = &dto.Gauge{Value: &s.value}
	return nil
}

// Objects is a Prometheus collector with the series of every object the controllers reconciled.
// Each Observe replaces all series of that object, so a changed alias or reason never leaves the
// old series behind; Forget drops them. A scrape reads what the last reconcile of each object saw.
//
// What a series costs is paid once per reconcile, not per scrape: labels are built when the
// object is observed (one set per object, shared by its series), so a scrape of 10,000 keys
// allocates only what the registry itself needs.
type Objects struct {
	mu     sync.RWMutex
	series map[ObjectKey][]series
}

var _ prometheus.Collector = (*Objects)(nil)

// NewObjects returns an empty collector that is not registered anywhere (tests register it on
// their own registry).
func NewObjects() *Objects {
	return &Objects{series: map[ObjectKey][]series{}}
}

var (
	registered   *Objects
	registerOnce sync.Once
)

// Registered returns the process's collector, registered on controller-runtime's metrics registry
// (what the manager's /metrics endpoint serves) on first use.
func Registered() *Objects {
	registerOnce.Do(func() {
		registered = NewObjects()
		crmetrics.Registry.MustRegister(registered)
	})
	return registered
}

// Describe implements prometheus.Collector.
func (o *Objects) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range allFamilies {
		ch <- f.desc
	}
}

// Collect implements prometheus.Collector.
func (o *Objects) Collect(ch chan<- prometheus.Metric) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	for _, all := range o.series {
		for i := range all {
			ch <- &all[i]
		}
	}
}

// Observe records the object as its reconcile left it. It implements managed.Observer; before is
// not needed for the gauges.
func (o *Objects) Observe(_, after client.Object) {
	key, samples, ok := samplesOf(after)
	if !ok {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.series[key] = samples
}

// Forget drops every series of the object. It implements managed.Observer.
func (o *Objects) Forget(obj client.Object) {
	kind, ok := kindOf(obj)
	if !ok {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.series, ObjectKey{Kind: kind, Namespace: obj.GetNamespace(), Name: obj.GetName()})
}

// Len returns the number of objects with series.
func (o *Objects) Len() int {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return len(o.series)
}

func kindOf(obj client.Object) (string, bool) {
	switch obj.(type) {
	case *v1alpha1.VirtualKey:
		return KindVirtualKey, true
	case *v1alpha1.User:
		return KindUser, true
	case *v1alpha1.Team:
		return KindTeam, true
	case *v1alpha1.TeamMemberAssociation:
		return KindTeamMemberAssociation, true
	}
	return "", false
}

// samplesOf maps an object's status to its series.
func samplesOf(obj client.Object) (ObjectKey, []series, bool) {
	kind, ok := kindOf(obj)
	if !ok {
		return ObjectKey{}, nil, false
	}
	key := ObjectKey{Kind: kind, Namespace: obj.GetNamespace(), Name: obj.GetName()}
	var b seriesBuilder
	switch o := obj.(type) {
	case *v1alpha1.VirtualKey:
		st := &o.Status
		b.labels = []string{o.Namespace, o.Name, o.Spec.KeyAlias}
		b.money(keySpend, st.Spend)
		b.money(keyMaxBudget, st.MaxBudget)
		b.money(keySoftBudget, st.SoftBudget)
		b.timestamp(keyBudgetReset, st.BudgetResetAt)
		b.timestamp(keyExpiry, st.Expires)
		b.flag(keyBlocked, st.Blocked)
		b.conditions(keyReady, keySynced, st.Conditions)
		b.add(keyInfo, 1, st.TeamID, st.UserID)
	case *v1alpha1.User:
		st := &o.Status
		b.labels = []string{o.Namespace, o.Name}
		b.money(userSpend, st.Spend)
		b.money(userMaxBudget, st.MaxBudget)
		b.money(userSoftBudget, st.SoftBudget)
		b.timestamp(userBudgetReset, st.BudgetResetAt)
		b.flag(userBlocked, st.Blocked)
		b.conditions(userReady, userSynced, st.Conditions)
	case *v1alpha1.Team:
		st := &o.Status
		b.labels = []string{o.Namespace, o.Name, o.Spec.TeamAlias}
		b.money(teamSpend, st.Spend)
		b.money(teamMaxBudget, st.MaxBudget)
		b.timestamp(teamBudgetReset, st.BudgetResetAt)
		b.flag(teamBlocked, st.Blocked)
		b.conditions(teamReady, teamSynced, st.Conditions)
		b.add(teamInfo, 1, st.TeamID)
	case *v1alpha1.TeamMemberAssociation:
		b.labels = []string{o.Namespace, o.Name, o.Spec.TeamAlias}
		b.conditions(associationReady, associationSynced, o.Status.Conditions)
	}
	return key, slices.Clone(b.out), true // no room left over from appending: it is kept until the next reconcile
}

// seriesBuilder collects one object's series; every series starts with the object's labels.
type seriesBuilder struct {
	labels []string
	// own are the pairs of labels, sorted, built at the first series and shared by all.
	own []*dto.LabelPair
	out []series
}

func (b *seriesBuilder) add(f *family, v float64, extra ...string) {
	if b.own == nil {
		b.own = labelPairs(f.labels[:len(b.labels)], b.labels)
	}
	pairs := b.own
	if len(extra) > 0 {
		pairs = append(make([]*dto.LabelPair, 0, len(b.own)+len(extra)), b.own...)
		if names := f.labels[len(b.labels):]; len(names) == 1 && names[0] == labelReason {
			pairs = append(pairs, sharedPair(labelReason, extra[0]))
		} else {
			pairs = append(pairs, labelPairs(names, extra)...)
		}
		sortPairs(pairs)
	}
	b.out = append(b.out, series{fam: f, value: v, labels: pairs})
}

// labelPairs pairs names with values, sorted by name; the pairs point at the values given, but
// a namespace's pair, which every object of the namespace shares.
func labelPairs(names, values []string) []*dto.LabelPair {
	shared := 0
	if slices.Contains(names, labelNamespace) {
		shared = 1
	}
	// Sized exactly: the pointers taken below must stay valid.
	block := make([]dto.LabelPair, 0, len(values)-shared)
	out := make([]*dto.LabelPair, len(values))
	for i := range values {
		if names[i] == labelNamespace {
			out[i] = sharedPair(labelNamespace, values[i])
			continue
		}
		block = append(block, dto.LabelPair{Name: labelNames[names[i]], Value: &values[i]})
		out[i] = &block[len(block)-1]
	}
	sortPairs(out)
	return out
}

// sharedPairs holds one label pair per namespace and per condition reason, which many objects
// have in common. Both are few: namespaces of the cluster, reasons the operator's own words.
var sharedPairs sync.Map

func sharedPair(name, value string) *dto.LabelPair {
	key := name + "=" + value
	if p, ok := sharedPairs.Load(key); ok {
		return p.(*dto.LabelPair)
	}
	p, _ := sharedPairs.LoadOrStore(key, &dto.LabelPair{Name: labelNames[name], Value: &value})
	return p.(*dto.LabelPair)
}

func sortPairs(pairs []*dto.LabelPair) {
	slices.SortFunc(pairs, func(a, b *dto.LabelPair) int { return strings.Compare(*a.Name, *b.Name) })
}

// money adds a series for a status amount; an empty (unset) or unreadable amount adds none.
func (b *seriesBuilder) money(d *family, s string) {
	if v, ok := ParseMoney(s); ok {
		b.add(d, v)
	}
}

// timestamp adds a series for an RFC 3339 status time, in seconds since the epoch.
func (b *seriesBuilder) timestamp(d *family, s string) {
	if t, ok := ParseTime(s); ok {
		b.add(d, float64(t.Unix()))
	}
}

func (b *seriesBuilder) flag(d *family, v bool) {
	b.add(d, boolValue(v))
}

// conditions adds the Ready and Synced series, with the condition's reason as a label. An object
// that has not been reconciled yet counts as not Ready and not Synced.
func (b *seriesBuilder) conditions(ready, synced *family, conds []metav1.Condition) {
	for _, c := range []struct {
		desc     *family
		condType string
	}{{ready, v1alpha1.ConditionTypeReady}, {synced, v1alpha1.ConditionTypeSynced}} {
		value, reason := 0.0, ReasonUnknown
		if cond := meta.FindStatusCondition(conds, c.condType); cond != nil {
			value = boolValue(cond.Status == metav1.ConditionTrue)
			if cond.Reason != "" {
				reason = cond.Reason
			}
		}
		b.add(c.desc, value, reason)
	}
}

// ParseMoney reads a status amount in US dollars (e.g. "12.5"); ok is false when it is empty or
// not a number.
func ParseMoney(s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// ParseTime reads a status time (RFC 3339); ok is false when it is empty or malformed.
func ParseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

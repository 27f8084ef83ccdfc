// Package metrics makes what the controllers observe about each object visible to platform teams:
// spend, budgets, expiry, blocked, Ready and Synced of every VirtualKey, User, Team and
// TeamMemberAssociation become gauges on the manager's metrics endpoint, and a VirtualKey's budget
// crossings become Events.
//
// Everything here is fed by the shared loop's Observer hook (package managed) from the status each
// reconcile has already computed: nothing calls LiteLLM or the API server. Series are labelled by
// namespace, name and the object's human identity (key alias, user email, team alias), never by a
// key or its hash; there is one series per object and family, replaced when a label value changes
// and dropped as soon as the object is gone.
package metrics

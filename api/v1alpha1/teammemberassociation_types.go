package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TeamMemberAssociationSpec defines the desired state of TeamMemberAssociation.
type TeamMemberAssociationSpec struct {
	// ConnectionRef defines how to connect to the LiteLLM instance. Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.connectionRef is immutable: delete and re-create the TeamMemberAssociation to move it to another LiteLLM instance"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Connection"
	ConnectionRef ConnectionRef `json:"connectionRef"`

	// MaxBudgetInTeam is the maximum budget for the user in the team, in US dollars, as a decimal
	// string, e.g. "5". LiteLLM cannot remove it once set.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.matches('^(0|[1-9][0-9]*)([.][0-9]+)?$')",message="spec.maxBudgetInTeam must be a non-negative decimal number of US dollars written as a string, e.g. '5', '0.5' or '250.00'"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Max Budget in Team (USD)",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	MaxBudgetInTeam *string `json:"maxBudgetInTeam,omitempty"`

	// TeamAlias is the alias of the team to join: a Team in the same namespace with this alias, or
	// else the one LiteLLM team with exactly this alias. Immutable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.teamAlias is immutable: create a new TeamMemberAssociation for another team"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Team Alias",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	TeamAlias string `json:"teamAlias"`

	// UserEmail is the email of the user: a User in the same namespace with this email, or else the
	// LiteLLM user with exactly this email. Immutable.
	// +required
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=254
	// +kubebuilder:validation:XValidation:rule="self.matches('^[^@\\\\s]+@[^@\\\\s]+$')",message="spec.userEmail must be an email address such as 'jane@example.com'"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.userEmail is immutable: create a new TeamMemberAssociation for another user"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="User Email",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	UserEmail string `json:"userEmail"`

	// Role is the role of the user - one of "admin" or "user". "admin" needs a LiteLLM Enterprise
	// license.
	// +required
	// +kubebuilder:validation:Enum=admin;user
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Role",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:select:user","urn:alm:descriptor:com.tectonic.ui:select:admin"}
	Role string `json:"role"`

	// DeletionPolicy says what happens to the membership in LiteLLM when the TeamMemberAssociation
	// is deleted: Delete (default) removes the user from the team, Orphan keeps the membership.
	// +optional
	// +kubebuilder:default=Delete
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Deletion Policy",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:select:Delete","urn:alm:descriptor:com.tectonic.ui:select:Orphan"}
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// TeamMemberAssociationStatus defines the observed state of TeamMemberAssociation.
type TeamMemberAssociationStatus struct {
	// Conditions: Ready (the user is a member of the team in LiteLLM) and Synced (the last
	// reconcile succeeded).
	// +optional
	// +listType=map
	// +listMapKey=type
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Conditions",xDescriptors={"urn:alm:descriptor:io.kubernetes.conditions"}
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ObservedGeneration is the metadata.generation of the spec last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// ManagedFields are the LiteLLM fields the spec set when it was last applied. A field that
	// leaves the spec is cleared in LiteLLM once where LiteLLM can clear it, or reported with a
	// FieldNotCleared Event where it cannot, and then no longer managed.
	// +optional
	// +listType=set
	ManagedFields []string `json:"managedFields,omitempty"`

	// TeamAlias is the alias of the team.
	// +optional
	TeamAlias string `json:"teamAlias,omitempty"`

	// TeamID is the ID of the team the alias resolved to.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Team ID",xDescriptors={"urn:alm:descriptor:text"}
	TeamID string `json:"teamID,omitempty"`

	// UserEmail is the email of the user.
	// +optional
	UserEmail string `json:"userEmail,omitempty"`

	// UserID is the ID of the user the email resolved to.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="User ID",xDescriptors={"urn:alm:descriptor:text"}
	UserID string `json:"userID,omitempty"`
}

// TeamMemberAssociation makes a LiteLLM user a member of a LiteLLM team, with a role and an
// optional budget inside the team.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=teammemberassociations,singular=teammemberassociation,scope=Namespaced,shortName=tma,categories=litellm
// +kubebuilder:printcolumn:name="Team",type=string,JSONPath=`.spec.teamAlias`
// +kubebuilder:printcolumn:name="Email",type=string,JSONPath=`.spec.userEmail`
// +kubebuilder:printcolumn:name="Role",type=string,JSONPath=`.spec.role`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].reason`
// +kubebuilder:printcolumn:name="Budget",type=string,JSONPath=`.spec.maxBudgetInTeam`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="has(self.status) || !has(self.spec.connectionRef.secretRef) || self.spec.connectionRef.secretRef.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",fieldPath=".spec.connectionRef.secretRef.name",message="spec.connectionRef.secretRef.name must be the name of a Secret in this namespace: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (an RFC 1123 subdomain), e.g. 'litellm-connection'"
// +kubebuilder:validation:XValidation:rule="has(self.status) || !has(self.spec.connectionRef.instanceRef) || (size(self.spec.connectionRef.instanceRef.name) <= 63 && self.spec.connectionRef.instanceRef.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'))",fieldPath=".spec.connectionRef.instanceRef.name",message="spec.connectionRef.instanceRef.name must be the name of a LiteLLM instance, which names its Service and Secret: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit (an RFC 1123 label), e.g. 'litellm'"
// +kubebuilder:validation:XValidation:rule="has(self.status) || !has(self.spec.connectionRef.instanceRef) || !has(self.spec.connectionRef.instanceRef.__namespace__) || self.spec.connectionRef.instanceRef.__namespace__.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",fieldPath=".spec.connectionRef.instanceRef.namespace",message="spec.connectionRef.instanceRef.namespace must be a namespace name: lowercase letters, digits and '-', starting and ending with a letter or digit (an RFC 1123 label)"
// +operator-sdk:csv:customresourcedefinitions:displayName="Team Member Association",resources={{Secret,v1,""}}
type TeamMemberAssociation struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired membership.
	// +required
	Spec TeamMemberAssociationSpec `json:"spec"`

	// Status is the observed membership.
	// +optional
	Status TeamMemberAssociationStatus `json:"status,omitempty"`
}

// TeamMemberAssociationList contains a list of TeamMemberAssociation.
// +kubebuilder:object:root=true
type TeamMemberAssociationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the TeamMemberAssociations.
	Items []TeamMemberAssociation `json:"items"`
}

func init() {
	register(&TeamMemberAssociation{}, &TeamMemberAssociationList{})
}

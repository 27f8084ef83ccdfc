package api

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	authv1alpha1 "github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// Valid objects that the test cases break one field at a time.

func instanceConnection() authv1alpha1.ConnectionRef {
	return authv1alpha1.ConnectionRef{
		InstanceRef: &authv1alpha1.InstanceRef{Name: "litellm-example", Namespace: "litellm"},
	}
}

func secretConnection() authv1alpha1.ConnectionRef {
	return authv1alpha1.ConnectionRef{SecretRef: &authv1alpha1.SecretRef{
		Name: "litellm-connection",
		Keys: &authv1alpha1.SecretKeys{MasterKey: "masterKey", URL: "url"},
	}}
}

func validVirtualKey(ns, name string) *authv1alpha1.VirtualKey {
	return &authv1alpha1.VirtualKey{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: authv1alpha1.VirtualKeySpec{
			ConnectionRef:  instanceConnection(),
			KeyAlias:       name,
			Models:         []string{"gpt-4o"},
			MaxBudget:      ptr.To("10"),
			BudgetDuration: "1h",
		},
	}
}

func validUser(ns, name string) *authv1alpha1.User {
	return &authv1alpha1.User{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: authv1alpha1.UserSpec{
			ConnectionRef: instanceConnection(),
			UserEmail:     name + "@example.com",
			UserRole:      "internal_user",
			MaxBudget:     ptr.To("50"),
		},
	}
}

func validTeam(ns, name string) *authv1alpha1.Team {
	return &authv1alpha1.Team{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: authv1alpha1.TeamSpec{
			ConnectionRef: instanceConnection(),
			TeamAlias:     name,
			MaxBudget:     ptr.To("250"),
		},
	}
}

func validMembership(ns, name string) *authv1alpha1.TeamMemberAssociation {
	return &authv1alpha1.TeamMemberAssociation{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: authv1alpha1.TeamMemberAssociationSpec{
			ConnectionRef: instanceConnection(),
			TeamAlias:     "research",
			UserEmail:     "jane@example.com",
			Role:          "user",
		},
	}
}

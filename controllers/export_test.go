package controllers

import (
	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers/keyvalues"
)

// StopAfterKeyGenerated makes stop run between /key/generate and the Secret write of every key
// LiteLLM generates; an error it returns ends the reconcile there, as a crash would. The returned
// function removes it.
func StopAfterKeyGenerated(stop func(*v1alpha1.VirtualKey) error) (restore func()) {
	afterKeyGenerated.Store(&stop)
	return func() { afterKeyGenerated.Store(nil) }
}

// ForgetKeyValues forgets which proxies generate key values, as a restart of the operator does.
func ForgetKeyValues() {
	if c := lastChooser.Load(); c != nil {
		c.Forget()
	}
}

// ForceKeyValues runs the operator as with --key-values=m until the returned function restores auto.
func ForceKeyValues(m keyvalues.Mode) (restore func()) {
	c := lastChooser.Load()
	c.SetMode(m)
	return func() { c.SetMode(keyvalues.Auto) }
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// chatModel is the model the guide's key may use.
const chatModel = "gpt-4o"

// chatResult is the outcome of one /chat/completions call.
type chatResult struct {
	status int
	// reply is the assistant's answer (accepted) or LiteLLM's error message (refused).
	reply string
}

func (r chatResult) accepted() bool { return r.status == http.StatusOK }

// readKey reads a VirtualKey's raw key the way the guide does: the Secret named in
// status.keySecretRef, data key "key".
func readKey(ctx context.Context, c client.Client, ns, name string) (secretName, key string, err error) {
	vk := &v1alpha1.VirtualKey{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, vk); err != nil {
		return "", "", err
	}
	if vk.Status.KeySecretRef == "" {
		return "", "", fmt.Errorf("VirtualKey %s has no status.keySecretRef yet", name)
	}
	secret := &corev1.Secret{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: vk.Status.KeySecretRef}, secret); err != nil {
		return "", "", err
	}
	key = strings.TrimSpace(string(secret.Data[v1alpha1.KeySecretDataKey]))
	if key == "" {
		return "", "", fmt.Errorf("secret %s has no data key %q", vk.Status.KeySecretRef, v1alpha1.KeySecretDataKey)
	}
	return vk.Status.KeySecretRef, key, nil
}

// chat calls /chat/completions with a virtual key, as an application would.
func chat(ctx context.Context, baseURL, key string) (chatResult, error) {
	body, _ := json.Marshal(map[string]any{
		"model":    chatModel,
		"messages": []map[string]string{{"role": "user", "content": "Hello, world!"}},
	})
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(baseURL, "/")+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return chatResult{}, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return chatResult{}, fmt.Errorf("calling LiteLLM: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return chatResult{}, err
	}
	if resp.StatusCode == http.StatusOK {
		return chatResult{status: resp.StatusCode, reply: completionText(data)}, nil
	}
	return chatResult{status: resp.StatusCode, reply: errorMessage(data)}, nil
}

func completionText(data []byte) string {
	var r struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
	}
	if json.Unmarshal(data, &r) == nil && len(r.Choices) > 0 {
		return r.Choices[0].Message.Content
	}
	return strings.TrimSpace(string(data))
}

// errorMessage extracts LiteLLM's message from its error body shapes ({"error": {"message"}},
// {"detail": {"error"}} or {"detail": "..."}), else returns the body.
func errorMessage(data []byte) string {
	var body struct {
		Error *struct {
			Message json.RawMessage `json:"message"`
		} `json:"error"`
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(data, &body) == nil {
		if body.Error != nil && len(body.Error.Message) > 0 {
			return rawText(body.Error.Message)
		}
		if len(body.Detail) > 0 {
			var detail struct {
				Error string `json:"error"`
			}
			if json.Unmarshal(body.Detail, &detail) == nil && detail.Error != "" {
				return detail.Error
			}
			return rawText(body.Detail)
		}
	}
	return strings.TrimSpace(string(data))
}

func rawText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// healthy checks that a LiteLLM proxy answers its liveness probe (no key needed).
func healthy(ctx context.Context, baseURL string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(baseURL, "/")+"/health/liveliness", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /health/liveliness answered %s", resp.Status)
	}
	return nil
}

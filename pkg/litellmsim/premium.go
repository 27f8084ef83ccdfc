//nolint:goconst // LiteLLM's JSON field names read best spelled out where each body is built.
package litellmsim

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Enterprise ("premium") refusals of a free proxy (compat: Enterprise-only features).

// notPremiumText is CommonProxyErrors.not_premium_user as recorded on 1.81.3
// (fixture team-update-403-enterprise-v1.81.3).
const notPremiumText = "You must be a LiteLLM Enterprise user to use this feature. If you have a license please set " +
	"'LITELLM_LICENSE' in your env. Get a 7 day trial key here: https://www.litellm.ai/enterprise#trial.\n\n" +
	"Pricing: https://www.litellm.ai/#pricing"

// premiumMetadataFields are refused when non-empty on a free proxy (newest main only refuses
// truthy values, so [] passes — compat: Enterprise-only features).
var premiumMetadataFields = []string{"tags", "guardrails"}

func premiumFieldText(field string) string {
	return "This feature is only available for LiteLLM Enterprise users: " + field + ". " + notPremiumText
}

// premiumFieldSent returns the first premium metadata field sent with a non-empty value.
func premiumFieldSent(b *body) string {
	for _, f := range premiumMetadataFields {
		if len(b.strings(f)) > 0 {
			return f
		}
	}
	return ""
}

// modelMaxBudgetError validates model_max_budget as validate_model_max_budget does; the caller
// decides the status (500 on generate and /user/new, 400 on update).
func (s *Simulator) modelMaxBudgetError(b *body) string {
	m := b.object("model_max_budget")
	if len(m) == 0 {
		return ""
	}
	if !s.opts.Premium {
		return "Invalid model_max_budget: You must have an enterprise license to set model_max_budget. " + notPremiumText
	}
	models := make([]string, 0, len(m))
	for model := range m {
		models = append(models, model)
	}
	sort.Strings(models)
	for _, model := range models {
		entry, ok := m[model].(map[string]any)
		if !ok {
			return fmt.Sprintf("Invalid model_max_budget: budget for model %s must be an object with budget_limit and time_period", model)
		}
		switch entry["budget_limit"].(type) {
		case float64, int64:
		default:
			return fmt.Sprintf("Invalid model_max_budget: budget_limit for model %s must be a number", model)
		}
		period, _ := entry["time_period"].(string)
		if _, err := parseStrictDuration(period); err != nil {
			return fmt.Sprintf("Invalid model_max_budget: %s", err)
		}
	}
	return ""
}

// enforcedParamsError is _enforced_params_check, which runs at request time, not when the key is
// made (compat: Enforced params): on a free proxy any enforced_params
// refuse every call; with Enterprise each listed parameter ("user", or "metadata.generation_name")
// must be in the request body. Both are ValueErrors, which the LLM route answers with 500 and
// type "None".
func (s *Simulator) enforcedParamsError(k *Key, request map[string]any) *apiError {
	params, _ := k.Metadata["enforced_params"].([]any)
	if params == nil {
		return nil
	}
	names := make([]string, 0, len(params))
	for _, p := range params {
		if name, ok := p.(string); ok {
			names = append(names, name)
		}
	}
	refuse := func(text string) *apiError {
		return &apiError{status: http.StatusInternalServerError, shape: shapeA, errType: pyNone, param: pyNone, message: text}
	}
	if !s.opts.Premium {
		return refuse("Enforced Params is an Enterprise feature. Enforced Params: " + pyListRepr(names) + ". " + notPremiumText)
	}
	for _, name := range names {
		top, sub, nested := strings.Cut(name, ".")
		v, ok := request[top]
		if !ok {
			return refuse("BadRequest please pass param=" + top + " in request body. This is a required param")
		}
		if obj, _ := v.(map[string]any); nested && !hasKey(obj, sub) {
			return refuse("BadRequest please pass param=[" + top + "][" + sub + "] in request body. This is a required param")
		}
	}
	return nil
}

// keyPremiumError runs the premium checks of /key/generate (wrapped=false) and /key/update
// (wrapped=true, the auth_error wrapper).
func (s *Simulator) keyPremiumError(b *body, update bool) *apiError {
	if !s.opts.Premium {
		if f := premiumFieldSent(b); f != "" {
			typ := "internal_server_error"
			if update {
				typ = "auth_error"
			}
			return errorADict(http.StatusForbidden, typ, "error", premiumFieldText(f))
		}
	}
	if text := s.modelMaxBudgetError(b); text != "" {
		if update {
			return errorAuthWrapped(text)
		}
		return errorInternal(text)
	}
	return nil
}

// negativeBudgetError refuses negative max_budget/soft_budget (compat: Numbers and timestamps).
func negativeBudgetError(b *body, errType string) *apiError {
	for _, f := range []string{"max_budget", "soft_budget"} {
		if v := b.float(f); v != nil && *v < 0 {
			return errorADict(http.StatusBadRequest, errType, "error", f+" cannot be negative. Received: "+pyFloatRepr(*v))
		}
	}
	return nil
}

// mergeManagedMetadata adds the fields LiteLLM keeps inside metadata (tags, guardrails,
// model_rpm_limit, model_tpm_limit, enforced_params) to a metadata object.
func mergeManagedMetadata(meta map[string]any, b *body) map[string]any {
	if meta == nil {
		meta = map[string]any{}
	}
	for _, f := range []string{"tags", "guardrails", "enforced_params"} {
		if b.has(f) {
			if v := b.strings(f); v != nil {
				meta[f] = toAnyList(v)
			} else {
				delete(meta, f)
			}
		}
	}
	for _, f := range []string{"model_rpm_limit", "model_tpm_limit"} {
		if b.has(f) {
			if v := b.object(f); v != nil {
				meta[f] = v
			} else {
				delete(meta, f)
			}
		}
	}
	return meta
}

func toAnyList(v []string) []any {
	out := make([]any, len(v))
	for i, s := range v {
		out[i] = s
	}
	return out
}

// isKeyLike is is_valid_api_key: a raw "sk-" key or a 64-character hex hash (exact rule unverified).
func isKeyLike(v string) bool {
	if strings.HasPrefix(v, "sk-") {
		return true
	}
	if len(v) != 64 {
		return false
	}
	for _, c := range v {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

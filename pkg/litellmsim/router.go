package litellmsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

const adminPrefix = "/__sim/"

// routeAuth is who may call a route.
type routeAuth int

const (
	authNone  routeAuth = iota // health probes, the API docs page
	authAdmin                  // management routes: the master key only
	authLLM                    // LLM and self-service routes: any valid virtual key (or the master key)
)

// handler computes a route's answer under the store lock; the response is written after the
// lock is released.
type handler func(s *Simulator, r *http.Request, c caller) (any, *apiError)

type route struct {
	method string
	auth   routeAuth
	fn     handler
}

// routes is LiteLLM's route table as far as the simulator implements it. Every management write
// is a POST, including deletes (compat: Authentication).
var routes = map[string]route{
	"/key/generate":   {http.MethodPost, authAdmin, (*Simulator).keyGenerate},
	"/key/update":     {http.MethodPost, authAdmin, (*Simulator).keyUpdate},
	"/key/delete":     {http.MethodPost, authAdmin, (*Simulator).keyDelete},
	"/key/info":       {http.MethodGet, authLLM, (*Simulator).keyInfo}, // a virtual key may read its own
	"/key/list":       {http.MethodGet, authAdmin, (*Simulator).keyList},
	"/key/aliases":    {http.MethodGet, authAdmin, (*Simulator).keyAliases},
	"/key/block":      {http.MethodPost, authAdmin, (*Simulator).keyBlock},
	"/key/unblock":    {http.MethodPost, authAdmin, (*Simulator).keyUnblock},
	"/key/regenerate": {http.MethodPost, authAdmin, (*Simulator).keyRegenerate},

	"/user/new":    {http.MethodPost, authAdmin, (*Simulator).userNew},
	"/user/info":   {http.MethodGet, authAdmin, (*Simulator).userInfo},
	"/user/update": {http.MethodPost, authAdmin, (*Simulator).userUpdate},
	"/user/delete": {http.MethodPost, authAdmin, (*Simulator).userDelete},
	"/user/list":   {http.MethodGet, authAdmin, (*Simulator).userList},

	"/team/new":           {http.MethodPost, authAdmin, (*Simulator).teamNew},
	"/team/update":        {http.MethodPost, authAdmin, (*Simulator).teamUpdate},
	"/team/info":          {http.MethodGet, authAdmin, (*Simulator).teamInfo},
	"/team/delete":        {http.MethodPost, authAdmin, (*Simulator).teamDelete},
	"/team/list":          {http.MethodGet, authAdmin, (*Simulator).teamList},
	"/v2/team/list":       {http.MethodGet, authAdmin, (*Simulator).teamListV2},
	"/team/block":         {http.MethodPost, authAdmin, (*Simulator).teamBlock},
	"/team/unblock":       {http.MethodPost, authAdmin, (*Simulator).teamUnblock},
	"/team/member_add":    {http.MethodPost, authAdmin, (*Simulator).teamMemberAdd},
	"/team/member_delete": {http.MethodPost, authAdmin, (*Simulator).teamMemberDelete},
	"/team/member_update": {http.MethodPost, authAdmin, (*Simulator).teamMemberUpdate},

	"/budget/new":    {http.MethodPost, authAdmin, (*Simulator).budgetNew},
	"/budget/info":   {http.MethodPost, authAdmin, (*Simulator).budgetInfo},
	"/budget/delete": {http.MethodPost, authAdmin, (*Simulator).budgetDelete},

	"/chat/completions":    {http.MethodPost, authLLM, (*Simulator).chatCompletions},
	"/v1/chat/completions": {http.MethodPost, authLLM, (*Simulator).chatCompletions},
	"/models":              {http.MethodGet, authLLM, (*Simulator).modelList},
	"/v1/models":           {http.MethodGet, authLLM, (*Simulator).modelList},

	"/":                  {http.MethodGet, authNone, (*Simulator).apiDocs},
	"/health":            {http.MethodGet, authLLM, (*Simulator).health},
	"/health/liveliness": {http.MethodGet, authNone, (*Simulator).healthLiveliness},
	"/health/liveness":   {http.MethodGet, authNone, (*Simulator).healthLiveliness},
	"/health/readiness":  {http.MethodGet, authNone, (*Simulator).healthReadiness},
}

// lookupRoute finds the route of a path, including /key/{key}/regenerate.
func lookupRoute(path string) (route, bool) {
	if rt, ok := routes[path]; ok {
		return rt, true
	}
	if strings.HasPrefix(path, "/key/") && strings.HasSuffix(path, "/regenerate") && len(path) > len("/key//regenerate") {
		return routes["/key/regenerate"], true
	}
	return route{}, false
}

func (s *Simulator) serveRoute(w http.ResponseWriter, r *http.Request) {
	rt, ok := lookupRoute(r.URL.Path)
	if !ok {
		errNotFoundRoute.write(w, s.opts.Variant)
		return
	}
	if r.Method != rt.method {
		errMethodNotAllowed.write(w, s.opts.Variant)
		return
	}
	resp, aerr := s.handle(rt, r)
	if aerr != nil {
		aerr.write(w, s.opts.Variant)
		return
	}
	switch v := resp.(type) {
	case eventStream:
		v.write(w)
	case htmlPage:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, string(v)) //nolint:gosec // a constant page (apiDocsHTML): nothing of the request is in it
	default:
		writeJSON(w, http.StatusOK, resp)
	}
}

// htmlPage is an answer that is an HTML page (the API docs at /).
type htmlPage string

// eventStream is an answer of server-sent events: each event is a JSON object written as
// "data: <json>" and flushed, and the stream ends with "data: [DONE]", as OpenAI streams do.
type eventStream struct{ events []any }

func (e eventStream) write(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	send := func(data []byte) {
		_, _ = w.Write(append(append([]byte("data: "), data...), "\n\n"...))
		if flusher != nil {
			flusher.Flush()
		}
	}
	for _, ev := range e.events {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if enc.Encode(ev) != nil {
			return
		}
		send(bytes.TrimRight(buf.Bytes(), "\n"))
	}
	send([]byte("[DONE]"))
}

// handle authenticates and runs a route under the store lock. The body is read first, so a slow
// client never holds the lock.
func (s *Simulator) handle(rt route, r *http.Request) (any, *apiError) {
	if r.Body != nil {
		raw, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
		if err != nil {
			return nil, errorInvalidJSON(err.Error())
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var c caller
	if rt.auth != authNone {
		var aerr *apiError
		c, aerr = s.authenticate(r, rt.auth)
		if aerr != nil {
			return nil, aerr
		}
	}
	return rt.fn(s, r, c)
}

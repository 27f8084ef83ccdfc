package litellm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// teamsServer serves /v2/team/list pages like LiteLLM (case-insensitive contains, page/page_size,
// total_pages) from a fixed list, and /team/list as the full array; v2 can be switched off.
type teamsServer struct {
	teams   []Team
	noV2    bool
	v2Fails bool
	mu      sync.Mutex
	calls   []string
}

func (s *teamsServer) handler(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls = append(s.calls, r.URL.Path)
		s.mu.Unlock()
		switch {
		case r.URL.Path == "/v2/team/list" && s.noV2:
			writeJSON(w, 404, `{"detail":"Not Found"}`)
		case r.URL.Path == "/v2/team/list" && s.v2Fails:
			writeJSON(w, 500, shapeA(500, "internal_server_error", "None", "db down"))
		case r.URL.Path == "/v2/team/list":
			q := r.URL.Query()
			page, _ := strconv.Atoi(q.Get("page"))
			size, _ := strconv.Atoi(q.Get("page_size"))
			var match []Team
			for _, tm := range s.teams {
				if strings.Contains(strings.ToLower(tm.TeamAlias), strings.ToLower(q.Get("team_alias"))) {
					match = append(match, tm)
				}
			}
			start, end := min((page-1)*size, len(match)), min(page*size, len(match))
			body, _ := json.Marshal(map[string]any{"teams": match[start:end], "total": len(match), "page": page,
				"page_size": size, "total_pages": (len(match) + size - 1) / size})
			writeJSON(w, 200, string(body))
		case r.URL.Path == "/team/list":
			body, _ := json.Marshal(s.teams)
			writeJSON(w, 200, string(body))
		default:
			t.Errorf("unexpected call %s", r.URL.Path)
		}
	}
}

func (s *teamsServer) called(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c == path {
			n++
		}
	}
	return n
}

func TestTeamsByAlias(t *testing.T) {
	teamListPageSize = 2 // several pages from a few teams
	t.Cleanup(func() { teamListPageSize = 100 })
	teams := []Team{
		{TeamID: "t1", TeamAlias: "eng"}, {TeamID: "t2", TeamAlias: "eng-ml"}, {TeamID: "t3", TeamAlias: "ENG"},
		{TeamID: "t4", TeamAlias: "research"}, {TeamID: "t5", TeamAlias: "eng"}, {TeamID: "t6", TeamAlias: "old-eng"},
	}
	cases := []struct {
		name, reason string
		server       *teamsServer
		alias        string
		wantIDs      []string
		wantV2       int
		wantFull     int
		wantErr      func(error) bool
	}{
		{name: "exact matches across pages", reason: "the partial, case-insensitive matches are filtered exactly; every page is read",
			server: &teamsServer{teams: teams}, alias: "eng", wantIDs: []string{"t1", "t5"}, wantV2: 3},
		{name: "no match", reason: "zero teams is an answer, not an error", server: &teamsServer{teams: teams}, alias: "sales", wantIDs: nil, wantV2: 1},
		{name: "older proxy", reason: "FastAPI's 404 for /v2/team/list: fall back to /team/list",
			server: &teamsServer{teams: teams, noV2: true}, alias: "eng", wantIDs: []string{"t1", "t5"}, wantV2: 1, wantFull: 1},
		{name: "v2 fails", reason: "a 500 is no reason to download every team: the error is returned",
			server: &teamsServer{teams: teams, v2Fails: true}, alias: "eng", wantErr: IsTransient, wantV2: 1},
		{name: "empty alias", reason: "an empty filter would list every team", server: &teamsServer{teams: teams}, alias: "", wantErr: IsInvalidRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := serveFunc(t, tc.server.handler(t))
			c, _ := newTestClient(t, srv.URL, RetryPolicy{MaxAttempts: 1})
			got, err := c.TeamsByAlias(context.Background(), tc.alias)
			if tc.wantErr != nil {
				assert.True(t, tc.wantErr(err), "%s: %v", tc.reason, err)
			} else {
				require.NoError(t, err, tc.reason)
				var ids []string
				for _, tm := range got {
					ids = append(ids, tm.TeamID)
				}
				assert.Equal(t, tc.wantIDs, ids, tc.reason)
			}
			assert.Equal(t, tc.wantV2, tc.server.called("/v2/team/list"), "pages of /v2/team/list")
			assert.Equal(t, tc.wantFull, tc.server.called("/team/list"), "calls of /team/list")
		})
	}
}

func TestTeamsByAliasDropsDuplicatesAndStops(t *testing.T) {
	var pages atomic.Int32
	srv := serveFunc(t, func(w http.ResponseWriter, r *http.Request) {
		n := pages.Add(1)
		// A proxy whose pages shift (a team created meanwhile) and that never stops announcing more.
		writeJSON(w, 200, fmt.Sprintf(`{"teams":[{"team_id":"t1","team_alias":"eng"},{"team_id":"t%d","team_alias":"eng-%d"}],"total":99999,"total_pages":99999}`, n, n))
	})
	c, _ := newTestClient(t, srv.URL, RetryPolicy{MaxAttempts: 1})
	_, err := c.TeamsByAlias(context.Background(), "eng")
	assert.EqualValues(t, maxTeamListPages, pages.Load(), "bounded")
	e, ok := AsError(err)
	require.True(t, ok)
	assert.Equal(t, ReasonInvalidResponse, e.Reason)

	srv2 := serveFunc(t, func(w http.ResponseWriter, r *http.Request) {
		total := 2
		writeJSON(w, 200, fmt.Sprintf(`{"teams":[{"team_id":"t1","team_alias":"eng"}],"total":%d,"total_pages":%d}`, total, total))
	})
	c2, _ := newTestClient(t, srv2.URL, RetryPolicy{MaxAttempts: 1})
	got, err := c2.TeamsByAlias(context.Background(), "eng")
	require.NoError(t, err)
	assert.Len(t, got, 1, "a team seen on two pages counts once")
}

func TestTeamMemberUpdateBody(t *testing.T) {
	cases := []struct {
		name, reason string
		req          TeamMemberUpdateRequest
		want         string
	}{
		{name: "unset", reason: "the budget is not sent", req: TeamMemberUpdateRequest{TeamID: "t", UserID: "u", Role: "user"},
			want: `{"team_id":"t","user_id":"u","role":"user"}`},
		{name: "set", reason: "a value", req: TeamMemberUpdateRequest{TeamID: "t", UserID: "u", MaxBudgetInTeam: ptrTo(2.5)},
			want: `{"team_id":"t","user_id":"u","max_budget_in_team":2.5}`},
		{name: "remove", reason: "an explicit null removes the member budget on current proxies",
			req: TeamMemberUpdateRequest{TeamID: "t", UserID: "u", RemoveMaxBudgetInTeam: true}, want: `{"team_id":"t","user_id":"u","max_budget_in_team":null}`},
		{name: "remove and set", reason: "a value wins over removal", req: TeamMemberUpdateRequest{TeamID: "t", UserID: "u", MaxBudgetInTeam: ptrTo(1.0), RemoveMaxBudgetInTeam: true},
			want: `{"team_id":"t","user_id":"u","max_budget_in_team":1}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.req)
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(got), tc.reason)
		})
	}
}

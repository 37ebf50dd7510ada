package web

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/assayhq/assay/app/auth"
)

// fakeAudit answers GET /v1/internal/audit from entries kept per organization, oldest
// first, paged newest first like the API (the cursor is the last sequence number seen).
type fakeAudit struct {
	mu      sync.Mutex
	entries map[string][]apiAuditEntry
	fail    bool // answer 503
}

func (f *fakeAudit) add(org string, e apiAuditEntry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.entries == nil {
		f.entries = map[string][]apiAuditEntry{}
	}
	e.Seq = int64(len(f.entries[org]) + 1)
	f.entries[org] = append(f.entries[org], e)
}

func (f *fakeAudit) list(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		problem(w, &apiProblem{Status: http.StatusServiceUnavailable, Title: "Service Unavailable"})
		return
	}
	if c.Role != "owner" && c.Role != "admin" {
		problem(w, &apiProblem{Status: http.StatusForbidden, Title: "Forbidden"})
		return
	}
	limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || limit < 1 {
		limit = 20
	}
	all := f.entries[c.OrgID]
	end := len(all)
	if cur := r.URL.Query().Get("cursor"); cur != "" {
		n, err := strconv.Atoi(cur)
		if err != nil {
			problem(w, &apiProblem{Status: http.StatusUnprocessableEntity, Title: "Invalid"})
			return
		}
		end = n - 1
	}
	out := apiAuditList{Data: []apiAuditEntry{}}
	for i := end - 1; i >= 0 && len(out.Data) < limit; i-- {
		out.Data = append(out.Data, all[i])
	}
	if n := len(out.Data); n > 0 && out.Data[n-1].Seq > 1 {
		next := strconv.FormatInt(out.Data[n-1].Seq, 10)
		out.NextCursor = &next
	}
	writeJSON(w, http.StatusOK, out)
}

// all answers the backoffice's GET /v1/internal/service/audit: every organization's
// entries, newest first, filtered by org and action prefix (one page).
func (f *fakeAudit) all(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := c.IsService(); !ok {
		problem(w, &apiProblem{Status: http.StatusForbidden, Title: "Forbidden"})
		return
	}
	org, action := r.URL.Query().Get("org"), r.URL.Query().Get("action")
	out := apiAuditList{Data: []apiAuditEntry{}}
	for id, entries := range f.entries {
		if org != "" && id != org {
			continue
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Action, action) {
				e.OrgID = &id
				out.Data = append(out.Data, e)
			}
		}
	}
	sort.Slice(out.Data, func(i, j int) bool { return out.Data[i].At.After(out.Data[j].At) })
	writeJSON(w, http.StatusOK, out)
}

package web

import (
	"encoding/json"
	"net/http"
	"sync"

	"github.com/assayhq/assay/app/auth"
)

// fakeSuspensions records the suspension pushes the API received, by organization, and
// accepts the plan pushes that go with them.
type fakeSuspensions struct {
	mu     sync.Mutex
	state  map[string]bool
	pushes int
	fail   bool // answer the next push with 503
}

func (f *fakeSuspensions) put(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	if _, ok := c.IsService(); !ok {
		problem(w, &apiProblem{Status: 403, Title: "Forbidden", Detail: "service tokens only"})
		return
	}
	var in struct {
		Suspended *bool `json:"suspended"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Suspended == nil {
		problem(w, &apiProblem{Status: 422, Title: "Unprocessable Entity", Detail: "suspended is required"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		f.fail = false
		problem(w, &apiProblem{Status: 503, Title: "Service Unavailable", Detail: "down"})
		return
	}
	if f.state == nil {
		f.state = map[string]bool{}
	}
	f.state[r.PathValue("org_id")] = *in.Suspended
	f.pushes++
	writeJSON(w, http.StatusOK, map[string]any{"org_id": r.PathValue("org_id"), "suspended": *in.Suspended})
}

// plan accepts plan pushes (sent with each suspension push) for the service token only.
func (f *fakeSuspensions) plan(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	if _, ok := c.IsService(); !ok {
		problem(w, &apiProblem{Status: 403, Title: "Forbidden", Detail: "service tokens only"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"org_id": r.PathValue("org_id")})
}

// suspended reports what the API last heard about org, and whether it heard anything.
func (f *fakeSuspensions) suspended(org string) (on, known bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	on, known = f.state[org]
	return on, known
}

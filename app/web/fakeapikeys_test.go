package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/assayhq/assay/app/access"
	"github.com/assayhq/assay/app/apikeys"
	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/platform"
)

// fakeKeys answers the API's internal API-key endpoints: the role check and the
// validation are the real ones (package access, apikeys.Spec), the keys live in memory.
type fakeKeys struct {
	mu      sync.Mutex
	keys    []fakeKey // oldest first
	creates int       // create requests that reached it
}

type fakeKey struct {
	OrgID string
	Key   apiKey
}

func (f *fakeKeys) allowed(w http.ResponseWriter, c *auth.Claims) bool {
	if !access.Can(c.Role, access.ManageAPIKeys) {
		problem(w, &apiProblem{Status: 403, Title: "Forbidden", Detail: "the " + c.Role + " role may not manage API keys"})
		return false
	}
	return true
}

func (f *fakeKeys) list(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	if !f.allowed(w, c) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	l := apiKeyList{Data: []apiKey{}}
	for _, k := range slices.Backward(f.keys) {
		if k.OrgID == c.OrgID {
			l.Data = append(l.Data, k.Key)
		}
	}
	writeJSON(w, http.StatusOK, l)
}

func (f *fakeKeys) create(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	if !f.allowed(w, c) {
		return
	}
	f.mu.Lock()
	f.creates++
	f.mu.Unlock()
	var in newAPIKey
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		problem(w, &apiProblem{Status: 422, Title: "Unprocessable Entity", Detail: err.Error()})
		return
	}
	spec := apikeys.Spec{Name: in.Name, Scopes: in.Scopes}
	if in.ExpiresAt != nil {
		at, err := time.Parse(time.RFC3339, *in.ExpiresAt)
		if err != nil {
			problem(w, &apiProblem{Status: 422, Title: "Unprocessable Entity", Detail: "expires_at must be an RFC 3339 date-time"})
			return
		}
		spec.ExpiresAt = &at
	}
	spec, err := spec.Validate(time.Now())
	if err != nil {
		problem(w, &apiProblem{Status: 422, Title: "Unprocessable Entity", Detail: err.Error()})
		return
	}
	key, prefix, _ := auth.NewAPIKey()
	k := apiKey{
		ID: platform.NewID(), Name: spec.Name, Prefix: prefix, Scopes: spec.Scopes,
		CreatedAt: time.Now().UTC(), ExpiresAt: spec.ExpiresAt,
	}
	f.mu.Lock()
	f.keys = append(f.keys, fakeKey{OrgID: c.OrgID, Key: k})
	f.mu.Unlock()
	k.Key = key
	writeJSON(w, http.StatusCreated, k)
}

func (f *fakeKeys) revoke(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	if !f.allowed(w, c) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, k := range f.keys {
		if k.OrgID == c.OrgID && k.Key.ID == r.PathValue("id") {
			if k.Key.RevokedAt == nil {
				now := time.Now().UTC()
				f.keys[i].Key.RevokedAt = &now
			}
			writeJSON(w, http.StatusOK, f.keys[i].Key)
			return
		}
	}
	problem(w, &apiProblem{Status: 404, Title: "Not Found", Detail: "API key not found"})
}

// state returns the keys of org, newest first, and how many creates were asked for.
func (f *fakeKeys) state(org string) (keys []apiKey, creates int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range slices.Backward(f.keys) {
		if k.OrgID == org {
			keys = append(keys, k.Key)
		}
	}
	return keys, f.creates
}

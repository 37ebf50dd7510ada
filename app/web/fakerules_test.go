package web

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/report"
)

// fakeRules keeps datasets' columns and saved rule sets like the API, validating a PUT
// with the same code the API uses.
type fakeRules struct {
	mu       sync.Mutex
	datasets map[string]fakeDataset
	sets     map[string]apiRuleSet
	puts     int // rule sets saved (valid or not)
}

type fakeDataset struct {
	OrgID string
	apiDatasetDetail
}

// fakeExpiry is when every fake dataset expires.
var fakeExpiry = time.Date(2031, 3, 14, 9, 30, 0, 0, time.UTC)

// addDataset stores a ready dataset of org with columns.
func (f *fakeRules) addDataset(orgID, id, name string, columns ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.datasets == nil {
		f.datasets, f.sets = map[string]fakeDataset{}, map[string]apiRuleSet{}
	}
	f.datasets[id] = fakeDataset{OrgID: orgID, apiDatasetDetail: apiDatasetDetail{ID: id, Name: name, Status: "ready", Columns: columns,
		ExpiresAt: fakeExpiry}}
}

// saved is the dataset's saved set.
func (f *fakeRules) saved(id string) apiRuleSet {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sets[id]
}

func (f *fakeRules) find(w http.ResponseWriter, r *http.Request, c *auth.Claims) (fakeDataset, bool) {
	f.mu.Lock()
	ds, ok := f.datasets[r.PathValue("id")]
	f.mu.Unlock()
	if !ok || ds.OrgID != c.OrgID {
		problem(w, &apiProblem{Status: 404, Title: "Not Found", Detail: "dataset not found"})
		return ds, false
	}
	return ds, true
}

func (f *fakeRules) showDataset(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	if ds, ok := f.find(w, r, c); ok {
		writeJSON(w, http.StatusOK, ds.apiDatasetDetail)
	}
}

func (f *fakeRules) show(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	ds, ok := f.find(w, r, c)
	if !ok {
		return
	}
	rs := f.saved(ds.ID)
	if rs.Rules == nil {
		rs.Rules = []report.Rule{}
	}
	writeJSON(w, http.StatusOK, rs)
}

func (f *fakeRules) put(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	ds, ok := f.find(w, r, c)
	if !ok {
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.puts++
	f.mu.Unlock()
	set, err := report.ParseRuleSet(body)
	if err == nil {
		err = report.ValidateRuleSet(set, ds.Columns)
	}
	if err != nil {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		p := map[string]any{"type": "about:blank", "title": "Unprocessable Entity", "status": 422, "detail": err.Error()}
		if rse, ok := err.(*report.RuleSetError); ok {
			p["errors"] = rse.Errors
		}
		json.NewEncoder(w).Encode(p)
		return
	}
	f.mu.Lock()
	rs := apiRuleSet{Version: f.sets[ds.ID].Version + 1, Rules: set.Rules, RowCount: set.RowCount}
	f.sets[ds.ID] = rs
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, rs)
}

package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/report"
)

// fakeAPI answers like the API: it verifies every JWT with the signer's public keys
// (issuer, audience, expiry) and keeps datasets, tasks and reports in memory.
type fakeAPI struct {
	srv      *httptest.Server
	verifier *auth.Verifier

	mu       sync.Mutex
	claims   []*auth.Claims
	uploads  []fakeUpload
	created  []fakeTaskRequest
	deleted  []string // dataset ids
	tasks    map[string]fakeTask
	lists    int
	reports  map[string]*report.Report
	rejectDS *apiProblem // answer to the next dataset upload, if set
	rejectTS *apiProblem // answer to the next task creation, if set
	// firstBytes, if set, is closed once an upload's first bytes arrived.
	firstBytes chan struct{}
	keys       fakeKeys  // the internal API-key endpoints
	audit      fakeAudit // the organization's API audit entries
	rules      fakeRules // datasets' columns and saved rule sets
	hooks      fakeHooks // webhook endpoints and their deliveries
	suspension fakeSuspensions
	usage      *apiUsage // the answer to GET /v1/api/usage (usage_test.go)
}

type fakeUpload struct {
	Name, ContentType string
	SourceURL         string // a URL dataset (JSON body) instead of a file
	Chunked           bool
	Body              []byte
}

type fakeTaskRequest struct {
	DatasetID string        `json:"dataset_id"`
	Rules     []report.Rule `json:"rules"`
}

type fakeTask struct {
	OrgID string
	Task  apiTask
}

func newFakeAPI(t *testing.T, signer *auth.Signer) *fakeAPI {
	f := &fakeAPI{
		verifier: auth.NewVerifier(signer.Keys()),
		tasks:    map[string]fakeTask{},
		reports:  map[string]*report.Report{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/api/datasets", f.auth(f.createDataset))
	mux.HandleFunc("PUT /v1/internal/service/tenants/{org_id}/suspension", f.auth(f.suspension.put))
	mux.HandleFunc("PUT /v1/internal/service/tenants/{org_id}/plan", f.auth(f.suspension.plan))
	mux.HandleFunc("DELETE /v1/api/datasets/{id}", f.auth(f.deleteDataset))
	mux.HandleFunc("GET /v1/api/datasets/{id}", f.auth(f.rules.showDataset))
	mux.HandleFunc("GET /v1/api/datasets/{id}/rules", f.auth(f.rules.show))
	mux.HandleFunc("PUT /v1/api/datasets/{id}/rules", f.auth(f.rules.put))
	mux.HandleFunc("POST /v1/api/tasks", f.auth(f.createTask))
	mux.HandleFunc("GET /v1/api/tasks", f.auth(f.listTasks))
	mux.HandleFunc("GET /v1/api/tasks/{id}", f.auth(f.showTask))
	mux.HandleFunc("GET /v1/api/tasks/{id}/report", f.auth(f.showReport))
	mux.HandleFunc("POST /v1/api/tasks/{id}/cancel", f.auth(f.cancelTask))
	mux.HandleFunc("GET /v1/api/usage", f.auth(f.showUsage))
	mux.HandleFunc("GET /v1/internal/api-keys", f.auth(f.keys.list))
	mux.HandleFunc("GET /v1/internal/audit", f.auth(f.audit.list))
	mux.HandleFunc("GET /v1/internal/service/audit", f.auth(f.audit.all))
	mux.HandleFunc("POST /v1/internal/api-keys", f.auth(f.keys.create))
	mux.HandleFunc("POST /v1/internal/api-keys/{id}/revoke", f.auth(f.keys.revoke))
	mux.HandleFunc("GET /v1/api/webhook-endpoints", f.auth(f.hooks.list))
	mux.HandleFunc("POST /v1/api/webhook-endpoints", f.auth(f.hooks.create))
	mux.HandleFunc("GET /v1/api/webhook-endpoints/{id}", f.auth(f.hooks.show))
	mux.HandleFunc("PATCH /v1/api/webhook-endpoints/{id}", f.auth(f.hooks.patch))
	mux.HandleFunc("DELETE /v1/api/webhook-endpoints/{id}", f.auth(f.hooks.remove))
	mux.HandleFunc("POST /v1/api/webhook-endpoints/{id}/rotate-secret", f.auth(f.hooks.rotate))
	mux.HandleFunc("GET /v1/api/webhook-endpoints/{id}/deliveries", f.auth(f.hooks.listDeliveries))
	mux.HandleFunc("POST /v1/api/webhook-deliveries/{id}/redeliver", f.auth(f.hooks.redeliver))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

type claimsHandler func(w http.ResponseWriter, r *http.Request, c *auth.Claims)

func (f *fakeAPI) auth(h claimsHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			problem(w, &apiProblem{Status: 401, Title: "Unauthorized", Detail: "no token"})
			return
		}
		c, err := f.verifier.Verify(r.Context(), tok)
		if err != nil {
			problem(w, &apiProblem{Status: 401, Title: "Unauthorized", Detail: err.Error()})
			return
		}
		f.mu.Lock()
		f.claims = append(f.claims, c)
		f.mu.Unlock()
		h(w, r, c)
	}
}

func problem(w http.ResponseWriter, p *apiProblem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	body := map[string]any{"type": "about:blank", "title": p.Title, "status": p.Status, "detail": p.Detail}
	if p.Limit != "" { // a refusal by a plan limit, as the API words it
		body["limit"], body["upgrade_url"] = p.Limit, p.UpgradeURL
	}
	json.NewEncoder(w).Encode(body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (f *fakeAPI) createDataset(w http.ResponseWriter, r *http.Request, _ *auth.Claims) {
	f.mu.Lock()
	reject, first := f.rejectDS, f.firstBytes
	f.rejectDS = nil
	f.mu.Unlock()
	if reject != nil {
		problem(w, reject)
		return
	}
	up := fakeUpload{
		Name: r.URL.Query().Get("name"), ContentType: r.Header.Get("Content-Type"),
		Chunked: r.ContentLength == -1 && len(r.TransferEncoding) > 0 && r.TransferEncoding[0] == "chunked",
	}
	if up.ContentType == "application/json" {
		var in struct {
			Name      string `json:"name"`
			SourceURL string `json:"source_url"`
		}
		json.NewDecoder(r.Body).Decode(&in)
		up.Name, up.SourceURL = orDefault(in.Name, "from-url"), in.SourceURL
		f.mu.Lock()
		f.uploads = append(f.uploads, up)
		f.mu.Unlock()
		writeJSON(w, http.StatusCreated, map[string]any{"id": platform.NewID(), "name": up.Name, "status": "fetching"})
		return
	}
	if first != nil {
		buf := make([]byte, 1)
		if _, err := io.ReadFull(r.Body, buf); err != nil {
			problem(w, &apiProblem{Status: 400, Title: "Bad Request", Detail: err.Error()})
			return
		}
		close(first)
		up.Body = append(up.Body, buf...)
	}
	rest, err := io.ReadAll(r.Body)
	if err != nil {
		problem(w, &apiProblem{Status: 400, Title: "Bad Request", Detail: err.Error()})
		return
	}
	up.Body = append(up.Body, rest...)
	f.mu.Lock()
	f.uploads = append(f.uploads, up)
	f.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"id": platform.NewID(), "name": up.Name})
}

func (f *fakeAPI) deleteDataset(w http.ResponseWriter, r *http.Request, _ *auth.Claims) {
	f.mu.Lock()
	f.deleted = append(f.deleted, r.PathValue("id"))
	f.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (f *fakeAPI) createTask(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	var req fakeTaskRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		problem(w, &apiProblem{Status: 400, Title: "Bad Request", Detail: err.Error()})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.created = append(f.created, req)
	if f.rejectTS != nil {
		p := f.rejectTS
		f.rejectTS = nil
		problem(w, p)
		return
	}
	t := apiTask{ID: platform.NewID(), DatasetID: req.DatasetID, Status: "pending", Stage: "fetch"}
	f.tasks[t.ID] = fakeTask{OrgID: c.OrgID, Task: t}
	writeJSON(w, http.StatusAccepted, t)
}

func (f *fakeAPI) showTask(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	f.mu.Lock()
	t, ok := f.tasks[r.PathValue("id")]
	f.mu.Unlock()
	if !ok || t.OrgID != c.OrgID {
		problem(w, &apiProblem{Status: 404, Title: "Not Found", Detail: "task not found"})
		return
	}
	writeJSON(w, http.StatusOK, t.Task)
}

func (f *fakeAPI) listTasks(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists++
	list := apiTaskList{Data: []apiTask{}}
	ds := r.URL.Query().Get("dataset_id")
	for _, t := range f.tasks {
		if t.OrgID == c.OrgID && (ds == "" || t.Task.DatasetID == ds) {
			list.Data = append(list.Data, t.Task)
		}
	}
	// Newest first, as the API lists them (ids are time-ordered).
	sort.Slice(list.Data, func(i, j int) bool { return list.Data[i].ID > list.Data[j].ID })
	writeJSON(w, http.StatusOK, list)
}

// listCalls is how many times the task list was read.
func (f *fakeAPI) listCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lists
}

func (f *fakeAPI) showReport(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	id := r.PathValue("id")
	f.mu.Lock()
	t, ok := f.tasks[id]
	rep := f.reports[id]
	f.mu.Unlock()
	if !ok || t.OrgID != c.OrgID || rep == nil {
		problem(w, &apiProblem{Status: 404, Title: "Not Found", Detail: "report not found"})
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// deletedDatasets returns the ids of the datasets deleted so far.
func (f *fakeAPI) deletedDatasets() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.deleted...)
}

// setTask stores a task of org as the API would report it.
func (f *fakeAPI) setTask(orgID string, t apiTask) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tasks[t.ID] = fakeTask{OrgID: orgID, Task: t}
}

func (f *fakeAPI) setReport(id string, r *report.Report) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reports[id] = r
}

func (f *fakeAPI) state() (claims []*auth.Claims, uploads []fakeUpload, created []fakeTaskRequest) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*auth.Claims(nil), f.claims...), append([]fakeUpload(nil), f.uploads...), append([]fakeTaskRequest(nil), f.created...)
}

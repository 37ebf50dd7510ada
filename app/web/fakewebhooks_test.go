package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/assayhq/assay/app/access"
	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/webhook"
)

// fakeHooks answers the API's webhook endpoint routes in memory, with the real role
// check; a URL containing "10.0.0.1" is refused as the API refuses private addresses.
type fakeHooks struct {
	mu          sync.Mutex
	endpoints   []fakeEndpoint
	deliveries  map[string][]webhookDelivery // by endpoint id
	redelivered []string
}

type fakeEndpoint struct {
	OrgID string
	E     webhookEndpoint
}

func (f *fakeHooks) allowed(w http.ResponseWriter, c *auth.Claims) bool {
	if !access.Can(c.Role, access.ManageWebhooks) {
		problem(w, &apiProblem{Status: 403, Title: "Forbidden", Detail: "the " + c.Role + " role may not manage webhook endpoints"})
		return false
	}
	return true
}

func (f *fakeHooks) find(org, id string) int {
	for i, e := range f.endpoints {
		if e.OrgID == org && e.E.ID == id {
			return i
		}
	}
	return -1
}

func (f *fakeHooks) list(w http.ResponseWriter, _ *http.Request, c *auth.Claims) {
	if !f.allowed(w, c) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	l := webhookEndpointList{Data: []webhookEndpoint{}}
	for _, e := range slices.Backward(f.endpoints) {
		if e.OrgID == c.OrgID {
			l.Data = append(l.Data, e.E)
		}
	}
	writeJSON(w, http.StatusOK, l)
}

func (f *fakeHooks) create(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	if !f.allowed(w, c) {
		return
	}
	var in webhookEndpointChange
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.URL == nil {
		problem(w, &apiProblem{Status: 400, Title: "Bad Request", Detail: "bad body"})
		return
	}
	if strings.Contains(*in.URL, "10.0.0.1") {
		problem(w, &apiProblem{Status: 422, Title: "Unprocessable Entity",
			Detail: "url points to a private, loopback or reserved address, which is not allowed"})
		return
	}
	e := webhookEndpoint{ID: platform.NewID(), URL: *in.URL, Events: in.Events, Enabled: true,
		CreatedAt: time.Now().UTC(), Secret: webhook.NewSecret()}
	if in.Description != nil {
		e.Description = *in.Description
	}
	f.mu.Lock()
	stored := e
	stored.Secret = ""
	f.endpoints = append(f.endpoints, fakeEndpoint{OrgID: c.OrgID, E: stored})
	f.mu.Unlock()
	writeJSON(w, http.StatusCreated, e)
}

func (f *fakeHooks) show(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.find(c.OrgID, r.PathValue("id"))
	if i < 0 || !f.allowed(w, c) {
		if i < 0 {
			problem(w, &apiProblem{Status: 404, Title: "Not Found", Detail: "webhook endpoint not found"})
		}
		return
	}
	writeJSON(w, http.StatusOK, f.endpoints[i].E)
}

func (f *fakeHooks) patch(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	var in webhookEndpointChange
	_ = json.NewDecoder(r.Body).Decode(&in)
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.find(c.OrgID, r.PathValue("id"))
	if i < 0 {
		problem(w, &apiProblem{Status: 404, Title: "Not Found", Detail: "webhook endpoint not found"})
		return
	}
	if in.Enabled != nil {
		f.endpoints[i].E.Enabled = *in.Enabled
	}
	writeJSON(w, http.StatusOK, f.endpoints[i].E)
}

func (f *fakeHooks) remove(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.find(c.OrgID, r.PathValue("id"))
	if i < 0 {
		problem(w, &apiProblem{Status: 404, Title: "Not Found", Detail: "webhook endpoint not found"})
		return
	}
	f.endpoints = slices.Delete(f.endpoints, i, i+1)
	w.WriteHeader(http.StatusNoContent)
}

func (f *fakeHooks) rotate(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.find(c.OrgID, r.PathValue("id"))
	if i < 0 {
		problem(w, &apiProblem{Status: 404, Title: "Not Found", Detail: "webhook endpoint not found"})
		return
	}
	e := f.endpoints[i].E
	e.Secret = webhook.NewSecret()
	writeJSON(w, http.StatusOK, e)
}

func (f *fakeHooks) listDeliveries(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.find(c.OrgID, r.PathValue("id")) < 0 {
		problem(w, &apiProblem{Status: 404, Title: "Not Found", Detail: "webhook endpoint not found"})
		return
	}
	l := webhookDeliveryList{Data: append([]webhookDelivery{}, f.deliveries[r.PathValue("id")]...)}
	writeJSON(w, http.StatusOK, l)
}

func (f *fakeHooks) redeliver(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ep, ds := range f.deliveries {
		if f.find(c.OrgID, ep) < 0 {
			continue
		}
		for i := range ds {
			if ds[i].ID == r.PathValue("id") {
				ds[i].Status = "pending"
				f.redelivered = append(f.redelivered, ds[i].ID)
				writeJSON(w, http.StatusAccepted, ds[i])
				return
			}
		}
	}
	problem(w, &apiProblem{Status: 404, Title: "Not Found", Detail: "webhook delivery not found"})
}

// addDelivery puts a failed delivery in endpoint's log.
func (f *fakeHooks) addDelivery(endpoint string) webhookDelivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	code := 500
	next := time.Now().UTC().Add(5 * time.Minute)
	d := webhookDelivery{ID: platform.NewID(), EventType: "task.failed", Status: "failed", Attempts: 2,
		LastStatusCode: &code, LastError: "the endpoint answered 500 Internal Server Error",
		NextAttemptAt: &next, CreatedAt: time.Now().UTC()}
	if f.deliveries == nil {
		f.deliveries = map[string][]webhookDelivery{}
	}
	f.deliveries[endpoint] = append(f.deliveries[endpoint], d)
	return d
}

func (f *fakeHooks) state(org string) []webhookEndpoint {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []webhookEndpoint
	for _, e := range f.endpoints {
		if e.OrgID == org {
			out = append(out, e.E)
		}
	}
	return out
}
